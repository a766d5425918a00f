import {
  BaseBasicBolt, BaseRichBolt, BaseRichSpout, Duration, TopologyBuilder, slidingWindow, tumblingWindow,
  type OutputFieldsDeclarer, type Tuple, type Values, type WindowSpec,
} from '@gale/runtime';
// Manual time lives in the runtime's tests; a kit test may borrow it (tests are outside the layer rules).
import { ManualEngine } from '../../../../runtime/src/engine/__tests__/manual-engine.js';
import { ManualClock } from '../../../../runtime/src/engine/testing/manual-time.js';
import { JoinBolt } from '../../index.js';

/** What the spouts emitted and what came back: message ids with the manual time. */
class Probe {
  readonly acks: { id: string; at: number }[] = [];
  readonly fails: { id: string; at: number }[] = [];
  readonly rows: { values: unknown[]; at: number }[] = [];
  constructor(readonly clock: ManualClock) {}
  ackedIds(): string[] {
    return this.acks.map((a) => a.id).sort();
  }
}

interface Planned {
  at: number;
  id: string;
  values: Values;
  stream?: string;
}

/** Emits its plan (message id = `id`), each item at its first poll at or after `at`. */
class PlanSpout extends BaseRichSpout {
  constructor(private readonly streams: Record<string, string[]>, private readonly plan: Planned[], private readonly probe: Probe) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    for (const [s, f] of Object.entries(this.streams)) d.declareStream(s, f);
  }
  nextTuple(): void {
    const next = this.plan[0];
    if (next === undefined || next.at > this.probe.clock.now()) return;
    this.plan.shift();
    this.collector.emitStream(next.stream ?? 'default', next.values, next.id);
  }
  override ack(id: unknown): void {
    this.probe.acks.push({ id: String(id), at: this.probe.clock.now() });
  }
  override fail(id: unknown): void {
    this.probe.fails.push({ id: String(id), at: this.probe.clock.now() });
  }
}

class Sink extends BaseBasicBolt {
  constructor(private readonly probe: Probe) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    this.probe.rows.push({ values: [...t.values], at: this.probe.clock.now() });
  }
}

/** Fails the rows whose `user` is "ann", acks the rest. */
class FailAnn extends BaseRichBolt {
  constructor(private readonly probe: Probe) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    this.probe.rows.push({ values: [...t.values], at: this.probe.clock.now() });
    if (t.getValueByField('user') === 'ann') this.collector.fail(t);
    else this.collector.ack(t);
  }
}

const PENDING = { maxSpoutPending: 1000 };
const TUMBLING_1S: WindowSpec = tumblingWindow(Duration.ofSeconds(1), { epochClock: () => 0 });

