// Test fixtures of the windowing engine tests: a spout that emits `[id, ts]` on a manual-clock plan,
// and a windowed bolt (tuple window or panes) that reports the ids of each window it fires.
import {
  BaseRichSpout, BaseWindowedBolt,
  type OutputFieldsDeclarer, type PaneAggregator, type PaneWindow, type Tuple, type TupleWindow, type WindowSpec, type WindowedOutputCollector,
} from '@gale/runtime';
import type { ManualClock } from '../../../engine/testing/manual-time.js';

/** Emits `[id, ts]` at its first poll at or after `at` (manual time); tells `outcome` each ack and fail. */
export class PlanSpout extends BaseRichSpout {
  constructor(
    private readonly plan: { id: string; at: number; ts: number }[],
    private readonly clock: ManualClock,
    private readonly outcome: (kind: 'ack' | 'fail', id: string) => void,
  ) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id', 'ts']);
  }
  nextTuple(): void {
    while (this.plan.length > 0 && this.plan[0]!.at <= this.clock.now()) {
      const p = this.plan.shift()!;
      this.collector.emit([p.id, p.ts], p.id);
    }
  }
  override ack(id: unknown): void {
    this.outcome('ack', String(id));
  }
  override fail(id: unknown): void {
    this.outcome('fail', String(id));
  }
}

/** What a window held: its end and the ids of its inputs, sorted. */
export type SeenWindow = (end: number, ids: string[]) => void;

class IdPanes implements PaneAggregator<string[]> {
  constructor(private readonly seen: SeenWindow) {}
  createPane(): string[] {
    return [];
  }
  add(pane: string[], t: Tuple): void {
    pane.push(String(t.getValue(0)));
  }
  execute(w: PaneWindow<string[]>, c: WindowedOutputCollector): void {
    const ids = w.all().flat().sort();
    this.seen(w.endTimestamp, ids);
    c.emit([ids.length]);
  }
}

/** Reports each window's ids to `seen` and emits `[count]`; in panes when `usePanes`. */
export class IdBolt extends BaseWindowedBolt {
  constructor(window: WindowSpec, private readonly seen: SeenWindow, private readonly usePanes: boolean) {
    super(window);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['count']);
  }
  panes(): PaneAggregator<unknown> | undefined {
    return this.usePanes ? (new IdPanes(this.seen) as PaneAggregator<unknown>) : undefined;
  }
  execute(w: TupleWindow, c: WindowedOutputCollector): void {
    const ids = w.get().map((t) => String(t.getValue(0))).sort();
    this.seen(w.endTimestamp!, ids);
    c.emit([ids.length]);
  }
}
