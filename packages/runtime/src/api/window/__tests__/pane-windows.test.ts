import {
  BaseRichBolt, BaseWindowedBolt, Count, Duration, TopologyBuilder, slidingWindow,
  type OutputFieldsDeclarer, type PaneAggregator, type PaneWindow, type Topology, type Tuple, type TupleWindow, type WindowSpec, type WindowedOutputCollector,
} from '@gale/runtime';
import { ManualClock } from '../../../engine/testing/manual-time.js';
import { ManualEngine } from '../../../engine/__tests__/manual-engine.js';
import { ProbeSpout, RecordingBolt, SpoutProbe } from '../../../engine/__tests__/timing-fixtures.js';
import { seededRandom } from '../../../engine/testing/counter-ids.js';
import type { OutputCollector, TopologyContext } from '../../types.js';
import { PaneWindowExecutor } from '../pane-window-executor.js';
import { resolveWindow } from '../window-spec.js';

/*
 * Windows in panes (WindowedBolt.panes, docs/windowing.md "Panes"): a window is the panes of its
 * length, each pane an aggregate of one slide's inputs plus their held acks merged per tree. The
 * evaluations and ack times must be those of the tuple-buffering window; failures fail exactly the
 * inputs of the panes they name.
 */

interface Seen { at: number; start: number; end: number; all: string[]; fresh: string[]; expired: string[] }

class PaneProbe {
  readonly seen: Seen[] = [];
  /** Window end whose evaluation throws. */
  throwAtEnd: number | undefined;
  /** Tuple-buffering evaluations (the bolt's own execute): when panes do not apply. */
  tupleWindows = 0;
  /** When set, each pane evaluation is async and settles with the promise this returns. */
  gate: (() => Promise<void>) | undefined;
  constructor(readonly clock: ManualClock) {}
}

/** Each pane is the ids of its inputs (a test may keep ids: they are strings, not tuples). */
class IdPanes implements PaneAggregator<string[]> {
  constructor(private readonly probe: PaneProbe) {}
  createPane(): string[] {
    return [];
  }
  add(pane: string[], t: Tuple): void {
    const id = String(t.getValue(0));
    if (id.startsWith('bad')) throw new Error(`cannot add ${id}`);
    // An `async add` (a mistake the types let through: a promise is assignable to void).
    if (id.startsWith('async')) return Promise.resolve() as unknown as void;
    pane.push(id);
  }
  execute(w: PaneWindow<string[]>, c: WindowedOutputCollector): void | Promise<void> {
    const flat = (ps: readonly string[][]): string[] => ps.flat();
    this.probe.seen.push({ at: this.probe.clock.now(), start: w.startTimestamp, end: w.endTimestamp, all: flat(w.all()), fresh: flat(w.fresh()), expired: flat(w.expired()) });
    if (w.endTimestamp === this.probe.throwAtEnd) throw new Error('boom');
    c.emit([flat(w.all()).length]);
    return this.probe.gate?.();
  }
}

class PaneBolt extends BaseWindowedBolt {
  constructor(window: WindowSpec, private readonly probe: PaneProbe, private readonly usePanes = true) {
    super(window);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['count']);
  }
  panes(): PaneAggregator<unknown> | undefined {
    return this.usePanes ? (new IdPanes(this.probe) as PaneAggregator<unknown>) : undefined;
  }
  execute(w: TupleWindow, c: WindowedOutputCollector): void {
    this.probe.tupleWindows++;
    const ids = (ts: readonly Tuple[]): string[] => ts.map((t) => String(t.getValue(0)));
    this.probe.seen.push({ at: this.probe.clock.now(), start: w.startTimestamp!, end: w.endTimestamp!, all: ids(w.get()), fresh: ids(w.getNew()), expired: ids(w.getExpired()) });
    c.emit([w.get().length]);
  }
}

/**
 * Emits `<id>/1` for each input, anchored to it; an input whose id ends in `+` keeps its second
 * child `<id>/2` for the next input, so its tree reaches the window in two panes.
 */
class TwoChildren extends BaseRichBolt {
  private waiting: Tuple | undefined;
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id']);
  }
  execute(t: Tuple): void {
    const id = String(t.getValue(0));
    const w = this.waiting;
    if (w !== undefined) {
      this.collector.emit([`${String(w.getValue(0))}/2`], w);
      this.collector.ack(w);
      this.waiting = undefined;
    }
    this.collector.emit([`${id}/1`], t);
    if (id.endsWith('+')) this.waiting = t;
    else {
      this.collector.emit([`${id}/2`], t);
      this.collector.ack(t);
    }
  }
}

