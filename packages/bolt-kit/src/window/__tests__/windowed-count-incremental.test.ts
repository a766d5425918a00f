import {
  BaseRichBolt, BaseRichSpout, BaseWindowedBolt, Count, Duration, TopologyBuilder, slidingWindow, tumblingWindow,
  type OutputFieldsDeclarer, type Tuple, type TupleWindow, type WindowSpec, type WindowedOutputCollector,
} from '@gale/runtime';
// Manual time lives in the runtime's tests; a kit test may borrow it (tests are outside the layer rules).
import { ManualEngine } from '../../../../runtime/src/engine/__tests__/manual-engine.js';
import { ManualClock } from '../../../../runtime/src/engine/testing/manual-time.js';
import { seededRandom } from '../../../../runtime/src/engine/testing/counter-ids.js';
import { WindowedCountBolt, type WindowedCountAnchor } from '../../index.js';

/*
 * WindowedCountBolt keeps running counts (add getNew(), subtract getExpired()). Its rows must be
 * those of the regrouping it replaced (kept here as the reference), window by window, on random
 * input; and each anchor mode must fail, on a downstream failure, exactly the inputs it promises.
 */

/** The previous WindowedCountBolt: regroups the whole window on every evaluation. */
class RegroupCount extends BaseWindowedBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word', 'count', 'windowStart', 'windowEnd']);
  }
  execute(window: TupleWindow, collector: WindowedOutputCollector): void {
    const byKey = new Map<unknown, Tuple[]>();
    for (const t of window.get()) {
      const k = t.getValueByField('word');
      const list = byKey.get(k);
      if (list === undefined) byKey.set(k, [t]);
      else list.push(t);
    }
    for (const [k, tuples] of byKey) collector.emit([k, tuples.length, window.startTimestamp ?? null, window.endTimestamp ?? null], tuples);
  }
}

interface Planned { at: number; id: string; word: string; ts: number }

class Probe {
  readonly acks: string[] = [];
  readonly fails: string[] = [];
  /** Rows per counting bolt, with the manual time they arrived. */
  readonly rows = new Map<string, { values: unknown[]; at: number }[]>();
  constructor(readonly clock: ManualClock) {}
}

/** Emits [word, ts] with message id `id` at its first poll at or after `at`. */
class PlanSpout extends BaseRichSpout {
  constructor(private readonly plan: Planned[], private readonly probe: Probe) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word', 'ts']);
  }
  nextTuple(): void {
    while (this.plan.length > 0 && this.plan[0]!.at <= this.probe.clock.now()) {
      const next = this.plan.shift()!;
      this.collector.emit([next.word, next.ts], next.id);
    }
  }
  override ack(id: unknown): void {
    this.probe.acks.push(String(id));
  }
  override fail(id: unknown): void {
    this.probe.fails.push(String(id));
  }
}

/** Emits one tuple without a `word` field at `at`: counting it throws, and the window fails its tuples. */
/**
 * build() refuses a key field an input does not declare (checkInputs); these tests reach the
 * run-time path behind that check on purpose, to see a window whose execute throws fail alone.
 */
class UncheckedCountBolt extends WindowedCountBolt {
  override checkInputs(): void {}
}

class BadSpout extends BaseRichSpout {
  private sent = false;
  constructor(private readonly at: number, private readonly probe: Probe) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['other']);
  }
  nextTuple(): void {
    if (this.sent || this.probe.clock.now() < this.at) return;
    this.sent = true;
    this.collector.emit([42], 'bad');
  }
  override fail(id: unknown): void {
    this.probe.fails.push(String(id));
  }
}

/** Records rows by source component; fails those matching `failIf`, acks the rest. */
class Sink extends BaseRichBolt {
  constructor(private readonly probe: Probe, private readonly failIf: (values: readonly unknown[]) => boolean = () => false) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    const list = this.probe.rows.get(t.sourceComponent) ?? [];
    list.push({ values: [...t.values], at: this.probe.clock.now() });
    this.probe.rows.set(t.sourceComponent, list);
    if (this.failIf(t.values)) this.collector.fail(t);
    else this.collector.ack(t);
  }
}

/** Rows grouped per window and sorted, so two bolts can be compared regardless of row order. */
function perWindow(rows: { values: unknown[]; at: number }[] | undefined): string[] {
  return (rows ?? []).map((r) => `${r.at} ${JSON.stringify(r.values)}`).sort();
}

