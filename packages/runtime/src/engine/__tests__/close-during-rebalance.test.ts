// A close while a rebalance opens its new executors (a worker stopping during an in-place
// reassignment): the tasks the rebalance already opened are not registered yet, so the engine's
// close must close them itself; the one whose prepare() is in flight is closed by its opener once
// that resolves; nothing is closed twice, and the close never waits for an open (one may never
// resolve: it names the task in a warning instead).
import { BaseBasicBolt, BaseRichSpout, TopologyBuilder, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import type { Placement } from '../remote.js';
import { ManualEngine } from './manual-engine.js';

const events: string[] = [];
/** The n-th prepare() of bolt "b" (from 1) waits for gates[n] when there is one. */
let gates: (Promise<void> | undefined)[] = [];
let prepares = 0;

class IdleSpout extends BaseRichSpout {
  declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['n']); }
  nextTuple(): void {}
}

class GatedBolt extends BaseBasicBolt {
  private name = '';
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  override async prepare(): Promise<void> {
    const n = ++prepares;
    this.name = `b${n}`;
    events.push(`${this.name}.prepare`);
    await gates[n];
    events.push(`${this.name}.prepared`);
  }
  override cleanup(): void { events.push(`${this.name}.cleanup`); }
  execute(_t: Tuple): void {}
}

function topology() {
  const b = new TopologyBuilder();
  b.setSpout('s', () => new IdleSpout());
  // Two tasks in one executor; a rebalance to 2 executors replaces it with one executor per task.
  b.setBolt('b', () => new GatedBolt(), { parallelism: 1, numTasks: 2 }).shuffleGrouping('s');
  return b.build({ name: 'close-during-rebalance', config: {} });
}

const allLocal: Placement = { isLocal: () => true, link: { sendTuple: () => { throw new Error('no remote task in this test'); } } };

async function started(): Promise<ManualEngine> {
  const m = new ManualEngine(topology(), {}, undefined, { placement: allLocal });
  await m.start();
  expect(events).toEqual(['b1.prepare', 'b1.prepared', 'b2.prepare', 'b2.prepared']);
  return m;
}

describe('a close while a rebalance opens new executors', () => {
  beforeEach(() => {
    events.length = 0;
    gates = [];
    prepares = 0;
  });

  it('closes the task the rebalance had opened, the opener closes the one in flight once it resolves, each once', async () => {
    let release!: () => void;
    gates[4] = new Promise<void>((r) => { release = r; });
    const m = await started();
    const moving = m.engine.reassign({ ...allLocal, parallelism: { b: 2 } });
    await m.settle();
    // The old executor was cleaned up; of the two new tasks, b3 opened and b4's prepare() waits.
    expect(events.slice(4)).toEqual(['b1.cleanup', 'b2.cleanup', 'b3.prepare', 'b3.prepared', 'b4.prepare']);
    await m.engine.close(0);
    events.push('--closed--');
    expect(events.slice(9)).toEqual(['b3.cleanup', '--closed--']);
    release();
    await moving;
    await m.settle();
    expect(events.slice(9)).toEqual(['b3.cleanup', '--closed--', 'b4.prepared', 'b4.cleanup']);
    // Nothing of the rebalance runs after the close.
    expect(m.engine.localTasks()).toEqual([1, 4]); // __acker and s (b has tasks 2 and 3)
    expect(m.scheduler.timerCount).toBe(0);
  });

  it('a prepare() that never resolves: the close returns at once and names the task in a warning', async () => {
    gates[4] = new Promise<void>(() => {});
    const m = await started();
    void m.engine.reassign({ ...allLocal, parallelism: { b: 2 } });
    await m.settle();
    await m.engine.close(0);
    expect(events.filter((e) => e.endsWith('.cleanup'))).toEqual(['b1.cleanup', 'b2.cleanup', 'b3.cleanup']);
    const warn = m.logs.find((l) => l.msg.startsWith('closing while a task is still opening'));
    expect(warn).toMatchObject({ level: 'warn', obj: { component: 'b', task: 3, waitingFor: 'prepare' } });
  });

  it('a close during the drain lets the rebalance finish: its tasks register and are closed by the close, once', async () => {
    let release!: () => void;
    gates[4] = new Promise<void>((r) => { release = r; });
    const m = await started();
    const moving = m.engine.reassign({ ...allLocal, parallelism: { b: 2 } });
    await m.settle();
    const closing = m.engine.close(60_000); // drains first: nothing is in flight, so it ends at the next check
    release();
    await moving;
    m.advance(100);
    await m.settle();
    await closing;
    expect(events[9]).toBe('b4.prepared');
    expect(events.slice(10).sort()).toEqual(['b3.cleanup', 'b4.cleanup']);
  });
});