describe('JoinBolt on the engine (manual clock)', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  function ordersUsers(clock: ManualClock, probe: Probe, orders: Planned[], users: Planned[], join: JoinBolt, sink: 'record' | 'fail-ann' = 'record'): ManualEngine {
    const b = new TopologyBuilder();
    b.setSpout('orders', () => new PlanSpout({ default: ['id', 'user'] }, orders, probe));
    b.setSpout('users', () => new PlanSpout({ default: ['uid', 'name'] }, users, probe));
    b.setBolt('join', join).globalGrouping('orders').globalGrouping('users');
    b.setBolt('sink', () => (sink === 'record' ? new Sink(probe) : new FailAnn(probe))).shuffleGrouping('join');
    return new ManualEngine(b.build({ name: 'join', config: PENDING }), {}, clock);
  }

  it('tumbling processing time, left join: rows per window, duplicate keys pair up, missing keys are reported and acked', async () => {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    const orders = [
      { at: 100, id: 'o1', values: ['o1', 1] }, { at: 200, id: 'o2', values: ['o2', 2] }, { at: 300, id: 'o3', values: ['o3', null] },
      { at: 1100, id: 'o4', values: ['o4', 2] },
    ];
    const users = [
      { at: 150, id: 'u1', values: [1, 'ann'] }, { at: 250, id: 'u1b', values: [1, 'ann2'] }, { at: 1200, id: 'u2', values: [2, 'bob'] },
    ];
    const join = new JoinBolt({ window: TUMBLING_1S, from: 'orders', key: 'user' }).leftJoin('users', 'uid', 'orders').select('orders.id, users.name as user');
    h = ordersUsers(clock, probe, orders, users, join);
    await h.start();
    expect(await h.runUntil(() => probe.acks.length === 5, 1500)).toBe(true);
    // Window [0, 1000): o1 with both users of key 1; o2 (no user 2 yet) and o3 (no key) with nulls.
    expect(probe.rows).toEqual([
      { values: ['o1', 'ann'], at: 1000 }, { values: ['o1', 'ann2'], at: 1000 }, { values: ['o2', null], at: 1000 }, { values: ['o3', null], at: 1000 },
    ]);
    expect(probe.acks.every((a) => a.at === 1000)).toBe(true);
    expect(probe.ackedIds()).toEqual(['o1', 'o2', 'o3', 'u1', 'u1b']);
    expect(await h.runUntil(() => probe.acks.length === 7, 2000)).toBe(true);
    // Window [1000, 2000): the users of the first window are gone (tumbling).
    expect(probe.rows.slice(4)).toEqual([{ values: ['o4', 'bob'], at: 2000 }]);
    // Every input acked exactly once, after its window; nothing failed.
    expect(probe.ackedIds()).toEqual(['o1', 'o2', 'o3', 'o4', 'u1', 'u1b', 'u2']);
    expect(probe.acks.filter((a) => a.id === 'o4' || a.id === 'u2').map((a) => a.at)).toEqual([2000, 2000]);
    expect(probe.fails).toEqual([]);
    const errors = h.engine.errors('join');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/JoinBolt "join": new tuples without a join key \(1 with no "orders".user\)/);
  });

  it('inner join drops unmatched rows; each output is anchored to its own row, so a downstream failure fails just those inputs', async () => {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    const orders = [{ at: 100, id: 'o1', values: ['o1', 1] }, { at: 200, id: 'o2', values: ['o2', 2] }, { at: 300, id: 'o9', values: ['o9', 9] }];
    const users = [{ at: 150, id: 'u1', values: [1, 'ann'] }, { at: 250, id: 'u2', values: [2, 'bob'] }, { at: 350, id: 'u3', values: [3, 'cid'] }];
    const join = new JoinBolt({ window: TUMBLING_1S, from: 'orders', key: 'user' }).join('users', 'uid', 'orders')
      .select([{ stream: 'orders', field: 'id' }, { stream: 'users', field: 'name', as: 'user' }]);
    h = ordersUsers(clock, probe, orders, users, join, 'fail-ann');
    await h.start();
    expect(await h.runUntil(() => probe.acks.length + probe.fails.length === 6, 1500)).toBe(true);
    expect(probe.rows.map((r) => r.values)).toEqual([['o1', 'ann'], ['o2', 'bob']]);
    expect(probe.fails.map((f) => f.id).sort()).toEqual(['o1', 'u1']);
    // o9 and u3 matched nothing: they are acked with their window all the same.
    expect(probe.ackedIds()).toEqual(['o2', 'o9', 'u2', 'u3']);
  });

  it('sliding window: a pair is joined in every window holding both; inputs are acked once, after their last window', async () => {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    const orders = [{ at: 100, id: 'o1', values: ['o1', 1] }, { at: 700, id: 'o2', values: ['o2', 1] }];
    const users = [{ at: 600, id: 'u1', values: [1, 'ann'] }];
    const join = new JoinBolt({ window: slidingWindow(Duration.ofSeconds(1), Duration.ofMillis(500), { epochClock: () => 0 }), from: 'orders', key: 'user' })
      .join('users', 'uid', 'orders').select('orders.id, users.name as user');
    h = ordersUsers(clock, probe, orders, users, join);
    await h.start();
    expect(await h.runUntil(() => probe.acks.length === 3, 3000)).toBe(true);
    // Windows: [-500,500) o1 only; [0,1000) o1, o2, u1; [500,1500) o2, u1.
    expect(probe.rows).toEqual([
      { values: ['o1', 'ann'], at: 1000 }, { values: ['o2', 'ann'], at: 1000 }, { values: ['o2', 'ann'], at: 1500 },
    ]);
    expect(probe.acks.map((a) => [a.id, a.at]).sort()).toEqual([['o1', 1000], ['o2', 1500], ['u1', 1500]]);
    expect(probe.fails).toEqual([]);
  });

  it('three streams of one spout by stream id (selector "stream"), two tasks fields-grouped on the key', async () => {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    const streams = { a: ['k', 'x'], b: ['k', 'y'], c: ['k', 'z'] };
    const plan: Planned[] = [];
    for (const k of [1, 2]) {
      plan.push({ at: 0, id: `a${k}`, stream: 'a', values: [k, `x${k}`] }, { at: 0, id: `b${k}`, stream: 'b', values: [k, `y${k}`] });
      // Only key 1 has a c: the left join keeps key 2 with a null z.
      if (k === 1) plan.push({ at: 0, id: `c${k}`, stream: 'c', values: [k, `z${k}`] });
    }
    const b = new TopologyBuilder();
    b.setSpout('s', () => new PlanSpout(streams, plan, probe));
    const join = new JoinBolt({ window: TUMBLING_1S, from: 'a', key: 'k', selector: 'stream' })
      .join('b', 'k', 'a').leftJoin('c', 'k', 'b').select('a.k, a.x, b.y, c.z');
    b.setBolt('join', join, 2).fieldsGrouping('s', ['k'], 'a').fieldsGrouping('s', ['k'], 'b').fieldsGrouping('s', ['k'], 'c');
    b.setBolt('sink', () => new Sink(probe)).shuffleGrouping('join');
    h = new ManualEngine(b.build({ name: 'join3', config: PENDING }), {}, clock);
    await h.start();
    expect(await h.runUntil(() => probe.acks.length === 5, 1500)).toBe(true);
    expect(probe.rows.map((r) => r.values).sort()).toEqual([[1, 'x1', 'y1', 'z1'], [2, 'x2', 'y2', null]]);
    // One row per key, whichever task each key went to.
    expect(h.stats('join').emitted).toBe(2);
  });
});
