import {
  BaseRichSpout, Count, Duration, FeederSpout, TopologyBuilder, completeTopology, trackedTopology, tumblingWindow,
  type OutputFieldsDeclarer, type TrackedTopology,
} from '@gale/runtime';
import { JoinBolt, type JoinBoltOptions } from '../../index.js';

class Source extends BaseRichSpout {
  constructor(private readonly fields: string[], private readonly extra?: { stream: string; fields: string[] }) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(this.fields);
    if (this.extra) d.declareStream(this.extra.stream, this.extra.fields);
  }
  nextTuple(): void {}
}

const WINDOW = tumblingWindow(Count.of(10));
const join = (o: Partial<JoinBoltOptions> = {}): JoinBolt => new JoinBolt({ window: WINDOW, from: 'orders', key: 'user', ...o });

/** orders [id, user] and users [uid, name], both into `bolt`. */
function build(bolt: JoinBolt, wire?: (d: ReturnType<TopologyBuilder['setBolt']>) => void, parallelism = 1): void {
  const b = new TopologyBuilder();
  b.setSpout('orders', new Source(['id', 'user'], { stream: 'refunds', fields: ['id', 'amount'] }));
  b.setSpout('users', new Source(['uid', 'name']));
  const d = b.setBolt('join', bolt, parallelism);
  if (wire) wire(d);
  else d.globalGrouping('orders').globalGrouping('users');
  b.build({ name: 'joins' });
}

const code = (c: string, m: RegExp): Error => expect.objectContaining({ code: c, message: expect.stringMatching(m) }) as Error;

describe('JoinBolt: errors at build time', () => {
  it('refuses a join of an input the bolt does not subscribe to, or an input no join names', () => {
    expect(() => build(join().join('userz', 'uid', 'orders').select('orders.id'))).toThrow(code('GALE_ERR_JOIN_STREAM', /JoinBolt "join" joins "userz" \(a component, selector 'source'\) but subscribes to no input with that component; its inputs are "orders", "users"/));
    const extra = (d: ReturnType<TopologyBuilder['setBolt']>): void => void d.globalGrouping('orders').globalGrouping('users').globalGrouping('orders', 'refunds');
    const b = new TopologyBuilder();
    b.setSpout('orders', new Source(['id', 'user']));
    b.setSpout('users', new Source(['uid', 'name']));
    b.setSpout('audit', new Source(['uid']));
    b.setBolt('join', join().join('users', 'uid', 'orders').select('orders.id')).globalGrouping('orders').globalGrouping('users').globalGrouping('audit');
    expect(() => b.build({ name: 'joins' })).toThrow(code('GALE_ERR_JOIN_STREAM', /JoinBolt "join" subscribes to "audit"\/"default", which no join names \(joined components: orders, users\)/));
    expect(() => build(join({ selector: 'stream', from: 'default' }).join('users', 'uid', 'default').select('default.id'), extra)).toThrow(code('GALE_ERR_JOIN_STREAM', /joins "users" \(a stream id, selector 'stream'\)/));
    expect(() => build(join({ selector: 'stream', from: 'default' }).join('refunds', 'id', 'default', 'id').select('default.id'), extra)).toThrow(code('GALE_ERR_JOIN_FIELD', /reads field "user" of "default", but "users"\/"default" declares only \[uid, name\]/));
  });

  it('refuses a key or selected field the stream does not declare', () => {
    expect(() => build(join().join('users', 'userId', 'orders').select('orders.id'))).toThrow(code('GALE_ERR_JOIN_FIELD', /reads field "userId" of "users", but "users"\/"default" declares only \[uid, name\]/));
    expect(() => build(join({ key: 'customer' }).join('users', 'uid', 'orders').select('orders.id'))).toThrow(code('GALE_ERR_JOIN_FIELD', /field "customer" of "orders"/));
    expect(() => build(join().join('users', 'uid', 'orders').select('orders.id, users.email'))).toThrow(code('GALE_ERR_JOIN_FIELD', /field "email" of "users"/));
    // With selector 'source', every subscribed stream of a component must have the fields.
    const both = (d: ReturnType<TopologyBuilder['setBolt']>): void => void d.globalGrouping('orders').globalGrouping('orders', 'refunds').globalGrouping('users');
    expect(() => build(join().join('users', 'uid', 'orders').select('orders.id'), both)).toThrow(code('GALE_ERR_JOIN_FIELD', /field "user" of "orders", but "orders"\/"refunds" declares only \[id, amount\]/));
  });

  it('refuses a select of an unknown input, duplicate output names, and a join without a select or a second input', () => {
    expect(() => join().join('users', 'uid', 'orders').select('orders.id, accounts.name')).toThrow(code('GALE_ERR_JOIN_STREAM', /"accounts" is not one of the joined inputs/));
    expect(() => join().join('users', 'uid', 'orders').select('orders.id, users.name as id')).toThrow(code('GALE_ERR_JOIN_DUPLICATE_OUTPUT', /same output field "id"/));
    expect(() => build(join().join('users', 'uid', 'orders'))).toThrow(code('GALE_ERR_BAD_JOIN', /has no select/));
    expect(() => build(join().select('orders.id'))).toThrow(code('GALE_ERR_BAD_JOIN', /JoinBolt "join" joins nothing/));
    expect(() => join().select('orders.id').join('users', 'uid', 'orders')).toThrow(code('GALE_ERR_BAD_JOIN', /before calling select/));
    expect(() => join({ selector: 'component' as 'source' })).toThrow(code('GALE_ERR_BAD_JOIN', /selector must be 'source' or 'stream'/));
  });

  it('with several tasks, refuses inputs not fields-grouped on their join key', () => {
    const ok = join().join('users', 'uid', 'orders').select('orders.id, users.name');
    expect(() => build(ok, (d) => void d.fieldsGrouping('orders', ['user']).fieldsGrouping('users', ['uid']), 2)).not.toThrow();
    expect(() => build(ok, undefined, 2)).not.toThrow(); // everything global: one task does the work
    expect(() => build(ok, (d) => void d.fieldsGrouping('orders', ['user']).shuffleGrouping('users'), 2)).toThrow(code('GALE_ERR_JOIN_GROUPING', /"users"\/"default" must be subscribed with fieldsGrouping on \["uid"\] \(got shuffle\)/));
    expect(() => build(ok, (d) => void d.fieldsGrouping('orders', ['id']).fieldsGrouping('users', ['uid']), 2)).toThrow(code('GALE_ERR_JOIN_GROUPING', /fieldsGrouping on \["user"\] \(got fields on \[id\]\)/));
  });

  it('declares its output fields from the select, on the output stream', () => {
    const j = join({ outputStream: 'joined' }).join('users', 'uid', 'orders').select('orders.id as order, users.name');
    expect(j.outputFields).toEqual(['order', 'name']);
    const b = new TopologyBuilder();
    b.setSpout('orders', new Source(['id', 'user']));
    b.setSpout('users', new Source(['uid', 'name']));
    b.setBolt('join', j).globalGrouping('orders').globalGrouping('users');
    const t = b.build({ name: 'joins' });
    expect(t.components.get('join')!.streams.get('joined')!.fields.names).toEqual(['order', 'name']);
  });
});

