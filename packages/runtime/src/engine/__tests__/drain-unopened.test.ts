// A drain (Engine.close) waits for in-flight trees up to drainTimeoutMs. It must not wait for an
// executor that never opened — its prepare() failing and being retried (retryOpen), or the tasks
// still opening when the close comes: nothing of it ran, so there is nothing to flush. The
// tuples queued for it fail at once (their spouts replay them), and the log says why.
import { BaseBasicBolt, BaseRichSpout, GaleError, TopologyBuilder, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import { ManualEngine } from './manual-engine.js';

class Probe {
  readonly failed: unknown[] = [];
  readonly acked: unknown[] = [];
  executed = 0;
  prepared = 0;
  cleanups = 0;
  gate: Promise<void> | undefined;
}

class ThreeSpout extends BaseRichSpout {
  private next = 0;
  constructor(private readonly probe: Probe) { super(); }
  declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['n']); }
  nextTuple(): void { if (this.next < 3) this.collector.emit([this.next], this.next++); }
  override ack(id: unknown): void { this.probe.acked.push(id); }
  override fail(id: unknown): void { this.probe.failed.push(id); }
}

class Store extends BaseBasicBolt {
  constructor(private readonly probe: Probe, private readonly prepareWith: 'down' | 'hang' | 'gate' | 'ok') { super(); }
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  override prepare(): Promise<void> | void {
    this.probe.prepared++;
    if (this.prepareWith === 'gate') return this.probe.gate;
    if (this.prepareWith === 'down') throw new GaleError('GALE_ERR_TEST_CONNECT', 'cannot connect to the store at 127.0.0.1:2', { retriable: true });
    if (this.prepareWith === 'hang') return new Promise<void>(() => {});
  }
  override cleanup(): void { this.probe.cleanups++; }
  execute(_t: Tuple): void { this.probe.executed++; }
}

function topology(probe: Probe, prepareWith: 'down' | 'hang' | 'gate' | 'ok') {
  const b = new TopologyBuilder();
  b.setSpout('queue', () => new ThreeSpout(probe));
  b.setBolt('store', () => new Store(probe, prepareWith)).shuffleGrouping('queue');
  return b.build({ name: 'drain-unopened', config: { messageTimeoutMs: 60_000, drainTimeoutMs: 30_000 } });
}

/** Starts closing with the topology's drain (30 s) and drives manual time until it resolves; the manual ms it took. */
async function closeTimed(m: ManualEngine): Promise<number> {
  const t0 = m.clock.now();
  let done = false;
  const closing = m.engine.close().then(() => { done = true; });
  await m.runUntil(() => done, 40_000, 10);
  await closing;
  return m.clock.now() - t0;
}

describe('a drain does not wait for an executor that never opened', () => {
  let m: ManualEngine | undefined;
  afterEach(async () => {
    await m?.close();
    m = undefined;
  });

  it('prepare() failing and being retried: the tuples queued for it fail at once, the drain ends, the log says why', async () => {
    const probe = new Probe();
    m = new ManualEngine(topology(probe, 'down'), {}, undefined, { retryOpen: true });
    await m.start();
    await m.runUntil(() => false, 300); // less than the first retry (~1 s)
    expect(probe.executed).toBe(0);
    expect(m.engine.isQuiescent()).toBe(false); // the spout's three trees wait in the bolt's queue
    const took = await closeTimed(m);
    expect(took).toBeLessThan(100);
    expect(probe.failed.sort()).toEqual([0, 1, 2]);
    expect(probe.acked).toEqual([]);
    const why = m.logs.find((l) => l.msg.startsWith('draining: not waiting for an executor whose task never opened'));
    expect(why).toMatchObject({ level: 'warn', obj: { component: 'store', unopenedTasks: 1, failed: 3 } });
    expect(m.logs.some((l) => l.msg === 'closing with tuples still in flight')).toBe(false);
    m = undefined;
  });

  it('a close while the tasks are still opening does not drain: nothing ran; it says so', async () => {
    const probe = new Probe();
    m = new ManualEngine(topology(probe, 'hang'), {}, undefined);
    const starting = m.engine.start();
    starting.catch(() => {});
    await m.settle();
    const took = await closeTimed(m);
    expect(took).toBeLessThan(100);
    expect(m.logs.find((l) => l.msg.startsWith('closing without a drain'))).toMatchObject({ level: 'warn' });
    expect(probe.executed).toBe(0);
    m = undefined;
  });

  it('opens that finish after the close (no drain) start nothing: no timers, no activation; cleanup ran once, after the prepare', async () => {
    const probe = new Probe();
    let open!: () => void;
    probe.gate = new Promise<void>((r) => { open = r; });
    m = new ManualEngine(topology(probe, 'gate'), {}, undefined);
    const starting = m.engine.start();
    await m.settle();
    expect(probe.prepared).toBe(1);
    expect(await closeTimed(m)).toBeLessThan(100);
    expect(probe.cleanups).toBe(0); // never while its prepare() runs: cleaned up once that resolves (close-while-opening.test.ts)
    open();
    await starting;
    await m.settle();
    expect(probe.cleanups).toBe(1);
    expect(m.engine.isActive).toBe(false);
    expect(m.scheduler.timerCount).toBe(0); // start() set up no timers after the close
    m = undefined;
  });

  it('an opened executor is still drained as before: its trees complete', async () => {
    const probe = new Probe();
    m = new ManualEngine(topology(probe, 'ok'), {}, undefined, { retryOpen: true });
    await m.start();
    await m.runUntil(() => probe.acked.length === 3, 1000);
    const took = await closeTimed(m);
    expect(took).toBeLessThan(100);
    expect(probe.acked.sort()).toEqual([0, 1, 2]);
    expect(m.logs.some((l) => l.msg.startsWith('draining:'))).toBe(false);
    m = undefined;
  });
});
