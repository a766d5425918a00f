import {
  BaseRichBolt, BaseWindowedBolt, Duration, TopologyBuilder, WINDOW_LATE_STREAM, slidingWindow, tumblingWindow,
  type OutputFieldsDeclarer, type PaneAggregator, type PaneWindow, type Topology, type Tuple, type TupleWindow, type WindowSpec, type WindowedOutputCollector,
} from '@gale/runtime';
import { ManualClock } from '../../../engine/testing/manual-time.js';
import { ManualEngine } from '../../../engine/__tests__/manual-engine.js';
import { RecordingBolt } from '../../../engine/__tests__/timing-fixtures.js';
import { seededRandom } from '../../../engine/testing/counter-ids.js';
import { PlanSpout } from './window-id-fixtures.js';

/*
 * Event-time windows in panes (event-pane-window-executor.ts, docs/windowing.md "Panes"): the
 * evaluations (times, bounds, all / fresh / expired), the acks and their times and the late stream
 * must be those of the tuple-buffering window, on random out-of-order input from several upstream
 * tasks (watermark per task, idle inputs, allowed lateness, idle flush); failures fail exactly the
 * inputs of the panes they name.
 */

const T = 1_000_000; // a multiple of every slide below

interface Seen { at: number; start: number; end: number; all: string[]; fresh: string[]; expired: string[] }
interface Planned { id: string; at: number; ts: number }

class Probe {
  readonly seen: Seen[] = [];
  readonly acks: { id: string; at: number }[] = [];
  readonly fails: { id: string; at: number }[] = [];
  readonly late: { values: unknown[]; at: number }[] = [];
  tupleWindows = 0;
  throwAtEnd: number | undefined;
  /** When set, each pane evaluation is async and settles with the promise this returns. */
  gate: (() => Promise<void>) | undefined;
  constructor(readonly clock: ManualClock) {}
}

/** Two children per input, the second `spreadMs` later in event time: a tree often spans two panes. */
class Split extends BaseRichBolt {
  constructor(private readonly spreadMs: number) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id', 'ts']);
  }
  execute(t: Tuple): void {
    const id = String(t.getValue(0));
    const ts = Number(t.getValue(1));
    this.collector.emit([`${id}/1`, ts], t);
    this.collector.emit([`${id}/2`, ts + (Number(id.replace(/\D/g, '')) * 37) % this.spreadMs], t);
    this.collector.ack(t);
  }
}

class IdPanes implements PaneAggregator<string[]> {
  constructor(private readonly probe: Probe) {}
  createPane(): string[] {
    return [];
  }
  add(pane: string[], t: Tuple): void {
    const id = String(t.getValue(0));
    if (id.startsWith('bad')) throw new Error(`cannot add tuple ${id.slice('bad'.length)}`); // 'cannot add tuple 2': messages differing in a number
    pane.push(id);
  }
  execute(w: PaneWindow<string[]>, c: WindowedOutputCollector): void | Promise<void> {
    this.probe.seen.push({ at: this.probe.clock.now(), start: w.startTimestamp, end: w.endTimestamp, all: w.all().flat(), fresh: w.fresh().flat(), expired: w.expired().flat() });
    if (w.endTimestamp === this.probe.throwAtEnd) throw new Error('boom');
    c.emit([w.all().flat().length]);
    return this.probe.gate?.();
  }
}

class IdBolt extends BaseWindowedBolt {
  constructor(window: WindowSpec, private readonly probe: Probe, private readonly usePanes: boolean) {
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
    if (w.endTimestamp === this.probe.throwAtEnd) throw new Error('boom');
    c.emit([w.get().length]);
  }
}

function topology(window: WindowSpec, plans: Planned[][], probe: Probe, usePanes: boolean, spreadMs?: number): Topology {
  const b = new TopologyBuilder();
  const w = b.setBolt('w', () => new IdBolt(window, probe, usePanes));
  plans.forEach((plan, i) => {
    b.setSpout(`s${i}`, () => new PlanSpout([...plan], probe.clock, (kind, id) => (kind === 'ack' ? probe.acks : probe.fails).push({ id, at: probe.clock.now() })));
    if (spreadMs === undefined) w.globalGrouping(`s${i}`);
    // Two split tasks (fields grouping: deterministic), so the window hears from several upstream tasks.
    else b.setBolt(`split${i}`, () => new Split(spreadMs), 2).fieldsGrouping(`s${i}`, ['id']);
  });
  if (spreadMs !== undefined) plans.forEach((_, i) => w.globalGrouping(`split${i}`));
  b.setBolt('late', () => new RecordingBolt(probe.late, probe.clock)).globalGrouping('w', WINDOW_LATE_STREAM);
  return b.build({ name: 'event-panes', config: { maxSpoutPending: 10_000, messageTimeoutMs: 120_000 } });
}

