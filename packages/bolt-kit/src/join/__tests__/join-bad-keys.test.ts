import {
  BaseRichSpout, Count, Duration, TopologyBuilder, WINDOW_INVALID_FIELDS, tumblingWindow, type OutputFieldsDeclarer, type Topology, type Values,
} from '@gale/runtime';
import { JoinBolt, type JoinBoltOptions } from '../../index.js';
import { ReplayLog, ReplayingSpout, runUntilDone } from '../../__tests__/replaying-spout.js';

/*
 * A null or missing join key is bad data: the tuple matches nothing (a left join keeps its left
 * row with nulls) and is acked with its window, as before; now it is also emitted once on the
 * `invalid` stream (the windows' layout), so it is not lost silently, and reported as a
 * DataError (one line, no stack, rate-limited per code).
 */

class Source extends BaseRichSpout {
  constructor(private readonly fields: string[]) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(this.fields);
  }
  nextTuple(): void {}
}

function topology(join: JoinBolt, orders: Values[], users: Values[], logs: [ReplayLog, ReplayLog]): Topology {
  const b = new TopologyBuilder();
  const o = new ReplayingSpout(['id', 'user'], orders, logs[0]);
  const u = new ReplayingSpout(['uid', 'name'], users, logs[1]);
  b.setSpout('orders', () => o);
  b.setSpout('users', () => u);
  b.setBolt('join', join).globalGrouping('orders').globalGrouping('users');
  return b.build({ name: 'bad-keys' });
}

const join = (o: Partial<JoinBoltOptions> = {}): JoinBolt => new JoinBolt({ window: tumblingWindow(Count.of(4)), from: 'orders', key: 'user', ...o })
  .join('users', 'uid', 'orders').select('orders.id, users.name');

describe('JoinBolt: tuples without a join key, with spouts that replay what fails', () => {
  it('are acked once, emitted once on "invalid", reported once as a DataError without a stack; the join and the run go on', async () => {
    const logs: [ReplayLog, ReplayLog] = [new ReplayLog(), new ReplayLog()];
    const r = await runUntilDone(topology(join(), [['o1', 1], ['o2', null]], [[1, 'ann'], [null, 'nobody']], logs));
    expect(r.done).toBe(true);
    for (const log of logs) {
      expect(log.totalFails()).toBe(0);
      expect(log.emits).toBe(2);
      expect([...log.acks.values()]).toEqual([1, 1]);
    }
    expect(r.emitted('join', 'default')).toEqual([['o1', 'ann']]);
    expect([...r.emitted('join', 'invalid')].sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['orders', 'default', ['o2', null], 'no join key: "orders".user is null'],
      ['users', 'default', [null, 'nobody'], 'no join key: "users".uid is null'],
    ]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.message).toMatch(/JoinBolt "join": new tuples without a join key \(1 with no "orders".user, 1 with no "users".uid\); .* are emitted on stream "invalid" and acked with their window/);
    expect(r.errors[0]!.stack).toBeUndefined();
  });

  it('declares "invalid" with the windows\' fields; invalidStream renames it; a clash with outputStream is refused', () => {
    const logs: [ReplayLog, ReplayLog] = [new ReplayLog(), new ReplayLog()];
    const streams = topology(join(), [], [], logs).components.get('join')!.streams;
    expect(streams.get('invalid')!.fields.names).toEqual([...WINDOW_INVALID_FIELDS]);
    expect(topology(join({ invalidStream: 'no-key' }), [], [], logs).components.get('join')!.streams.has('no-key')).toBe(true);
    expect(() => join({ outputStream: 'invalid' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION', message: expect.stringMatching(/outputStream and invalidStream are both "invalid"/) }));
    expect(() => join({ invalidStream: '' })).toThrow(/invalidStream must be a non-empty stream id/);
  });

  it('with an event-time window, share the window\'s invalid stream (declared once, renamed by either key, never two names)', () => {
    const timed = { ...tumblingWindow(Duration.ofSeconds(1)), timestamp: 'ts' };
    const build = (o: Partial<JoinBoltOptions>): Topology => {
      const b = new TopologyBuilder();
      b.setSpout('orders', new Source(['id', 'user', 'ts']));
      b.setSpout('users', new Source(['uid', 'name', 'ts']));
      b.setBolt('join', join({ window: timed, ...o })).globalGrouping('orders').globalGrouping('users');
      return b.build({ name: 'timed', config: { maxSpoutPending: 100 } });
    };
    expect(build({}).components.get('join')!.streams.get('invalid')!.fields.names).toEqual([...WINDOW_INVALID_FIELDS]);
    expect(build({ invalidStream: 'bad' }).components.get('join')!.streams.has('bad')).toBe(true);
    expect(build({ window: { ...timed, invalidStream: 'bad' } }).components.get('join')!.streams.has('bad')).toBe(true);
    expect(() => join({ window: { ...timed, invalidStream: 'a' }, invalidStream: 'b' })).toThrow(/JoinBolt invalidStream "b" and its event-time window's invalidStream "a" differ/);
  });
});
