import {
  BaseBasicBolt, BaseRichBolt, BaseRichSpout, BaseWindowedBolt, type Tuple, Count, Duration, TopologyBuilder, WINDOW_LATE_STREAM, slidingWindow, tumblingWindow,
  type OutputFieldsDeclarer, type Topology, type TupleWindow, type WindowSpec, type WindowedOutputCollector,
} from '@gale/runtime';
import { ManualClock } from '../../../engine/testing/manual-time.js';
import { ManualEngine } from '../../../engine/__tests__/manual-engine.js';
import { ProbeSpout, RecordingBolt, SpoutProbe } from '../../../engine/__tests__/timing-fixtures.js';

/** One window evaluation as the bolt saw it: ids by first value. */
interface Seen {
  at: number;
  start: number | undefined;
  end: number | undefined;
  all: unknown[];
  fresh: unknown[];
  expired: unknown[];
}

class WindowProbe {
  readonly seen: Seen[] = [];
  failWith: Error | undefined;
  constructor(readonly clock: ManualClock) {}
}

/** Records each window and emits [count] anchored to it (unless told to throw). */
class RecordingWindowBolt extends BaseWindowedBolt {
  constructor(window: WindowSpec, private readonly probe: WindowProbe) {
    super(window);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['count']);
  }
  execute(w: TupleWindow, c: WindowedOutputCollector): void {
    const ids = (ts: readonly { getValue(i: number): unknown }[]): unknown[] => ts.map((t) => t.getValue(0));
    this.probe.seen.push({ at: this.probe.clock.now(), start: w.startTimestamp, end: w.endTimestamp, all: ids(w.get()), fresh: ids(w.getNew()), expired: ids(w.getExpired()) });
    if (this.probe.failWith !== undefined) throw this.probe.failWith;
    c.emit([w.get().length]);
  }
}

/** Emits [id, ts] with message id `id` at manual time `at` (event-time input). */
class EventSpout extends BaseRichSpout {
  constructor(private readonly plan: { id: string; at: number; ts: unknown }[], private readonly probe: SpoutProbe) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id', 'ts']);
  }
  nextTuple(): void {
    const next = this.plan[0];
    if (next === undefined || next.at > this.probe.clock.now()) return;
    this.plan.shift();
    this.probe.emits.push({ id: next.id, at: this.probe.clock.now(), task: 0 });
    this.collector.emit([next.id, next.ts], next.id);
  }
  override ack(id: unknown): void {
    this.probe.acks.push({ id, at: this.probe.clock.now(), task: 0 });
  }
  override fail(id: unknown): void {
    this.probe.fails.push({ id, at: this.probe.clock.now(), task: 0 });
  }
}

const PENDING = { maxSpoutPending: 1000 };

