import {
  BaseRichSpout, BaseWindowedBolt, Duration, TopologyBuilder,
  type OutputFieldsDeclarer, type PaneAggregator, type PaneWindow, type Tuple, type TupleWindow, type WindowSpec, type WindowedOutputCollector,
} from '@gale/runtime';
import { ManualClock } from '../../../engine/testing/manual-time.js';
import { ManualEngine } from '../../../engine/__tests__/manual-engine.js';

/*
 * rolling-top-users with the README's settings wrote 1 of 46 windows and acked the rest: an
 * upstream task that never sent turned idle (the watermark jumped from -Infinity to the newest
 * timestamp) on the very tick the idle flush fired, and the windows between were skipped. Here on
 * the engine, for the tuple window and the event-time panes: every window fires, in order, and
 * every input is acked only after its window fired.
 */

const T = 1_000_000;

class Probe {
  readonly seen: { at: number; end: number; ids: string[] }[] = [];
  readonly acks: string[] = [];
  readonly fails: string[] = [];
  constructor(readonly clock: ManualClock) {}
}

/** Emits [id, ts] at its first poll at or after `at`. */
class PlanSpout extends BaseRichSpout {
  constructor(private readonly plan: { id: string; at: number; ts: number }[], private readonly probe: Probe) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id', 'ts']);
  }
  nextTuple(): void {
    while (this.plan.length > 0 && this.plan[0]!.at <= this.probe.clock.now()) {
      const p = this.plan.shift()!;
      this.collector.emit([p.id, p.ts], p.id);
    }
  }
  override ack(id: unknown): void {
    this.probe.acks.push(String(id));
  }
  override fail(id: unknown): void {
    this.probe.fails.push(String(id));
  }
}

class IdPanes implements PaneAggregator<string[]> {
  constructor(private readonly probe: Probe) {}
  createPane(): string[] {
    return [];
  }
  add(pane: string[], t: Tuple): void {
    pane.push(String(t.getValue(0)));
  }
  execute(w: PaneWindow<string[]>): void {
    // An input is acked only once its pane has left every window: never before its window was seen.
    this.probe.seen.push({ at: this.probe.clock.now(), end: w.endTimestamp, ids: w.all().flat().sort() });
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
    this.probe.seen.push({ at: this.probe.clock.now(), end: w.endTimestamp!, ids: w.get().map((t) => String(t.getValue(0))).sort() });
    c.emit([w.get().length]);
  }
}

describe.each([['tuple window', false], ['event-time panes', true]])('%s: a channel turning idle on the idle flush tick', (_name, usePanes) => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('fires every window between the old watermark and the flush target, in order, before acking their inputs', async () => {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    // Two inputs per 1 s window over 5 windows, all sent by "busy" before the first tick; "silent" sends nothing.
    const plan = Array.from({ length: 10 }, (_, i) => ({ id: `v${i}`, at: i < 9 ? 10 : 150, ts: T + i * 500 }));
    // Ticks every 100 ms. "silent" is behind (it never sent) from the tick at 100 and turns idle at
    // 1100; the last input came at 150, so the ticks 200 ... 1100 make idleFlushMs (1000) at 1100 too.
    const spec: WindowSpec = { length: Duration.ofSeconds(1), timestamp: 'ts', watermarkIntervalMs: 100, idleInputMs: 1000, idleFlushMs: 1000 };
    const b = new TopologyBuilder();
    b.setSpout('busy', () => new PlanSpout(plan, probe));
    b.setSpout('silent', () => new PlanSpout([], probe));
    b.setBolt('w', () => new IdBolt(spec, probe, usePanes)).globalGrouping('busy').globalGrouping('silent');
    h = new ManualEngine(b.build({ name: 'same-tick', config: { maxSpoutPending: 1000, messageTimeoutMs: 60_000 } }), {}, clock);
    await h.start();
    expect(await h.runUntil(() => probe.acks.length === 10, 3000)).toBe(true);
    expect(probe.seen).toEqual([0, 1, 2, 3, 4].map((k) => ({ at: 1100, end: T + (k + 1) * 1000, ids: [`v${2 * k}`, `v${2 * k + 1}`] })));
    expect(probe.fails).toEqual([]);
  });
});
