// A windowed bolt holds its inputs' acks until they leave their last window. When it stops here —
// the engine drains (a worker stopping, the end of a local run) or a rebalance moves its executor
// away — those windows will never fire here: the held inputs fail at once, so their spouts replay
// them now, instead of the drain waiting drainTimeoutMs and the trees waiting for messageTimeoutMs.
import {
  BaseWindowedBolt, Count, Duration, TopologyBuilder, slidingWindow, tumblingWindow,
  type OutputFieldsDeclarer, type PaneAggregator, type PaneWindow, type Tuple, type TupleWindow, type WindowSpec, type WindowedOutputCollector,
} from '@gale/runtime';
import { ManualClock } from '../../../engine/testing/manual-time.js';
import { ManualEngine } from '../../../engine/__tests__/manual-engine.js';
import { ProbeSpout, SpoutProbe } from '../../../engine/__tests__/timing-fixtures.js';
import type { Placement } from '../../../engine/remote.js';

/** Counts windows; optionally in panes (a sum per pane, no tuple kept). */
class CountingWindow extends BaseWindowedBolt {
  static fired = 0;
  constructor(window: WindowSpec, private readonly inPanes: boolean) {
    super(window);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['n']);
  }
  execute(w: TupleWindow, c: WindowedOutputCollector): void {
    CountingWindow.fired++;
    c.emit([w.get().length]);
  }
  panes(): PaneAggregator<{ n: number }> | undefined {
    if (!this.inPanes) return undefined;
    return {
      createPane: () => ({ n: 0 }),
      add: (p: { n: number }, _t: Tuple) => { p.n++; },
      execute: (w: PaneWindow<{ n: number }>, c: WindowedOutputCollector) => {
        CountingWindow.fired++;
        c.emit([w.all().reduce((s, p) => s + p.n, 0)]);
      },
    };
  }
}

const eventTime = { timestamp: (): number => 1_000_000 } as const;
const KINDS: [string, WindowSpec, boolean][] = [
  ['a processing-time tuple window', tumblingWindow(Duration.ofSeconds(10)), false],
  ['a count window', slidingWindow(Count.of(100), Count.of(50)), false],
  ['an event-time tuple window', { ...tumblingWindow(Duration.ofSeconds(10)), ...eventTime }, false],
  ['processing-time panes', slidingWindow(Duration.ofSeconds(10), Duration.ofSeconds(5)), true],
  ['event-time panes', { ...slidingWindow(Duration.ofSeconds(10), Duration.ofSeconds(5)), ...eventTime }, true],
];

function topology(window: WindowSpec, panes: boolean, spout: SpoutProbe, windowTasks = 1) {
  const b = new TopologyBuilder();
  b.setSpout('s', () => new ProbeSpout(spout));
  b.setBolt('w', () => new CountingWindow({ ...window, epochClock: () => 0 }, panes), { numTasks: windowTasks }).shuffleGrouping('s');
  return b.build({ name: 'win-drain', config: { maxSpoutPending: 1000, messageTimeoutMs: 60_000, drainTimeoutMs: 30_000 } });
}

/** Closes with the topology's drain (30 s), driving manual time; resolves with the manual ms it took. */
async function drain(m: ManualEngine): Promise<number> {
  const t0 = m.clock.now();
  let done = false;
  const closing = m.engine.close().then(() => { done = true; });
  await m.runUntil(() => done, 40_000, 10);
  await closing;
  return m.clock.now() - t0;
}

describe('a windowed bolt that stops fails the inputs its windows hold', () => {
  let m: ManualEngine | undefined;
  afterEach(async () => {
    await m?.close();
    m = undefined;
  });
  beforeEach(() => { CountingWindow.fired = 0; });

  it.each(KINDS)('%s: a drain fails them at once (nothing fires, nothing is acked later) and does not wait drainTimeoutMs', async (_name, window, panes) => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 200 }, { id: 'c', at: 300 });
    m = new ManualEngine(topology(window, panes, spout), {}, clock);
    await m.start();
    expect(await m.runUntil(() => spout.emits.length === 3, 1000)).toBe(true);
    await m.runUntil(() => false, 200);
    expect(spout.acks).toEqual([]);
    const took = await drain(m);
    // Failed at the start of the drain: the spout (deactivated) got fail() for each, and the drain
    // ended as soon as their trees did — not at 30 s, nor when a 10 s window would have fired.
    expect(took).toBeLessThan(100);
    expect(spout.failedIds().sort()).toEqual(['a', 'b', 'c']);
    expect(spout.acks).toEqual([]);
    expect(CountingWindow.fired).toBe(0);
    expect(m.logs.find((l) => l.msg.startsWith('draining: the inputs its windows held failed'))?.obj).toMatchObject({ component: 'w', failed: 3 });
    expect(m.logs.some((l) => l.msg === 'closing with tuples still in flight')).toBe(false);
    m = undefined;
  });

  it.each(KINDS)('%s: what a drain fails is replayed, not charged to maxRetries (with maxRetries 0, nothing is dead-lettered)', async (_name, window, panes) => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 200 });
    m = new ManualEngine(topology(window, panes, spout), { maxRetries: 0 }, clock);
    await m.start();
    expect(await m.runUntil(() => spout.emits.length === 2, 1000)).toBe(true);
    expect(await drain(m)).toBeLessThan(100);
    // The bolt stopping, not the tuples, failed them: fail() (a replay), not the ack of a dead letter.
    expect(spout.failedIds().sort()).toEqual(['a', 'b']);
    expect(spout.acks).toEqual([]);
    expect(m.logs.some((l) => l.msg.startsWith('tuple dead-lettered'))).toBe(false);
    m = undefined;
  });

  it.each(KINDS)('%s: a rebalance that moves its executor away fails them at once', async (_name, window, panes) => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 200 });
    const placement: Placement = { isLocal: () => true, link: { sendTuple: () => { throw new Error('no remote task in this test'); } } };
    m = new ManualEngine(topology(window, panes, spout, 2), { maxRetries: 0 }, clock, { placement });
    await m.start();
    expect(await m.runUntil(() => spout.emits.length === 2, 1000)).toBe(true);
    // A new parallelism for w: its executor is replaced (a new instance, with empty windows).
    const diff = await m.engine.reassign({ isLocal: () => true, parallelism: { w: 2 } });
    expect(diff.removed.map((e) => e.component.id)).toEqual(['w']);
    await m.runUntil(() => spout.fails.length === 2, 50);
    expect(spout.failedIds().sort()).toEqual(['a', 'b']);
    expect(spout.fails.every((f) => f.at < 300)).toBe(true); // not after messageTimeoutMs (60 s)
    expect(spout.acks).toEqual([]); // not charged to maxRetries (0): replayed, not dead-lettered
    expect(m.logs.find((l) => l.msg.startsWith('executor moved away'))?.obj).toMatchObject({ component: 'w', failed: 2 });
  });
});