describe('windowed bolts on the engine (manual clock)', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  function processingTopology(window: WindowSpec, clock: ManualClock, spout: SpoutProbe, probe: WindowProbe, out?: { values: unknown[]; at: number }[]): Topology {
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(spout));
    b.setBolt('w', () => new RecordingWindowBolt({ ...window, epochClock: () => 0 }, probe)).shuffleGrouping('s');
    if (out) b.setBolt('out', () => new RecordingBolt(out, clock)).shuffleGrouping('w');
    return b.build({ name: 'win', config: PENDING });
  }

  it('tumbling processing time: windows on tick boundaries; a tuple is acked only when its window has run', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 500 }, { id: 'c', at: 1200 });
    const probe = new WindowProbe(clock);
    const out: { values: unknown[]; at: number }[] = [];
    h = new ManualEngine(processingTopology(tumblingWindow(Duration.ofSeconds(1)), clock, spout, probe, out), {}, clock);
    await h.start();
    expect(await h.runUntil(() => spout.emits.length === 3, 1500)).toBe(true);
    // a and b: window [0,1000) ran at 1000, then they were acked; c waits for [1000,2000).
    expect(probe.seen).toEqual([{ at: 1000, start: 0, end: 1000, all: ['a', 'b'], fresh: ['a', 'b'], expired: [] }]);
    expect(spout.acks.map((x) => [x.id, x.at])).toEqual([['a', 1000], ['b', 1000]]);
    expect(out).toEqual([{ values: [2], at: 1000 }]);
    await h.runUntil(() => spout.acks.length === 3, 2000);
    expect(probe.seen[1]).toEqual({ at: 2000, start: 1000, end: 2000, all: ['c'], fresh: ['c'], expired: ['a', 'b'] });
    expect(spout.acks.map((x) => [x.id, x.at])).toEqual([['a', 1000], ['b', 1000], ['c', 2000]]);
    expect(spout.fails).toEqual([]);
  });

  it('sliding processing time: overlapping windows; a tuple is acked after the last window it belongs to', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 700 });
    const probe = new WindowProbe(clock);
    h = new ManualEngine(processingTopology(slidingWindow(Duration.ofSeconds(1), Duration.ofMillis(500)), clock, spout, probe), {}, clock);
    await h.start();
    await h.runUntil(() => spout.acks.length === 2, 3000);
    expect(probe.seen.map((s) => [s.at, s.start, s.end, s.all, s.fresh, s.expired])).toEqual([
      [500, -500, 500, ['a'], ['a'], []],
      [1000, 0, 1000, ['a', 'b'], ['b'], []],
      [1500, 500, 1500, ['b'], [], ['a']],
    ]);
    // a belongs to [-500,500) and [0,1000); b to [0,1000) and [500,1500).
    expect(spout.acks.map((x) => [x.id, x.at])).toEqual([['a', 1000], ['b', 1500]]);
  });

  it('count windows: sliding Count.of(3) every 2 tuples; acks follow eviction', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    for (const [i, id] of ['a', 'b', 'c', 'd', 'e'].entries()) spout.plan.push({ id, at: i * 10 });
    const probe = new WindowProbe(clock);
    h = new ManualEngine(processingTopology(slidingWindow(Count.of(3), Count.of(2)), clock, spout, probe), {}, clock);
    await h.start();
    await h.runUntil(() => spout.emits.length === 5, 100);
    expect(probe.seen.map((s) => [s.all, s.fresh, s.expired, s.start])).toEqual([
      [['a', 'b'], ['a', 'b'], [], undefined],
      [['b', 'c', 'd'], ['c', 'd'], ['a'], undefined],
    ]);
    // After [b,c,d] only d can be in the next window: a, b and c are acked; d and e wait.
    expect(spout.acks.map((x) => x.id)).toEqual(['a', 'b', 'c']);
  });

  it('a window execute that throws fails the trees of its tuples and reports the error', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 200 });
    const probe = new WindowProbe(clock);
    probe.failWith = new Error('boom');
    h = new ManualEngine(processingTopology(tumblingWindow(Duration.ofSeconds(1)), clock, spout, probe), {}, clock);
    await h.start();
    await h.runUntil(() => spout.fails.length === 2, 2000);
    expect(spout.fails.map((x) => [x.id, x.at])).toEqual([['a', 1000], ['b', 1000]]);
    expect(spout.acks).toEqual([]);
    expect(h.stats('w').errors).toBe(1);
  });

  it('emits are anchored to the window: a downstream failure fails the trees of every tuple in the window', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 200 });
    const probe = new WindowProbe(clock);
    class FailAll extends BaseRichBolt {
      declareOutputFields(): void {}
      execute(t: Tuple): void {
        this.collector.fail(t);
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(spout));
    b.setBolt('w', () => new RecordingWindowBolt(tumblingWindow(Duration.ofSeconds(1)), probe)).shuffleGrouping('s');
    b.setBolt('sink', FailAll).shuffleGrouping('w');
    h = new ManualEngine(b.build({ name: 'anchored', config: PENDING }), {}, clock);
    await h.start();
    await h.runUntil(() => spout.fails.length === 2, 2000);
    expect(spout.fails.map((x) => [x.id, x.at])).toEqual([['a', 1000], ['b', 1000]]);
    expect(spout.acks).toEqual([]);
  });

  it('collector.fail(tuple) fails one tuple now and drops it from the window; later emits anchor to the rest', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 600 });
    class FailFirst extends BaseWindowedBolt {
      constructor() {
        super(slidingWindow(Duration.ofSeconds(1), Duration.ofMillis(500)));
      }
      declareOutputFields(d: OutputFieldsDeclarer): void {
        d.declare(['n']);
      }
      execute(w: TupleWindow, c: WindowedOutputCollector): void {
        const first = w.get()[0];
        if (first?.getValue(0) === 'a') c.fail(first);
        c.emit([w.get().length]);
      }
    }
    const out: { values: unknown[]; at: number }[] = [];
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(spout));
    b.setBolt('w', FailFirst).shuffleGrouping('s');
    b.setBolt('out', () => new RecordingBolt(out, clock)).shuffleGrouping('w');
    h = new ManualEngine(b.build({ name: 'fail-one', config: PENDING }), {}, clock);
    await h.start();
    await h.runUntil(() => spout.acks.length + spout.fails.length === 2, 3000);
    expect(spout.fails.map((x) => [x.id, x.at])).toEqual([['a', 500]]);
    expect(spout.acks.map((x) => [x.id, x.at])).toEqual([['b', 1500]]);
    expect(out.map((o) => [o.values[0], o.at])).toEqual([[1, 500], [1, 1000], [1, 1500]]);
    expect(h.engine.errors()).toEqual([]);
  });

  it('a full buffer (fan-out above maxTuples) fails the extra input and reports GALE_ERR_WINDOW_FULL once', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 200 });
    const probe = new WindowProbe(clock);
    class Twice extends BaseBasicBolt {
      declareOutputFields(d: OutputFieldsDeclarer): void {
        d.declare(['id']);
      }
      execute(t: Tuple, c: { emit(v: unknown[]): void }): void {
        c.emit([`${String(t.getValue(0))}1`]);
        c.emit([`${String(t.getValue(0))}2`]);
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(spout));
    b.setBolt('twice', Twice).shuffleGrouping('s');
    b.setBolt('w', () => new RecordingWindowBolt(tumblingWindow(Duration.ofSeconds(1), { maxTuples: 3 }), probe)).shuffleGrouping('twice');
    h = new ManualEngine(b.build({ name: 'full', config: { maxSpoutPending: 1 } }), { maxSpoutPending: 2 }, clock);
    await h.start();
    await h.runUntil(() => spout.fails.length + spout.acks.length === 2, 2000);
    expect(spout.fails.map((x) => [x.id, x.at])).toEqual([['b', 200]]);
    expect(spout.acks.map((x) => [x.id, x.at])).toEqual([['a', 1000]]);
    expect(probe.seen[0]!.all).toEqual(['a1', 'a2', 'b1']);
    expect(h.engine.errors().map((e) => e.message)).toEqual([expect.stringMatching(/windowed bolt "w" holds maxTuples \(3\) tuples/)]);
    // The numbers behind it and the fix: the build counted trees, this bolt gets two tuples per tree.
    expect(h.engine.errors()[0]!.message).toMatch(/maxSpoutPending: 2 trees per spout task, unless a spout sets its own\) against maxTuples, but a tree can bring this task several tuples .*lower maxSpoutPending so that spout tasks × maxSpoutPending × \(tuples per spout tuple here\) ≤ maxTuples, or raise maxTuples \(at most 1000000\)/);
  });

  it('a messageTimeoutMs lowered at submit time fails prepare: the topology does not start', async () => {
    const clock = new ManualClock();
    const probe = new WindowProbe(clock);
    h = new ManualEngine(processingTopology(tumblingWindow(Duration.ofSeconds(1)), clock, new SpoutProbe(clock), probe), { messageTimeoutMs: 1500 }, clock);
    await expect(h.start()).rejects.toMatchObject({ message: expect.stringMatching(/messageTimeoutMs \(1500\) is shorter than window length \+ sliding interval \(1000 \+ 1000 = 2000 ms\)/) });
  });

  describe('event time', () => {
    function eventTopology(window: Partial<WindowSpec>, clock: ManualClock, spout: SpoutProbe, plan: { id: string; at: number; ts: unknown }[], probe: WindowProbe, late: { values: unknown[]; at: number }[]): Topology {
      const b = new TopologyBuilder();
      b.setSpout('s', () => new EventSpout(plan, spout));
      const spec: WindowSpec = { length: Duration.ofSeconds(10), timestamp: 'ts', watermarkIntervalMs: 100, ...window };
      b.setBolt('w', () => new RecordingWindowBolt(spec, probe)).shuffleGrouping('s');
      b.setBolt('late', () => new RecordingBolt(late, clock)).shuffleGrouping('w', WINDOW_LATE_STREAM);
      return b.build({ name: 'event', config: PENDING });
    }

    it('windows follow timestamps, not arrival; the watermark (max ts - maxLag) fires them; late tuples go to the late stream and are acked', async () => {
      const clock = new ManualClock();
      const spout = new SpoutProbe(clock);
      const T = 1_700_000_000_000; // a multiple of 10 s
      const plan = [
        { id: 'x2', at: 10, ts: T + 2000 },
        { id: 'x1', at: 20, ts: T + 1000 }, // out of order, before the watermark: in the window
        { id: 'y', at: 30, ts: T + 12_000 }, // watermark -> T + 10000 at the next tick (lag 2 s)
        { id: 'old', at: 250, ts: T + 5000 }, // its only window has fired: late
      ];
      const probe = new WindowProbe(clock);
      const late: { values: unknown[]; at: number }[] = [];
      h = new ManualEngine(eventTopology({ maxLagMs: 2000 }, clock, spout, plan, probe, late), {}, clock);
      await h.start();
      await h.runUntil(() => late.length === 1, 1000);
      expect(probe.seen).toEqual([{ at: 100, start: T, end: T + 10_000, all: ['x1', 'x2'], fresh: ['x1', 'x2'], expired: [] }]);
      expect(late).toEqual([{ values: ['s', 'default', ['old', T + 5000], T + 5000, T + 10_000], at: 250 }]);
      expect(spout.acks.map((x) => x.id).sort()).toEqual(['old', 'x1', 'x2']);
      expect(spout.fails).toEqual([]);
    });

    it('allowed lateness: a late tuple within it re-fires its window; the window tuples are acked when lateness ends', async () => {
      const clock = new ManualClock();
      const spout = new SpoutProbe(clock);
      const T = 1_700_000_000_000;
      const plan = [
        { id: 'a', at: 10, ts: T + 1000 },
        { id: 'b', at: 20, ts: T + 11_000 }, // watermark T + 11000: [T, T+10000) fires, open until T + 13000
        { id: 'c', at: 150, ts: T + 9000 }, // late but within lateness
        { id: 'd', at: 250, ts: T + 14_000 }, // closes [T, T+10000)
      ];
      const probe = new WindowProbe(clock);
      const late: { values: unknown[]; at: number }[] = [];
      h = new ManualEngine(eventTopology({ allowedLatenessMs: 3000 }, clock, spout, plan, probe, late), {}, clock);
      await h.start();
      await h.runUntil(() => spout.acks.length >= 2, 1000);
      expect(probe.seen.map((s) => [s.at, s.all, s.fresh])).toEqual([[100, ['a'], ['a']], [200, ['a', 'c'], ['c']]]);
      expect(spout.acks.map((x) => [x.id, x.at])).toEqual([['a', 300], ['c', 300]]);
      expect(late).toEqual([]);
    });

    it('with two input streams the slower one holds the watermark back (Storm: min over streams)', async () => {
      const clock = new ManualClock();
      const fastProbe = new SpoutProbe(clock);
      const slowProbe = new SpoutProbe(clock);
      const T = 1_700_000_000_000;
      const b = new TopologyBuilder();
      b.setSpout('fast', () => new EventSpout([{ id: 'f1', at: 10, ts: T + 2000 }, { id: 'f2', at: 20, ts: T + 25_000 }], fastProbe));
      b.setSpout('slow', () => new EventSpout([{ id: 's1', at: 30, ts: T + 4000 }, { id: 's2', at: 500, ts: T + 11_000 }], slowProbe));
      const probe = new WindowProbe(clock);
      const spec: WindowSpec = { length: Duration.ofSeconds(10), timestamp: 'ts', watermarkIntervalMs: 100 };
      b.setBolt('w', () => new RecordingWindowBolt(spec, probe)).shuffleGrouping('fast').shuffleGrouping('slow');
      h = new ManualEngine(b.build({ name: 'two', config: PENDING }), {}, clock);
      await h.start();
      await h.runUntil(() => probe.seen.length > 0, 1000);
      // Nothing fired before s2 moved the slow stream past T + 10000; s1 was not late.
      expect(probe.seen.map((x) => [x.at, x.start, x.all])).toEqual([[600, T, ['f1', 's1']]]);
    });

    it('an upstream task that sends after the first tick holds the watermark: its early tuples are not late', async () => {
      const clock = new ManualClock();
      const T = 1_700_000_000_000;
      const b = new TopologyBuilder();
      // "first" reaches T + 25000 before the first tick (100); "second" sends its first tuple at 250.
      b.setSpout('first', () => new EventSpout([{ id: 'f1', at: 10, ts: T + 2000 }, { id: 'f2', at: 20, ts: T + 25_000 }], new SpoutProbe(clock)));
      b.setSpout('second', () => new EventSpout([{ id: 's1', at: 250, ts: T + 4000 }, { id: 's2', at: 500, ts: T + 11_000 }], new SpoutProbe(clock)));
      const probe = new WindowProbe(clock);
      const late: { values: unknown[]; at: number }[] = [];
      const spec: WindowSpec = { length: Duration.ofSeconds(10), timestamp: 'ts', watermarkIntervalMs: 100 };
      b.setBolt('w', () => new RecordingWindowBolt(spec, probe)).shuffleGrouping('first').shuffleGrouping('second');
      b.setBolt('late', () => new RecordingBolt(late, clock)).shuffleGrouping('w', WINDOW_LATE_STREAM);
      h = new ManualEngine(b.build({ name: 'two-tasks', config: PENDING }), {}, clock);
      await h.start();
      await h.runUntil(() => probe.seen.length > 0, 1000);
      // Counting only the tasks heard from, the tick at 100 fired [T, T+10000) with f1 alone and s1 was late.
      expect(probe.seen.map((x) => [x.at, x.start, x.all])).toEqual([[600, T, ['f1', 's1']]]);
      expect(late).toEqual([]);
    });

    it('idleInputMs: an upstream task that never sends holds the watermark only that long while the others move on', async () => {
      const clock = new ManualClock();
      const T = 1_700_000_000_000;
      const b = new TopologyBuilder();
      b.setSpout('busy', () => new EventSpout([{ id: 'a', at: 10, ts: T + 2000 }, { id: 'b', at: 20, ts: T + 12_000 }, { id: 'c', at: 150, ts: T + 13_000 }], new SpoutProbe(clock)));
      b.setSpout('silent', () => new EventSpout([], new SpoutProbe(clock)));
      const probe = new WindowProbe(clock);
      const spec: WindowSpec = { length: Duration.ofSeconds(10), timestamp: 'ts', watermarkIntervalMs: 100, idleInputMs: 1000 };
      b.setBolt('w', () => new RecordingWindowBolt(spec, probe)).shuffleGrouping('busy').shuffleGrouping('silent');
      h = new ManualEngine(b.build({ name: 'idle-input', config: PENDING }), {}, clock);
      await h.start();
      await h.runUntil(() => probe.seen.length > 0, 3000);
      // "silent" is behind from the tick at 100; 1000 ms later (and "busy" moved on meanwhile) it no longer counts.
      expect(probe.seen.map((x) => [x.at, x.start, x.all])).toEqual([[1100, T, ['a']]]);
    });

    it('idleFlushMs: when the input stops, the last windows fire after that much idle time and their tuples are acked', async () => {
      const clock = new ManualClock();
      const spout = new SpoutProbe(clock);
      const T = 1_700_000_000_000;
      const plan = [
        { id: 'a', at: 10, ts: T + 1000 },
        { id: 'b', at: 20, ts: T + 12_000 }, // watermark T + 12000: [T, T+10000) fires at 100
        { id: 'c', at: 30, ts: T + 15_000 }, // the input ends here: [T+10000, T+20000) needs a flush
      ];
      const probe = new WindowProbe(clock);
      h = new ManualEngine(eventTopology({ idleFlushMs: 500 }, clock, spout, plan, probe, []), {}, clock);
      await h.start();
      await h.runUntil(() => spout.acks.length === 3, 2000);
      // Ticks every 100 ms: idle from 30; the fifth tick after it (at 500) sees 500 ms idle.
      expect(probe.seen.map((x) => [x.at, x.start, x.all])).toEqual([[100, T, ['a']], [500, T + 10_000, ['b', 'c']]]);
      expect(spout.acks.map((x) => x.id).sort()).toEqual(['a', 'b', 'c']);
    });

    it('idleFlushMs with allowed lateness: the flush also ends the lateness, so the last tuples are acked', async () => {
      const clock = new ManualClock();
      const spout = new SpoutProbe(clock);
      const T = 1_700_000_000_000;
      const plan = [
        { id: 'a', at: 10, ts: T + 1000 },
        { id: 'b', at: 20, ts: T + 12_000 },
        { id: 'c', at: 30, ts: T + 15_000 },
      ];
      const probe = new WindowProbe(clock);
      h = new ManualEngine(eventTopology({ idleFlushMs: 500, allowedLatenessMs: 8000 }, clock, spout, plan, probe, []), {}, clock);
      await h.start();
      // Flushing to newest + length left b and c inside their window's lateness: never evicted, never acked.
      await h.runUntil(() => spout.acks.length === 3, 2000);
      expect(probe.seen.map((x) => x.all)).toEqual([['a'], ['b', 'c']]);
      expect(spout.acks.map((x) => x.id).sort()).toEqual(['a', 'b', 'c']);
    });

    it('without idleFlushMs the last window waits for a newer timestamp', async () => {
      const clock = new ManualClock();
      const spout = new SpoutProbe(clock);
      const T = 1_700_000_000_000;
      const probe = new WindowProbe(clock);
      h = new ManualEngine(eventTopology({}, clock, spout, [{ id: 'a', at: 10, ts: T + 1000 }], probe, []), {}, clock);
      await h.start();
      await h.runUntil(() => false, 2000);
      expect(probe.seen).toEqual([]);
      expect(spout.acks).toEqual([]);
    });
  });
});
