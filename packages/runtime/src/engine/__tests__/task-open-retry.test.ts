// Cluster mode (EngineOptions.retryOpen): a spout whose open() or a bolt whose prepare() throws a
// retriable error (its server is down) is opened again after a backoff instead of failing the
// engine's start; local mode keeps failing fast.
import { BaseBasicBolt, BaseRichSpout, GaleError, TopologyBuilder, type OutputFieldsDeclarer, type SpoutOutputCollector, type TopologyContext, type Tuple } from '@gale/runtime';
import type { Placement } from '../remote.js';
import { ManualEngine } from './manual-engine.js';

/** What the spouts and the sink of one test saw. */
class Probe {
  opens = 0;
  closes = 0;
  cleanups = 0;
  activations = 0;
  /** open() calls that fail, each with an error of this retriability, before one succeeds. */
  failures: boolean[] = [];
  /** When set, open() waits for it (an open in flight). */
  gate: Promise<void> | undefined;
  readonly executed: unknown[] = [];
}

class QueueSpout extends BaseRichSpout {
  private next = 0;
  constructor(private readonly probe: Probe) { super(); }
  declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['n']); }
  override async open(context: TopologyContext, collector: SpoutOutputCollector): Promise<void> {
    super.open(context, collector);
    this.probe.opens++;
    const failure = this.probe.failures.shift();
    if (failure !== undefined) throw new GaleError('GALE_ERR_TEST_CONNECT', 'cannot connect to the queue at 127.0.0.1:1', { retriable: failure });
    await this.probe.gate;
  }
  override activate(): void { this.probe.activations++; }
  override close(): void { this.probe.closes++; }
  /** Failed ids, emitted again (a replaying source). */
  private readonly replays: number[] = [];
  override fail(id: unknown): void { this.replays.push(id as number); }
  nextTuple(): void {
    const again = this.replays.shift();
    if (again !== undefined) this.collector.emit([again], again);
    else if (this.next < 3) this.collector.emit([this.next], this.next++);
  }
}

class Sink extends BaseBasicBolt {
  constructor(private readonly probe: Probe, private readonly sinkFailures: boolean[] = []) { super(); }
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  override prepare(): void {
    const failure = this.sinkFailures.shift();
    if (failure !== undefined) throw new GaleError('GALE_ERR_TEST_CONNECT', 'cannot connect to the store at 127.0.0.1:2', { retriable: failure });
  }
  override cleanup(): void { this.probe.cleanups++; }
  execute(t: Tuple): void { this.probe.executed.push(t.getValue(0)); }
}

function topology(probe: Probe, sinkFailures: boolean[] = [], sinkTasks = 1) {
  const b = new TopologyBuilder();
  b.setSpout('queue', () => new QueueSpout(probe));
  b.setBolt('sink', () => new Sink(probe, sinkFailures), { parallelism: 1, numTasks: sinkTasks }).shuffleGrouping('queue');
  return b.build({ name: 'open-retry' });
}

/** All executors in this engine, with a link that is never used; `parallelism` as a rebalance sets it. */
const allLocal = (parallelism?: Record<string, number>): Placement => ({
  isLocal: () => true,
  link: { sendTuple: () => { throw new Error('no remote task in this test'); } },
  ...(parallelism !== undefined ? { parallelism } : {}),
});

