import {
  BaseRichBolt, BaseStatefulBolt, MemoryStateStores, TopologyBuilder,
  type KeyValueState, type OutputFieldsDeclarer, type StateStoreProvider, type Tuple,
} from '@gale/runtime';
import { ManualEngine } from './manual-engine.js';
import { batchTotals, dataset, ReplaySpout } from './stateful-fixtures.js';

/**
 * Totals that ack every input, and for the inputs `regret` names ack first and then fail them
 * (their effect is not applied): the tree must fail at once, and no held ack of it may reach
 * the acker later (it would leave an orphan ledger entry until expiry).
 */
class RegretfulTotals extends BaseStatefulBolt<KeyValueState<string, number>> {
  static regretted = 0;
  constructor(private readonly regret: (t: Tuple) => boolean) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    if (t.isTick()) return;
    const k = t.getStringByField('key');
    if (RegretfulTotals.regretted < 5 && this.regret(t)) {
      RegretfulTotals.regretted++;
      this.collector.ack(t);
      this.collector.fail(t);
      this.collector.ack(t); // ignored: already failed
      return;
    }
    this.state.put(k, this.state.get(k, 0) + t.getNumberByField('n'));
    this.collector.ack(t);
    this.collector.ack(t); // ignored: acked once
  }
}

/** Emits every input twice, both anchored to it: two tuples of one tree reach the next bolt. */
class Twice extends BaseRichBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['key', 'n']);
  }
  execute(t: Tuple): void {
    this.collector.emit([...t.values], t);
    this.collector.emit([...t.values], t);
    this.collector.ack(t);
  }
}

/** A store provider counting the COMMITs it saw. */
function countingStores(): { stores: StateStoreProvider; commits: () => number } {
  const inner = new MemoryStateStores();
  let commits = 0;
  const stores: StateStoreProvider = {
    open: (k) => {
      const s = inner.open(k);
      return { load: () => s.load(), prepare: (x) => s.prepare(x), commit: async (txid) => { await s.commit(txid); commits++; }, close: () => s.close() };
    },
    close: () => inner.close(),
  };
  return { stores, commits: () => commits };
}

async function committed(stores: StateStoreProvider, tasks: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < tasks; i++) {
    const st = await stores.open({ topology: 't', component: 'totals', taskIndex: i }).load();
    for (const [k, v] of st.committed.entries) out[JSON.parse(k) as string] = (out[JSON.parse(k) as string] ?? 0) + (v as number);
  }
  return out;
}