describe('windows in panes (manual clock)', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  function topology(window: WindowSpec, spout: SpoutProbe, probe: PaneProbe, opts: { split?: boolean; out?: { values: unknown[]; at: number }[]; tuples?: boolean } = {}): Topology {
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(spout));
    if (opts.split === true) b.setBolt('split', () => new TwoChildren()).globalGrouping('s');
    b.setBolt('w', () => new PaneBolt({ ...window, epochClock: () => 0 }, probe, opts.tuples !== true)).globalGrouping(opts.split === true ? 'split' : 's');
    if (opts.out) b.setBolt('out', () => new RecordingBolt(opts.out!, spout.clock)).globalGrouping('w');
    return b.build({ name: 'panes', config: { maxSpoutPending: 1000, messageTimeoutMs: 60_000 } });
  }

  it('evaluates the windows the tuple window evaluates, and acks each input after its last window', async () => {
    // The same plan and expectations as the tuple window's "sliding processing time" test.
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 700 });
    const probe = new PaneProbe(clock);
    const out: { values: unknown[]; at: number }[] = [];
    h = new ManualEngine(topology(slidingWindow(Duration.ofSeconds(1), Duration.ofMillis(500)), spout, probe, { out }), {}, clock);
    await h.start();
    await h.runUntil(() => spout.acks.length === 2, 3000);
    expect(probe.seen.map((s) => [s.at, s.start, s.end, s.all, s.fresh, s.expired])).toEqual([
      [500, -500, 500, ['a'], ['a'], []],
      [1000, 0, 1000, ['a', 'b'], ['b'], []],
      [1500, 500, 1500, ['b'], [], ['a']],
    ]);
    expect(spout.acks.map((x) => [x.id, x.at])).toEqual([['a', 1000], ['b', 1500]]);
    expect(out.map((o) => o.values)).toEqual([[1], [2], [1]]);
    expect(probe.tupleWindows).toBe(0);
  });

  it.each([
    [1, 3000, 1000],
    [2, 1000, 250],
    [3, 2000, 2000],
  ])('random input (seed %i, %i ms / %i ms): the same evaluations and ack times as the tuple window', async (seed, lengthMs, slideMs) => {
    const run = async (tuples: boolean): Promise<{ seen: Seen[]; acks: string[] }> => {
      const random = seededRandom(seed);
      const clock = new ManualClock();
      const spout = new SpoutProbe(clock);
      // Bursts and gaps longer than a window, so that some evaluations are skipped as empty.
      for (let i = 0, at = 0; i < 300; i++) {
        at += random() < 0.05 ? Math.floor(random() * 2 * lengthMs) : Math.floor(random() * 40);
        spout.plan.push({ id: `t${i}`, at });
      }
      const end = spout.plan[spout.plan.length - 1]!.at + lengthMs + slideMs;
      const probe = new PaneProbe(clock);
      h = new ManualEngine(topology(slidingWindow(Duration.ofMillis(lengthMs), Duration.ofMillis(slideMs)), spout, probe, { split: true, tuples }), {}, clock);
      await h.start();
      expect(await h.runUntil(() => spout.acks.length === 300, end + 1000)).toBe(true);
      await h.close();
      h = undefined;
      expect(spout.fails).toEqual([]);
      expect(probe.tupleWindows > 0).toBe(tuples);
      // Within an evaluation the order of inputs may differ (panes are per task arrival, lists too; acks per table).
      const sorted = (xs: string[]): string[] => [...xs].sort();
      return {
        seen: probe.seen.map((x) => ({ ...x, all: sorted(x.all), fresh: sorted(x.fresh), expired: sorted(x.expired) })),
        acks: spout.acks.map((a) => `${String(a.id)}@${a.at}`).sort(),
      };
    };
    const panes = await run(false);
    const tuples = await run(true);
    expect(panes.seen.length).toBeGreaterThan(5);
    expect(panes.seen).toEqual(tuples.seen);
    expect(panes.acks).toEqual(tuples.acks);
  });

  it('acks a pane exactly when its last window has run, its trees merged per root (a tree in two panes waits for both)', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    // x and y in pane 0 (two children each, one merged entry per tree); z+ sends its second child
    // with w's arrival at 1500 (pane 1), so z+'s tree is in panes 0 and 1.
    spout.plan.push({ id: 'x', at: 100 }, { id: 'y', at: 400 }, { id: 'z+', at: 900 }, { id: 'w', at: 1500 });
    const probe = new PaneProbe(clock);
    h = new ManualEngine(topology(slidingWindow(Duration.ofSeconds(3), Duration.ofSeconds(1)), spout, probe, { split: true }), {}, clock);
    await h.start();
    // Pane 0 ([0, 1000)) is in the windows ending 1000, 2000 and 3000.
    expect(await h.runUntil(() => spout.acks.length > 0, 2999 - clock.now(), 1)).toBe(false);
    h.advanceTo(3000);
    await h.settle();
    // One ack message per tree, in the table's order (not arrival order).
    expect(spout.acks.map((x) => [x.id, x.at]).sort()).toEqual([['x', 3000], ['y', 3000]]);
    expect(await h.runUntil(() => spout.acks.length > 2, 3999 - clock.now(), 1)).toBe(false);
    h.advanceTo(4000);
    await h.settle();
    expect(spout.acks.map((x) => [x.id, x.at]).slice(2).sort()).toEqual([['w', 4000], ['z+', 4000]]);
    expect(spout.fails).toEqual([]);
    expect(probe.seen.map((s) => [s.end, s.all.length])).toEqual([[1000, 5], [2000, 8], [3000, 8], [4000, 3]]);
    expect(h.stats('w').acked).toBe(8);
  });

  it('an evaluation that throws fails the inputs of its panes, which leave every window; the next panes go on', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 1100 }, { id: 'c', at: 2100 });
    const probe = new PaneProbe(clock);
    probe.throwAtEnd = 2000;
    h = new ManualEngine(topology(slidingWindow(Duration.ofSeconds(2), Duration.ofSeconds(1)), spout, probe), {}, clock);
    await h.start();
    await h.runUntil(() => spout.acks.length === 1, 5000);
    expect(probe.seen.map((s) => [s.end, s.all, s.fresh, s.expired])).toEqual([
      [1000, ['a'], ['a'], []],
      [2000, ['a', 'b'], ['b'], []],
      // a and b were dropped with their panes: not shown, not expired.
      [3000, ['c'], ['c'], []],
      [4000, ['c'], [], []],
    ]);
    expect(spout.fails.map((x) => [x.id, x.at]).sort()).toEqual([['a', 2000], ['b', 2000]]);
    expect(spout.acks.map((x) => [x.id, x.at])).toEqual([['c', 4000]]);
    expect(h.engine.errors().map((e) => e.message)).toEqual(['boom']);
  });

  it('an input the aggregate refuses is failed at once and reported; its pane counts the others', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'bad1', at: 200 }, { id: 'b', at: 300 });
    const probe = new PaneProbe(clock);
    h = new ManualEngine(topology(slidingWindow(Duration.ofSeconds(1), Duration.ofMillis(500)), spout, probe), {}, clock);
    await h.start();
    await h.runUntil(() => spout.acks.length === 2, 3000);
    expect(spout.fails.map((x) => [x.id, x.at])).toEqual([['bad1', 200]]);
    expect(probe.seen.map((s) => s.all)).toEqual([['a', 'b'], ['a', 'b']]);
    expect(spout.acks.map((x) => [x.id, x.at]).sort()).toEqual([['a', 1000], ['b', 1000]]);
    expect(h.engine.errors().map((e) => e.message)).toEqual(['cannot add bad1']);
  });

  it('an async execute is awaited: the pane leaving with its window is acked once it settles; a rejection fails its panes', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 1100 });
    const probe = new PaneProbe(clock);
    let release: (() => void) | undefined;
    let reject: ((err: Error) => void) | undefined;
    probe.gate = () => new Promise<void>((resolve, rej) => {
      release = resolve;
      reject = rej;
    });
    h = new ManualEngine(topology(slidingWindow(Duration.ofSeconds(1), Duration.ofSeconds(1)), spout, probe), {}, clock);
    await h.start();
    h.advanceTo(1500);
    await h.settle();
    expect(probe.seen.map((x) => [x.end, x.all])).toEqual([[1000, ['a']]]);
    expect(spout.acks).toEqual([]); // its window ended at 1000, but the evaluation has not settled
    release!();
    await h.settle();
    expect(spout.acks.map((x) => [x.id, x.at])).toEqual([['a', 1500]]);
    h.advanceTo(2500);
    await h.settle();
    expect(probe.seen.map((x) => [x.end, x.all])).toEqual([[1000, ['a']], [2000, ['b']]]);
    reject!(new Error('sink down'));
    await h.settle();
    expect(spout.fails.map((x) => [x.id, x.at])).toEqual([['b', 2500]]);
    expect(spout.acks).toHaveLength(1);
    expect(h.engine.errors().map((e) => e.message)).toEqual(['sink down']);
  });

  it('an add that returns a promise fails its input with an error saying add must be synchronous', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'async1', at: 200 });
    const probe = new PaneProbe(clock);
    h = new ManualEngine(topology(slidingWindow(Duration.ofSeconds(1), Duration.ofMillis(500)), spout, probe), {}, clock);
    await h.start();
    await h.runUntil(() => spout.acks.length === 1 && spout.fails.length === 1, 3000);
    expect(spout.fails.map((x) => [x.id, x.at])).toEqual([['async1', 200]]);
    expect(probe.seen.map((x) => x.all)).toEqual([['a'], ['a']]);
    expect(h.engine.errors().map((e) => e.message)).toEqual([
      'windowed bolt "w": its pane aggregator\'s add() returned a promise; add must be synchronous and return nothing (do async work in execute(), which may be async)',
    ]);
  });

  it('builds with more pending trees than maxTuples (panes keep no tuples); the tuple window refuses them', () => {
    const probe = new PaneProbe(new ManualClock());
    const build = (window: WindowSpec): Topology => {
      const b = new TopologyBuilder();
      b.setSpout('s', () => new ProbeSpout(new SpoutProbe(probe.clock)));
      b.setBolt('w', () => new PaneBolt(window, probe)).globalGrouping('s');
      return b.build({ name: 'limits', config: { maxSpoutPending: 1000, messageTimeoutMs: 60_000 } });
    };
    expect(() => build(slidingWindow(Duration.ofSeconds(2), Duration.ofSeconds(1), { maxTuples: 10 }))).not.toThrow();
    expect(() => build(slidingWindow(Duration.ofSeconds(2), Duration.ofMillis(300), { maxTuples: 10 }))).toThrow(/may have 1000 tuples pending .* above the window's maxTuples \(10\)/);
  });

  it.each([
    ['a count window', slidingWindow(Count.of(2), Count.of(1))],
    ['a slide that does not divide the length', slidingWindow(Duration.ofMillis(1000), Duration.ofMillis(300))],
    ['an event-time slide that does not divide the length', slidingWindow(Duration.ofMillis(1000), Duration.ofMillis(300), { timestamp: (t: Tuple) => Number(t.getValue(0) === 'a' ? 100 : 200), idleFlushMs: 1000 })],
  ])('%s buffers tuples and calls the bolt\'s execute instead', async (_what, window) => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 200 });
    const probe = new PaneProbe(clock);
    h = new ManualEngine(topology(window, spout, probe), {}, clock);
    await h.start();
    await h.runUntil(() => spout.acks.length === 2, 5000);
    expect(probe.tupleWindows).toBeGreaterThan(0);
    expect(probe.tupleWindows).toBe(probe.seen.length);
  });
});