describe('JoinBolt through the public API (LocalCluster)', () => {
  it('count window via completeTopology: inner join of two spouts', async () => {
    const b = new TopologyBuilder();
    b.setSpout('orders', new Source(['id', 'user']));
    b.setSpout('users', new Source(['uid', 'name']));
    b.setBolt('join', new JoinBolt({ window: tumblingWindow(Count.of(4)), from: 'orders', key: 'user' }).join('users', 'uid', 'orders').select('orders.id, users.name'))
      .globalGrouping('orders').globalGrouping('users');
    const captured = await completeTopology(b.build({ name: 'cjoin' }), {
      mockedSources: { orders: [['o1', 1], ['o2', 2]], users: [[1, 'ann'], [3, 'cid']] },
    });
    expect(captured.emitted('join')).toEqual([['o1', 'ann']]);
  });

  describe('event time', () => {
    let t: TrackedTopology | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('joins per event-time window whatever the arrival order, and acks every input', async () => {
      const clicks = new FeederSpout(['ad', 'ts']);
      const views = new FeederSpout(['ad', 'ts', 'page']);
      const b = new TopologyBuilder();
      b.setSpout('views', views);
      b.setSpout('clicks', clicks);
      const window = tumblingWindow(Duration.ofSeconds(10), { timestamp: 'ts', watermarkIntervalMs: 10 });
      b.setBolt('join', new JoinBolt({ window, from: 'views', key: 'ad' }).leftJoin('clicks', 'ad', 'views').select('views.ad, views.page, clicks.ts as clickTs'), 2)
        .fieldsGrouping('views', ['ad']).fieldsGrouping('clicks', ['ad']);
      t = await trackedTopology(b.build({ name: 'ejoin', config: { maxSpoutPending: 100 } }));
      const T = 1_700_000_000_000;
      clicks.feed(['a', T + 5_000]); // before its view arrives, same window
      views.feed(['a', T + 1_000, 'home']);
      views.feed(['b', T + 2_000, 'shop']);
      clicks.feed(['b', T + 12_000]); // next window: no match for b's view
      // Move both watermarks of both tasks past the first window, whatever task each key is on.
      for (const ad of ['a', 'b']) {
        views.feed([ad, T + 60_000, 'later']);
        clicks.feed([ad, T + 60_000]);
      }
      expect(await t.topology.waitUntil(() => t!.captured.emitted('join').length >= 2, 10_000)).toBe(true);
      expect([...t.captured.emitted('join')].sort()).toEqual([['a', 'home', T + 5_000], ['b', 'shop', null]]);
      // The four early tuples left their windows (the watermark passed T + 20 s): acked, none failed.
      const stats = (c: string) => t!.topology.stats().find((s) => s.component === c)!;
      expect(await t.topology.waitUntil(() => stats('views').acked === 2 && stats('clicks').acked === 2, 10_000)).toBe(true);
      expect(stats('views').failed + stats('clicks').failed).toBe(0);
    });
  });
});