describe('held acks (one record per tree, applied at COMMIT)', () => {
  let m: ManualEngine | undefined;
  afterEach(async () => {
    await m?.close();
    m = undefined;
  });

  it('a held input failed by the bolt fails its tree at once; the replay is counted once; no orphan acker entries', async () => {
    RegretfulTotals.regretted = 0;
    const data = dataset(300);
    const spout = new ReplaySpout(data);
    const stores = new MemoryStateStores();
    const b = new TopologyBuilder();
    b.setSpout('src', () => spout);
    b.setBolt('totals', () => new RegretfulTotals((t) => t.getNumberByField('n') === 3), 2).fieldsGrouping('src', ['key']);
    m = new ManualEngine(b.build({ name: 't', config: { checkpointIntervalMs: 100, messageTimeoutMs: 5000, maxSpoutPending: 50 } }), {}, undefined, { stateStores: stores });
    await m.start();
    expect(await m.runUntil(() => spout.isExhausted(), 20_000)).toBe(true);
    await m.runUntil(() => false, 300);
    expect(spout.fails).toBe(5);
    expect(m.stats('src').timedOut).toBe(0);
    expect(await committed(stores, 2)).toEqual(batchTotals(data));
    // Every tree settled, none re-created by a late ack of a failed one.
    expect(m.stats('__acker').pending).toBe(0);
    // The task counters: each input acked or failed once, when its checkpoint committed (or at the fail).
    expect(m.stats('totals').failed).toBe(5);
    expect(m.stats('totals').acked).toBe(data.length);
  });

  it('inputs are acked in the spout only at COMMIT, all of them, one tree per input', async () => {
    const data = dataset(120);
    const spout = new ReplaySpout(data, 120);
    const stores = new MemoryStateStores();
    const b = new TopologyBuilder();
    b.setSpout('src', () => spout);
    b.setBolt('totals', () => new RegretfulTotals(() => false), 2).fieldsGrouping('src', ['key']);
    m = new ManualEngine(b.build({ name: 't', config: { checkpointIntervalMs: 100, messageTimeoutMs: 5000 } }), {}, undefined, { stateStores: stores });
    await m.start();
    // INITSTATE goes out at start: the inputs run before the first interval is over, and wait for a commit.
    expect(await m.runUntil(() => m!.stats('totals').executed >= data.length, 50, 1)).toBe(true);
    expect(m.stats('src').acked).toBe(0);
    expect(await m.runUntil(() => spout.isExhausted(), 5000)).toBe(true);
    expect(m.stats('src').acked).toBe(data.length);
    expect(await committed(stores, 2)).toEqual(batchTotals(data));
  });

  it('a fail of an input whose held ack was already applied at COMMIT is a no-op, as after a plain ack', async () => {
    const data = dataset(200);
    const spout = new ReplaySpout(data);
    const { stores, commits: commitCount } = countingStores();
    let late: Tuple | undefined;
    let lateCommits = -1;
    let failedLate = false;
    class LateRegret extends BaseStatefulBolt<KeyValueState<string, number>> {
      declareOutputFields(): void {}
      execute(t: Tuple): void {
        if (t.isTick()) return;
        const commits = commitCount();
        if (late !== undefined && !failedLate && commits > lateCommits + 1) {
          failedLate = true;
          this.collector.fail(late); // its ack went to the acker at a COMMIT since
        }
        const k = t.getStringByField('key');
        this.state.put(k, this.state.get(k, 0) + t.getNumberByField('n'));
        this.collector.ack(t);
        if (late === undefined) {
          late = t;
          lateCommits = commitCount();
        }
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('src', () => spout);
    b.setBolt('totals', () => new LateRegret(), 1).shuffleGrouping('src');
    m = new ManualEngine(b.build({ name: 't', config: { checkpointIntervalMs: 100, messageTimeoutMs: 5000, maxSpoutPending: 20 } }), {}, undefined, { stateStores: stores });
    await m.start();
    expect(await m.runUntil(() => spout.isExhausted(), 20_000)).toBe(true);
    await m.runUntil(() => false, 300);
    expect(failedLate).toBe(true);
    expect(spout.fails).toBe(0);
    expect(await committed(stores, 1)).toEqual(batchTotals(data)); // applied once, never replayed
    expect(m.stats('__acker').pending).toBe(0);
    expect(m.stats('totals').failed).toBe(0);
    expect(m.stats('totals').acked).toBe(data.length);
  });

  it('a fail of an input whose own ack was applied at COMMIT is a no-op while another input of its tree is still held', async () => {
    // T and U of one tree r: T acked before a PREPARE (applied at its COMMIT), U acked after it (r
    // still held), then fail(T). Only U's ack may still complete r: no fail, no replay.
    const data = dataset(200);
    const spout = new ReplaySpout(data);
    const { stores, commits } = countingStores();
    let first: Tuple | undefined;
    let second: Tuple | undefined;
    let firstCommits = -1;
    let failedFirst = false;
    class SplitRegret extends BaseStatefulBolt<KeyValueState<string, number>> {
      declareOutputFields(): void {}
      execute(t: Tuple): void {
        if (t.isTick()) return;
        const k = t.getStringByField('key');
        this.state.put(k, this.state.get(k, 0) + t.getNumberByField('n'));
        if (first === undefined) {
          first = t;
          firstCommits = commits();
          this.collector.ack(t);
          return;
        }
        if (second === undefined) {
          second = t; // the same tree as `first` (Twice emits both before anything else reaches us); acked later
          return;
        }
        this.collector.ack(t);
        if (!failedFirst && commits() > firstCommits + 1) {
          failedFirst = true;
          this.collector.ack(second); // held in the table of acks after the last PREPARE: tree r is held
          this.collector.fail(first); // its ack went to the acker at a COMMIT since
        }
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('src', () => spout);
    b.setBolt('twice', () => new Twice(), 1).shuffleGrouping('src');
    b.setBolt('totals', () => new SplitRegret(), 1).shuffleGrouping('twice');
    m = new ManualEngine(b.build({ name: 't', config: { checkpointIntervalMs: 100, messageTimeoutMs: 5000, maxSpoutPending: 20 } }), {}, undefined, { stateStores: stores });
    await m.start();
    expect(await m.runUntil(() => spout.isExhausted(), 20_000)).toBe(true);
    await m.runUntil(() => false, 300);
    expect(failedFirst).toBe(true);
    expect(first!.messageId.split(':')[0]).toBe(second!.messageId.split(':')[0]); // one tree
    expect(spout.fails).toBe(0);
    const twice = Object.fromEntries(Object.entries(batchTotals(data)).map(([k, v]) => [k, 2 * v]));
    expect(await committed(stores, 1)).toEqual(twice); // each input applied once, never replayed
    expect(m.stats('__acker').pending).toBe(0);
    expect(m.stats('totals').failed).toBe(0);
    expect(m.stats('totals').acked).toBe(2 * data.length);
  });
});