describe('windows in panes without an ack-holding collector', () => {
  // The engine's collectors hold acks (AckHolder); any other keeps each pane's tuples and acks them one by one.
  it('acks each tuple when its pane leaves its last window, and fails those of a window that throws', async () => {
    const acked: string[] = [];
    const failed: string[] = [];
    const emitted: unknown[][] = [];
    const collector = {
      emit: (values: unknown[]) => emitted.push(values),
      emitStream: () => {},
      ack: (t: Tuple) => acked.push(String(t.values[0])),
      fail: (t: Tuple) => failed.push(String(t.values[0])),
      reportError: () => {},
    } as unknown as OutputCollector;
    const tuple = (id: string, tick = false): Tuple => ({ values: tick ? [1] : [id], isTick: () => tick, getValue: () => id }) as unknown as Tuple;
    const probe = new PaneProbe(new ManualClock());
    const window = resolveWindow('w', slidingWindow(Duration.ofSeconds(2), Duration.ofSeconds(1), { epochClock: () => 0 }));
    const ex = new PaneWindowExecutor(new PaneBolt(slidingWindow(Duration.ofSeconds(2), Duration.ofSeconds(1)), probe), new IdPanes(probe) as PaneAggregator<unknown>, window);
    await ex.prepare({ thisComponentId: 'w', config: { messageTimeoutMs: 60_000 } } as unknown as TopologyContext, collector);
    void ex.execute(tuple('a'));
    void ex.execute(tuple('tick', true)); // 1000: window ending 1000 holds a
    void ex.execute(tuple('b'));
    expect(acked).toEqual([]);
    void ex.execute(tuple('tick', true)); // 2000: a's pane leaves its last window
    expect(acked).toEqual(['a']);
    probe.throwAtEnd = 3000;
    void ex.execute(tuple('c'));
    void ex.execute(tuple('tick', true)); // 3000: throws: b and c fail
    expect(failed.sort()).toEqual(['b', 'c']);
    expect(emitted).toEqual([[1], [2]]);
  });
});