function randomPlan(seed: number, n: number, spanMs: number, disorderMs: number): Planned[] {
  const random = seededRandom(seed);
  const words = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
  const plan: Planned[] = [];
  for (let i = 0; i < n; i++) {
    const at = Math.floor((i / n) * spanMs);
    // A skewed key distribution: some keys are in every window, some come and go.
    const word = words[Math.floor(random() ** 2 * words.length)]!;
    plan.push({ at, id: `t${i}`, word, ts: 1_000_000 + at - Math.floor(random() * disorderMs) });
  }
  return plan;
}

describe('WindowedCountBolt: running counts against regrouping (manual clock)', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function compare(window: WindowSpec, plan: Planned[], untilMs: number, badAt?: number): Promise<Probe> {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    const b = new TopologyBuilder();
    b.setSpout('s', () => new PlanSpout([...plan], probe));
    if (badAt !== undefined) b.setSpout('bad', () => new BadSpout(badAt, probe));
    // anchor 'none' (panes for duration windows, event time included) fails only the bad tuple, not its windows: compared without one.
    const bolts = [
      ['ref', () => new RegroupCount(window)],
      ['keys', () => new UncheckedCountBolt({ window })],
      ['new', () => new UncheckedCountBolt({ window, anchor: 'new-tuples' })],
      ...(badAt === undefined ? [['none', () => new WindowedCountBolt({ window, anchor: 'none' })] as const] : []),
    ] as const;
    const sink = b.setBolt('sink', () => new Sink(probe));
    for (const [id, bolt] of bolts) {
      const d = b.setBolt(id, bolt).globalGrouping('s');
      if (badAt !== undefined) d.globalGrouping('bad');
      sink.globalGrouping(id);
    }
    h = new ManualEngine(b.build({ name: 'wcount', config: { maxSpoutPending: 10_000, messageTimeoutMs: 120_000 } }), {}, clock);
    await h.start();
    // Manual time: run the whole plan and its last windows (count windows keep their last tuples).
    await h.runUntil(() => false, untilMs);
    expect(probe.acks.length).toBeGreaterThan(plan.length * (badAt === undefined ? 0.9 : 0.5));
    if (badAt === undefined) expect(probe.fails).toEqual([]);
    else expect(probe.fails.length).toBeGreaterThan(0);
    const ref = perWindow(probe.rows.get('ref'));
    expect(ref.length).toBeGreaterThan(20);
    expect(perWindow(probe.rows.get('keys'))).toEqual(ref);
    expect(perWindow(probe.rows.get('new'))).toEqual(ref);
    if (badAt === undefined) expect(perWindow(probe.rows.get('none'))).toEqual(ref);
    return probe;
  }

  it('processing time, sliding 1 s / 200 ms: the same rows per window', async () => {
    await compare(slidingWindow(Duration.ofMillis(1000), Duration.ofMillis(200), { epochClock: () => 0 }), randomPlan(1, 1500, 5000, 0), 10_000);
  });

  it('count windows, sliding 50 / 20: the same rows per window', async () => {
    await compare(slidingWindow(Count.of(50), Count.of(20)), randomPlan(2, 1000, 3000, 0), 6_000);
  });

  it('event time, out of order (max lag 300 ms), sliding 1 s / 250 ms: the same rows per window', async () => {
    const w = slidingWindow(Duration.ofMillis(1000), Duration.ofMillis(250), { timestamp: 'ts', maxLagMs: 300, watermarkIntervalMs: 50, idleFlushMs: 200 });
    await compare(w, randomPlan(3, 1200, 4000, 300), 10_000);
  });

  it('event time with allowed lateness (windows fire again; the bolt regroups): the same rows per window', async () => {
    const w = slidingWindow(Duration.ofMillis(1000), Duration.ofMillis(250), { timestamp: 'ts', maxLagMs: 100, allowedLatenessMs: 300, watermarkIntervalMs: 50, idleFlushMs: 200 });
    const probe = await compare(w, randomPlan(4, 800, 4000, 350), 10_000);
    // Some window did fire again with a late tuple (the case the running counts cannot follow).
    const windows = (probe.rows.get('ref') ?? []).map((r) => JSON.stringify([r.values[0], r.values[3]]));
    expect(new Set(windows).size).toBeLessThan(windows.length);
  });

  it('an execute that throws (a tuple without the key field) fails its window; the counts start over from get()', async () => {
    // Each bolt throws on the windows holding the bad tuple (all of them fail it and its window's
    // tuples, which leave every window); the windows after it must still count the same.
    await compare(slidingWindow(Duration.ofMillis(1000), Duration.ofMillis(200), { epochClock: () => 0 }), randomPlan(5, 1500, 5000, 0), 10_000, 2100);
  });

  /** Fails the downstream row of word "x" for the window ending at 2000 ms; returns the failed input ids. */
  async function failOneRow(anchor: WindowedCountAnchor): Promise<string[]> {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    // x1 at 100 ms is in windows ending 1000 and 2000; x2 at 1100 ms in 2000 and 3000; y at 1200 in 2000 and 3000.
    const plan: Planned[] = [
      { at: 100, id: 'x1', word: 'x', ts: 0 }, { at: 1100, id: 'x2', word: 'x', ts: 0 }, { at: 1200, id: 'y', word: 'y', ts: 0 },
    ];
    const window = slidingWindow(Duration.ofMillis(2000), Duration.ofMillis(1000), { epochClock: () => 0 });
    const b = new TopologyBuilder();
    b.setSpout('s', () => new PlanSpout(plan, probe));
    b.setBolt('count', () => new WindowedCountBolt({ window, anchor })).globalGrouping('s');
    b.setBolt('sink', () => new Sink(probe, (v) => v[0] === 'x' && v[3] === 2000)).globalGrouping('count');
    h = new ManualEngine(b.build({ name: 'wfail', config: { maxSpoutPending: 100, messageTimeoutMs: 60_000 } }), {}, clock);
    await h.start();
    expect(await h.runUntil(() => probe.acks.length + probe.fails.length === 3, 6000)).toBe(true);
    expect(perWindow(probe.rows.get('count'))).toEqual([
      '1000 ["x",1,-1000,1000]', '2000 ["x",2,0,2000]', '2000 ["y",1,0,2000]', '3000 ["x",1,1000,3000]', '3000 ["y",1,1000,3000]',
    ]);
    return [...probe.fails].sort();
  }

  it("anchor 'key-tuples' (default): a failed row fails every tuple of its key in that window", async () => {
    expect(await failOneRow('key-tuples')).toEqual(['x1', 'x2']);
  });

  it("anchor 'new-tuples': a failed row fails only its key's tuples new in that window", async () => {
    // x1 was new in the window ending 1000, so only x2 is new in the one ending 2000.
    expect(await failOneRow('new-tuples')).toEqual(['x2']);
  });

  it("anchor 'none' (panes): a failed row fails nothing; every input is acked after its last window", async () => {
    expect(await failOneRow('none')).toEqual([]);
  });

  it("anchor 'none' (panes): a tuple without the key field is failed alone; its windows count the others", async () => {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    const window = slidingWindow(Duration.ofMillis(2000), Duration.ofMillis(1000), { epochClock: () => 0 });
    const b = new TopologyBuilder();
    b.setSpout('s', () => new PlanSpout([{ at: 100, id: 'x1', word: 'x', ts: 0 }, { at: 1100, id: 'x2', word: 'x', ts: 0 }], probe));
    b.setSpout('bad', () => new BadSpout(500, probe));
    b.setBolt('count', () => new UncheckedCountBolt({ window, anchor: 'none' })).globalGrouping('s').globalGrouping('bad');
    b.setBolt('sink', () => new Sink(probe)).globalGrouping('count');
    h = new ManualEngine(b.build({ name: 'wbad', config: { maxSpoutPending: 100, messageTimeoutMs: 60_000 } }), {}, clock);
    await h.start();
    expect(await h.runUntil(() => probe.acks.length === 2, 6000)).toBe(true);
    expect(probe.fails).toEqual(['bad']);
    expect(h.engine.errors().map((e) => e.message)).toEqual([expect.stringMatching(/word/)]);
    expect(perWindow(probe.rows.get('count'))).toEqual(['1000 ["x",1,-1000,1000]', '2000 ["x",2,0,2000]', '3000 ["x",1,1000,3000]']);
  });

  it('refuses an unknown anchor mode', () => {
    expect(() => new WindowedCountBolt({ window: tumblingWindow(Count.of(2)), anchor: 'all' as WindowedCountAnchor })).toThrow(/anchor must be one of 'key-tuples', 'new-tuples', 'none'/);
  });
});