describe('a spout whose open() fails with a retriable error (retryOpen)', () => {
  let m: ManualEngine | undefined;
  afterEach(async () => {
    await m?.close();
    m = undefined;
  });

  it('starts the engine anyway, reports each failure, opens again after a growing backoff and then runs', async () => {
    const probe = new Probe();
    probe.failures = [true, true];
    m = new ManualEngine(topology(probe), {}, undefined, { retryOpen: true });
    await m.start();
    expect(probe.opens).toBe(1);
    expect(probe.executed).toEqual([]);
    expect(m.engine.errors('queue')).toHaveLength(1);
    expect(m.engine.errors('queue')[0]!.message).toMatch(/^spout "queue" \(task \d+\) failed in open\(\): cannot connect to the queue at 127\.0\.0\.1:1/);
    const warn = m.logs.find((l) => l.level === 'warn' && l.msg === 'task could not open; opening it again after a backoff')!;
    expect(warn.obj).toMatchObject({ component: 'queue', attempt: 1 });
    const firstDelay = (warn.obj as { retryInMs: number }).retryInMs;
    expect(firstDelay).toBeGreaterThanOrEqual(800);
    expect(firstDelay).toBeLessThanOrEqual(1200);
    expect(probe.activations).toBe(0); // not opened: not activated

    // Second attempt after ~1 s fails too; the delay doubles.
    await m.runUntil(() => probe.opens === 2, 1300);
    expect(probe.opens).toBe(2);
    const second = m.logs.filter((l) => l.level === 'warn')[1]!.obj as { attempt: number; retryInMs: number };
    expect(second.attempt).toBe(2);
    expect(second.retryInMs).toBeGreaterThanOrEqual(1600);
    expect(second.retryInMs).toBeLessThanOrEqual(2400);

    // Third attempt opens: activated (the topology is active) and emitting.
    expect(await m.runUntil(() => probe.executed.length === 3, 3000)).toBe(true);
    expect(probe.opens).toBe(3);
    expect(probe.activations).toBe(1);
    expect(probe.executed).toEqual([0, 1, 2]);
    // The two identical failures: one entry with its count (repeats fold, error-log.ts).
    expect(m.engine.errors('queue').map((e) => e.count)).toEqual([2]);
    expect(m.stats('queue').errors).toBe(2);
    await m.close();
    expect(probe.closes).toBe(1); // only the instance that opened is closed
    m = undefined;
  });

  it("a bolt whose prepare() fails that way runs nothing until a retry prepares it; the spout's tuples wait and are then executed", async () => {
    const probe = new Probe();
    m = new ManualEngine(topology(probe, [true]), {}, undefined, { retryOpen: true });
    await m.start();
    expect(m.engine.errors('sink')[0]!.message).toMatch(/^bolt "sink" \(task \d+\) failed in prepare\(\): cannot connect to the store/);
    await m.runUntil(() => false, 500);
    expect(probe.executed).toEqual([]); // the spout emitted; the unprepared bolt ran none of it
    expect(await m.runUntil(() => probe.executed.length === 3, 2000)).toBe(true);
    expect(probe.executed).toEqual([0, 1, 2]);
    await m.close();
    expect(probe.cleanups).toBe(1); // the instance that prepared, not the one that failed
    m = undefined;
  });

  it('once the engine runs, a retry that fails with a non-retriable error is retried all the same', async () => {
    const probe = new Probe();
    probe.failures = [true, false];
    m = new ManualEngine(topology(probe), {}, undefined, { retryOpen: true });
    await m.start();
    expect(await m.runUntil(() => probe.executed.length === 3, 5000)).toBe(true);
    expect(probe.opens).toBe(3);
    expect(m.engine.errors('queue').map((e) => [e.message, e.count])).toEqual([
      [expect.stringContaining('cannot connect to the queue'), 2],
    ]);
  });

  it('a task whose executor a rebalance moved away is not opened again; the new executors run', async () => {
    const probe = new Probe();
    // Two sink tasks in one executor; the first prepare() fails, every later one succeeds.
    m = new ManualEngine(topology(probe, [true], 2), {}, undefined, { retryOpen: true, placement: allLocal() });
    await m.start();
    expect(m.engine.errors('sink')).toHaveLength(1);
    await m.engine.reassign({ isLocal: () => true, parallelism: { sink: 2 } });
    const prepares = m.logs.filter((l) => l.msg === 'task opened after retrying').length;
    // What the moved executor held is failed and replayed to the new ones.
    expect(await m.runUntil(() => probe.executed.length === 3, 60_000, 500)).toBe(true);
    expect([...probe.executed].sort()).toEqual([0, 1, 2]);
    // The moved task's retry found its executor retired: no further prepare, nothing logged as opened.
    expect(m.logs.filter((l) => l.msg === 'task opened after retrying').length).toBe(prepares);
    expect(m.logs.filter((l) => l.level === 'warn' && l.msg.startsWith('task could not open'))).toHaveLength(1);
  });

  it('close() does not wait for a retry whose open() is in flight (it may never resolve); that task is closed once it opens, once', async () => {
    const probe = new Probe();
    probe.failures = [true];
    let release!: () => void;
    m = new ManualEngine(topology(probe), {}, undefined, { retryOpen: true });
    await m.start();
    probe.gate = new Promise<void>((resolve) => (release = resolve));
    await m.runUntil(() => probe.opens === 2, 1300); // the retry's open() waits at the gate
    await m.engine.close(0);
    expect(m.logs.find((l) => l.msg.startsWith('closing while a task is still opening'))).toMatchObject({ level: 'warn', obj: { component: 'queue', waitingFor: 'open' } });
    expect(probe.closes).toBe(0);
    release();
    await m.settle();
    expect({ opens: probe.opens, closes: probe.closes, activations: probe.activations }).toEqual({ opens: 2, closes: 1, activations: 0 });
    m = undefined;
  });

  it('a non-retriable failure still fails the start, as it does without the option', async () => {
    const probe = new Probe();
    probe.failures = [false];
    m = new ManualEngine(topology(probe), {}, undefined, { retryOpen: true });
    await expect(m.engine.start()).rejects.toMatchObject({ code: 'GALE_ERR_SPOUT_OPEN' });
    m = undefined;
  });

  it('without the option (local mode) a retriable failure fails the start at once', async () => {
    const probe = new Probe();
    probe.failures = [true];
    m = new ManualEngine(topology(probe));
    await expect(m.engine.start()).rejects.toMatchObject({ code: 'GALE_ERR_SPOUT_OPEN', retriable: true });
    m = undefined;
  });

  it('closing the engine while a retry waits cancels it: no further open, nothing closed that never opened', async () => {
    const probe = new Probe();
    probe.failures = [true];
    m = new ManualEngine(topology(probe), {}, undefined, { retryOpen: true });
    await m.start();
    await m.close();
    m.advance(60_000);
    await m.settle();
    expect(probe.opens).toBe(1);
    expect(probe.closes).toBe(0);
    m = undefined;
  });
});