describe('event-time windows in panes (manual clock)', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function run(window: WindowSpec, plans: Planned[][], usePanes: boolean, opts: { spreadMs?: number; untilMs: number; throwAtEnd?: number }): Promise<Probe> {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    probe.throwAtEnd = opts.throwAtEnd;
    h = new ManualEngine(topology(window, plans, probe, usePanes, opts.spreadMs), {}, clock);
    await h.start();
    const total = plans.reduce((n, p) => n + p.length, 0);
    await h.runUntil(() => probe.acks.length + probe.fails.length === total, opts.untilMs);
    await h.close();
    h = undefined;
    expect(probe.tupleWindows > 0).toBe(!usePanes);
    return probe;
  }

  /** What the two windows must agree on; the order within one evaluation or one instant may differ. */
  function observed(p: Probe): unknown {
    const sorted = (xs: string[]): string[] => [...xs].sort();
    return {
      seen: p.seen.map((x) => ({ ...x, all: sorted(x.all), fresh: sorted(x.fresh), expired: sorted(x.expired) })),
      acks: p.acks.map((a) => `${a.id}@${a.at}`).sort(),
      fails: p.fails.map((a) => `${a.id}@${a.at}`).sort(),
      late: p.late.map((l) => `${l.at} ${JSON.stringify(l.values)}`).sort(),
    };
  }

  /** `n` inputs over about `spanMs`, timestamps up to `disorderMs` behind their arrival, sometimes far behind (late). */
  function randomPlan(random: () => number, prefix: string, n: number, spanMs: number, disorderMs: number): Planned[] {
    const plan: Planned[] = [];
    for (let i = 0, at = 0; i < n; i++) {
      at += random() < 0.03 ? Math.floor(random() * 1500) : Math.floor(random() * ((2 * spanMs) / n));
      const behind = random() < 0.05 ? Math.floor(random() * 4 * disorderMs) : Math.floor(random() * disorderMs);
      plan.push({ id: `${prefix}${i}`, at, ts: T + at - behind });
    }
    return plan;
  }

  it.each([
    ['tumbling 1 s, lag 200 ms', 1, tumblingWindow(Duration.ofSeconds(1), { timestamp: 'ts', maxLagMs: 200, watermarkIntervalMs: 100, idleFlushMs: 1500, idleInputMs: 500 }), undefined, 400],
    ['sliding 1 s / 250 ms, lateness 300 ms', 2, slidingWindow(Duration.ofMillis(1000), Duration.ofMillis(250), { timestamp: 'ts', maxLagMs: 100, allowedLatenessMs: 300, watermarkIntervalMs: 50, idleFlushMs: 1000, idleInputMs: 400 }), 600, 400],
    ['sliding 2 s / 500 ms, lateness 500 ms, no lag', 3, slidingWindow(Duration.ofMillis(2000), Duration.ofMillis(500), { timestamp: 'ts', allowedLatenessMs: 500, watermarkIntervalMs: 100, idleFlushMs: 2000, idleInputMs: 600 }), 900, 800],
    ['tumbling 500 ms, lateness 500 ms', 4, tumblingWindow(Duration.ofMillis(500), { timestamp: (t: Tuple) => Number(t.getValue(1)), maxLagMs: 50, allowedLatenessMs: 500, watermarkIntervalMs: 50, idleFlushMs: 1000, idleInputMs: 300 }), 300, 400],
  ])('%s (seed %i): the evaluations, acks and late tuples of the tuple window', async (_what, seed, window, spreadMs, disorderMs) => {
    const random = seededRandom(seed);
    // The second input stops halfway: the watermark must leave it out after idleInputMs, as the tuple window does.
    const plans = [randomPlan(random, 'a', 250, 5000, disorderMs), randomPlan(random, 'b', 120, 2500, disorderMs)];
    const untilMs = 20_000;
    const panes = await run(window, plans, true, { spreadMs, untilMs });
    const tuples = await run(window, plans, false, { spreadMs, untilMs });
    const total = plans[0]!.length + plans[1]!.length;
    expect(panes.acks.length).toBe(total);
    expect(panes.fails).toEqual([]);
    expect(panes.seen.length).toBeGreaterThan(8);
    expect(panes.late.length).toBeGreaterThan(0);
    expect(observed(panes)).toEqual(observed(tuples));
    if (window.allowedLatenessMs !== undefined) {
      // Some window fired again (lateness) with a fresh input, after a newer window.
      const ends = panes.seen.map((s) => s.end);
      expect(ends.some((e, i) => i > 0 && e <= ends[i - 1]!)).toBe(true);
    }
  });

  it('an evaluation that throws fails the inputs of its panes, as the tuple window fails its tuples', async () => {
    const random = seededRandom(7);
    const plans = [randomPlan(random, 'a', 200, 4000, 300)];
    const window = slidingWindow(Duration.ofMillis(1000), Duration.ofMillis(500), { timestamp: 'ts', maxLagMs: 100, watermarkIntervalMs: 100, idleFlushMs: 1000 });
    const panes = await run(window, plans, true, { untilMs: 15_000, throwAtEnd: T + 2000 });
    const tuples = await run(window, plans, false, { untilMs: 15_000, throwAtEnd: T + 2000 });
    expect(panes.fails.length).toBeGreaterThan(0);
    expect(observed(panes)).toEqual(observed(tuples));
  });

  it('allowed lateness: a late input re-fires its window; the pane is acked when the lateness ends; later ones go to the late stream', async () => {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    const plan = [
      { id: 'a', at: 10, ts: T + 1000 },
      { id: 'b', at: 20, ts: T + 11_000 }, // watermark T + 11000 at the tick at 100: [T, T+10000) fires, open until T + 13000
      { id: 'c', at: 150, ts: T + 9000 }, // late but within lateness: fires [T, T+10000) again at 200, c fresh
      { id: 'd', at: 250, ts: T + 14_000 }, // closes [T, T+10000) at 300: a and c acked
      { id: 'e', at: 350, ts: T + 2000 }, // too late: late stream, acked at once
    ];
    h = new ManualEngine(topology(tumblingWindow(Duration.ofSeconds(10), { timestamp: 'ts', allowedLatenessMs: 3000, watermarkIntervalMs: 100 }), [plan], probe, true), {}, clock);
    await h.start();
    await h.runUntil(() => probe.acks.length >= 3, 1000);
    expect(probe.tupleWindows).toBe(0);
    expect(probe.seen.map((s) => [s.at, s.start, s.end, s.all, s.fresh, s.expired])).toEqual([
      [100, T, T + 10_000, ['a'], ['a'], []],
      [200, T, T + 10_000, ['a', 'c'], ['c'], []],
    ]);
    expect(probe.acks.map((x) => [x.id, x.at]).sort()).toEqual([['a', 300], ['c', 300], ['e', 350]]); // one ack per tree, in the table's order
    expect(probe.late).toEqual([{ values: ['s0', 'default', ['e', T + 2000], T + 2000, T + 14_000], at: 350 }]);
  });

  it('a pane holding few trees holds a small ack table: 2000 live panes of one tree each take well under 16 MB', async () => {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    const n = 2000;
    const plan = Array.from({ length: n }, (_, i) => ({ id: `p${i}`, at: 10, ts: T + i * 10 }));
    // One window over all 2000 panes (slide 10 ms): none leaves while the test looks.
    h = new ManualEngine(topology(slidingWindow(Duration.ofMillis(n * 10), Duration.ofMillis(10), { timestamp: 'ts', watermarkIntervalMs: 100 }), [plan], probe, true), {}, clock);
    const before = process.memoryUsage().arrayBuffers;
    await h.start();
    await h.runUntil(() => probe.seen.some((s) => s.all.length === n - 1), 5000);
    const grown = process.memoryUsage().arrayBuffers - before;
    // With a default-sized table per pane (2048 slots, ~34 KB) this was ~68 MB.
    expect(grown).toBeLessThan(16e6);
    expect(probe.acks).toEqual([]);
  });

  it('an input the aggregate refuses is failed at once, one without a usable timestamp acked at once (bad data: not replayed); the others are counted', async () => {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    const plan = [
      { id: 'a', at: 10, ts: T + 100 },
      { id: 'bad1', at: 20, ts: T + 200 }, // add throws: its pane (new) is dropped again
      { id: 'x', at: 30, ts: Number.NaN }, // not a finite timestamp
      { id: 'ns', at: 35, ts: 1_733_000_000_000_000_000 }, // nanoseconds: would stall pane arithmetic at 2^53
      { id: 'bad2', at: 40, ts: T + 1500 }, // add throws in a pane of its own
      { id: 'b', at: 50, ts: T + 2500 },
    ];
    h = new ManualEngine(topology(tumblingWindow(Duration.ofSeconds(1), { timestamp: 'ts', watermarkIntervalMs: 100, idleFlushMs: 500 }), [plan], probe, true), {}, clock);
    await h.start();
    await h.runUntil(() => probe.acks.length === 4, 2000);
    expect(probe.fails.map((x) => [x.id, x.at])).toEqual([['bad1', 20], ['bad2', 40]]);
    expect(probe.acks.filter((x) => x.id === 'x' || x.id === 'ns')).toEqual([{ id: 'x', at: 30 }, { id: 'ns', at: 35 }]);
    // The window of bad2's pane held nothing: not evaluated.
    expect(probe.seen.map((s) => [s.end, s.all])).toEqual([[T + 1000, ['a']], [T + 3000, ['b']]]);
    // The two bad timestamps (DataErrors of one code) fold into one entry: the newest, counted
    // twice; so do the two refusals, whose messages differ only in an id (errors.md, "Recent errors").
    expect(h.engine.errors().map((e) => [e.message, e.count])).toEqual([
      [expect.stringMatching(/windowed bolt "w": field "ts" gave 1\.733e\+18, beyond epoch milliseconds .*; the tuple is emitted on stream "invalid" and acked/), 2],
      ['cannot add tuple 2', 2],
    ]);
  });

  it('an async execute is awaited: the pane leaving with its window is acked once it settles; a rejection fails its panes', async () => {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    let release: (() => void) | undefined;
    let reject: ((err: Error) => void) | undefined;
    probe.gate = () => new Promise<void>((resolve, rej) => {
      release = resolve;
      reject = rej;
    });
    const plan = [
      { id: 'a', at: 10, ts: T + 100 },
      { id: 'b', at: 20, ts: T + 1100 }, // watermark T + 1100 at 100: [T, T+1000) fires
      { id: 'c', at: 200, ts: T + 2100 }, // watermark T + 2100 at 300: [T+1000, T+2000) fires
    ];
    h = new ManualEngine(topology(tumblingWindow(Duration.ofSeconds(1), { timestamp: 'ts', watermarkIntervalMs: 100 }), [plan], probe, true), {}, clock);
    await h.start();
    h.advanceTo(150);
    await h.settle();
    expect(probe.seen.map((x) => [x.end, x.all])).toEqual([[T + 1000, ['a']]]);
    expect(probe.acks).toEqual([]); // its window fired at 100, but the evaluation has not settled
    release!();
    await h.settle();
    expect(probe.acks.map((x) => [x.id, x.at])).toEqual([['a', 150]]);
    h.advanceTo(350);
    await h.settle();
    expect(probe.seen.map((x) => [x.end, x.all])).toEqual([[T + 1000, ['a']], [T + 2000, ['b']]]);
    reject!(new Error('sink down'));
    await h.settle();
    expect(probe.fails.map((x) => [x.id, x.at])).toEqual([['b', 350]]);
    expect(probe.acks).toHaveLength(1);
    expect(h.engine.errors().map((e) => e.message)).toEqual(['sink down']);
  });

  it('builds with more pending trees than maxTuples (panes keep no tuples); the tuple window refuses them', () => {
    const probe = new Probe(new ManualClock());
    const window = slidingWindow(Duration.ofSeconds(2), Duration.ofSeconds(1), { timestamp: 'ts', maxTuples: 10 });
    expect(() => topology(window, [[]], probe, true)).not.toThrow();
    expect(() => topology(window, [[]], probe, false)).toThrow(/may have 10000 tuples pending .* above the window's maxTuples \(10\)/);
  });
});
