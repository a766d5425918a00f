import { MemoryStateStores, StateError, type StateSnapshot, type StateStore, type StateStoreProvider, type StateNamespace, type StoredState } from '@gale/runtime';
import { nextStep } from '../checkpoint-steps.js';
import { ManualEngine } from './manual-engine.js';
import { batchTotals, dataset, ReplaySpout, ReplayTreeSpout, totalsTopology } from './stateful-fixtures.js';

/** Memory stores whose operations can be made to fail, and which record what was committed. */
class FlakyStores implements StateStoreProvider {
  readonly inner = new MemoryStateStores();
  failPrepare = 0;
  failLoad = 0;
  readonly commits: string[] = [];
  readonly stores = new Map<string, StateStore>();
  open(ns: StateNamespace): StateStore {
    const s = this.inner.open(ns);
    const self = this;
    const store: StateStore = {
      load(): Promise<StoredState> {
        if (ns.component !== '__checkpoint' && self.failLoad > 0) {
          self.failLoad--;
          return Promise.reject(new StateError('GALE_ERR_STATE_CORRUPT', `state of ${ns.component}#${ns.taskIndex} is corrupt`));
        }
        return s.load();
      },
      prepare(snap: StateSnapshot): Promise<void> {
        if (ns.component !== '__checkpoint' && self.failPrepare > 0) {
          self.failPrepare--;
          return Promise.reject(new Error('disk on fire'));
        }
        return s.prepare(snap);
      },
      commit(txid: number): Promise<void> {
        if (ns.component !== '__checkpoint') self.commits.push(`${ns.component}#${ns.taskIndex}@${txid}`);
        return s.commit(txid);
      },
      close: () => s.close(),
    };
    this.stores.set(`${ns.component}#${ns.taskIndex}`, store);
    return store;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  async committed(component: string, tasks: number): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (let i = 0; i < tasks; i++) {
      const st = await this.inner.open({ topology: 't', component, taskIndex: i }).load();
      for (const [k, v] of st.committed.entries) out[JSON.parse(k) as string] = (out[JSON.parse(k) as string] ?? 0) + (v as number);
    }
    return out;
  }
}

describe('checkpoint protocol (manual clock)', () => {
  let m: ManualEngine | undefined;
  afterEach(async () => {
    await m?.close();
    m = undefined;
  });

  it('holds acks until the checkpoint holding their effect commits; state equals the batch totals', async () => {
    const data = dataset(200);
    const spout = new ReplaySpout(data);
    const stores = new FlakyStores();
    m = new ManualEngine(totalsTopology('t', spout), {}, undefined, { stateStores: stores });
    await m.start();
    // Before any checkpoint (INITSTATE at the first tick, PREPARE at the second), no tuple is acked.
    await m.runUntil(() => m!.stats('totals').executed > 0, 90);
    expect(m.stats('src').acked).toBe(0);
    expect(await m.runUntil(() => spout.isExhausted(), 20_000)).toBe(true);
    expect(spout.fails).toBe(0);
    // Run one more checkpoint so every effect is committed, then compare.
    await m.runUntil(() => false, 300);
    expect(await stores.committed('totals', 2)).toEqual(batchTotals(data));
    expect(m.stats('__checkpoint').kind).toBe('checkpoint');
    expect(m.stats('__checkpoint').acked).toBeGreaterThan(1);
  });

  it('a failed PREPARE rolls every task back and fails the held tuples; replays bring the totals to the batch totals exactly', async () => {
    const data = dataset(300);
    const spout = new ReplaySpout(data);
    const stores = new FlakyStores();
    m = new ManualEngine(totalsTopology('t', spout), {}, undefined, { stateStores: stores });
    await m.start();
    await m.runUntil(() => m!.stats('__checkpoint').acked >= 2, 5000);
    stores.failPrepare = 1;
    expect(await m.runUntil(() => m!.stats('__checkpoint').failed >= 1, 5000)).toBe(true);
    expect(await m.runUntil(() => spout.isExhausted(), 30_000)).toBe(true);
    await m.runUntil(() => false, 300);
    expect(spout.fails).toBeGreaterThan(0);
    expect(await stores.committed('totals', 2)).toEqual(batchTotals(data));
    expect(m.engine.errors('totals').some((e) => /disk on fire/.test(e.message))).toBe(true);
  });

  it('records in trees of many (emitTree): a failed PREPARE replays whole trees, and the totals are the batch totals exactly', async () => {
    const data = dataset(1000);
    const spout = new ReplayTreeSpout(data, 40);
    const stores = new FlakyStores();
    m = new ManualEngine(totalsTopology('t', spout, { maxSpoutPending: 4 }), {}, undefined, { stateStores: stores });
    await m.start();
    await m.runUntil(() => m!.stats('__checkpoint').acked >= 2, 5000);
    stores.failPrepare = 1;
    expect(await m.runUntil(() => m!.stats('__checkpoint').failed >= 1, 5000)).toBe(true);
    expect(await m.runUntil(() => spout.isExhausted(), 30_000)).toBe(true);
    await m.runUntil(() => false, 300);
    expect(spout.fails).toBeGreaterThan(0);
    // Each record is its own tuple (and so executed by the task of its key); trees are what is tracked.
    expect(m.stats('totals').executed).toBeGreaterThan(1000);
    expect(m.stats('src').acked).toBe(25);
    expect(await stores.committed('totals', 2)).toEqual(batchTotals(data));
  });

  it('a state that cannot be loaded: a clear error, held tuples go back to the spout, nothing is lost once it loads', async () => {
    const data = dataset(100);
    const spout = new ReplaySpout(data);
    const stores = new FlakyStores();
    stores.failLoad = 3;
    m = new ManualEngine(totalsTopology('t', spout), {}, undefined, { stateStores: stores });
    await m.start();
    expect(await m.runUntil(() => spout.isExhausted(), 30_000)).toBe(true);
    await m.runUntil(() => false, 300);
    expect(m.engine.errors('totals').some((e) => /totals#\d is corrupt/.test(e.message))).toBe(true);
    expect(await stores.committed('totals', 2)).toEqual(batchTotals(data));
  });

  it('a topology without stateful bolts has no coordinator', async () => {
    const { TopologyBuilder, FixedTupleSpout } = await import('@gale/runtime');
    const b = new TopologyBuilder();
    b.setSpout('s', new FixedTupleSpout([[1]], ['x']));
    m = new ManualEngine(b.build({ name: 'plain' }));
    await m.start();
    expect(m.engine.stats().map((s) => s.component)).not.toContain('__checkpoint');
    expect(m.engine.plan.streamTable.some((s) => s.id.startsWith('__checkpoint'))).toBe(false);
  });
});

describe('coordinator steps (Storm\'s CheckPointState)', () => {
  it('recovers from each persisted phase and prepares the next txid otherwise', () => {
    expect(nextStep('committed', 4, false)).toEqual({ action: 'PREPARE', txid: 5, persist: { phase: 'preparing', txid: 5 } });
    expect(nextStep('committing', 5, false)).toEqual({ action: 'COMMIT', txid: 5 });
    expect(nextStep('committed', 4, true)).toEqual({ action: 'INITSTATE', txid: 4 });
    expect(nextStep('preparing', 5, true)).toEqual({ action: 'ROLLBACK', txid: 5 });
    expect(nextStep('committing', 5, true)).toEqual({ action: 'COMMIT', txid: 5 });
  });
});
