import { TopologyError } from '../../errors.js';
import type { AckHolder, HeldAcks } from '../state/held-acks.js';
import type { Bolt, OutputCollector, OutputFieldsDeclarer, TopologyContext, Tuple } from '../types.js';
import { EventPaneState, type EventPane, type PaneFiring } from './event-pane-state.js';
import { declareEventTimeStreams, emitLate, eventTimeOf, tickTarget } from './event-time.js';
import { paneAcks } from './pane-acks.js';
import { PaneList, paneCollector } from './pane-window-executor.js';
import { WatermarkTracker } from './watermark.js';
import { checkWindowTimeout, inputChannels } from './window-limits.js';
import { FAIL_HELD_INPUTS, type HoldsInputs } from '../held-inputs.js';
import type { PaneAggregator, WindowedBolt, WindowedOutputCollector } from './windowed-bolt.js';
import type { ResolvedWindow } from './window-spec.js';

/*
 * The bolt the builder puts around a windowed bolt that aggregates per pane (WindowedBolt.panes)
 * on an event-time window whose length is a multiple of its slide (docs/windowing.md "Panes").
 * The tuple window's event-time rules, unchanged, on panes of event time instead of tuples: an
 * input goes to the pane of its timestamp; the watermark (watermark.ts: per upstream task, max
 * lag, idle inputs) moves on ticks; a window fires when the watermark reaches its end; an input
 * for a window the watermark passed but whose lateness is not over makes it fire again; an input
 * later than every window of its timestamp goes to the late stream; idleFlushMs closes every window
 * after a silence. The firing times and contents are those of TimeWindowState (event-pane-state.ts
 * says why they match).
 *
 * As in the processing-time panes (pane-window-executor.ts), an input is not kept: it is added to
 * its pane's aggregate and its ack is held in the pane's HeldAcks table, merged per tree, until
 * the pane has left every window (the watermark passed its last window's end + allowed lateness
 * and no re-firing is due): then the table goes to the acker.
 */

/** What a pane keeps besides its aggregates: the held acks of its inputs, or (without an AckHolder) the tuples. */
interface Hold {
  readonly acks: HeldAcks | undefined;
  readonly tuples: Tuple[] | undefined;
}

export class EventPaneWindowExecutor implements Bolt, HoldsInputs {
  private collector!: OutputCollector;
  private holder: AckHolder | undefined;
  private component = '';
  private readonly state: EventPaneState<unknown, Hold>;
  private watermark!: WatermarkTracker;
  /** Processing time (ms, in ticks) since the last input tuple, for `idleFlushMs`. */
  private idleMs = 0;
  /** Emptied tables, reused by new panes (a table keeps the size it grew to). */
  private readonly spare: HeldAcks[] = [];
  private readonly spareLimit: number;
  private readonly out: WindowedOutputCollector;

  constructor(readonly inner: WindowedBolt, private readonly agg: PaneAggregator<unknown>, private readonly w: ResolvedWindow) {
    this.state = new EventPaneState<unknown, Hold>(w, () => ({ agg: agg.createPane(), hold: this.newHold() }), () => agg.createPane());
    // The panes of one window, of its lateness and of the max lag, plus one filling.
    this.spareLimit = Math.ceil((w.length + w.allowedLatenessMs + w.maxLagMs) / w.slide) + 1;
    this.out = paneCollector(() => this.collector);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    this.inner.declareOutputFields(declarer);
    declareEventTimeStreams(this.w, declarer);
  }

  async prepare(context: TopologyContext, collector: OutputCollector): Promise<void> {
    this.collector = collector;
    this.holder = 'holdAck' in collector ? (collector as unknown as AckHolder) : undefined;
    this.component = context.thisComponentId;
    // Every upstream task of every subscribed stream holds the watermark until it sends or idles.
    this.watermark = new WatermarkTracker(this.w.maxLagMs, this.w.idleInputMs, context.thisSources?.() ?? []);
    checkWindowTimeout(this.w, this.component, context.config.messageTimeoutMs, inputChannels(context.thisSources?.() ?? []));
    await this.inner.prepare?.(context, this.out);
  }

  execute(tuple: Tuple): void | Promise<void> {
    if (tuple.isTick()) return this.onTick(tuple);
    const ts = eventTimeOf(this.w, this.component, tuple, this.collector);
    if (ts === undefined) return;
    this.watermark.observe(tuple.sourceTask, tuple.sourceStreamId, ts);
    const s = this.state;
    if (s.isLate(ts)) return emitLate(this.w, tuple, ts, s.now, this.collector);
    // Only input that lands in a window holds the idle flush off (bad or late tuples do not).
    this.idleMs = 0;
    const { pane, seg } = s.slot(ts);
    let r: unknown;
    try {
      r = this.agg.add(seg.agg, tuple);
    } catch (err) {
      this.refuse(pane, seg, tuple, err);
      return;
    }
    if (r !== undefined) {
      if (typeof (r as Partial<Promise<unknown>>).then === 'function') (r as Promise<unknown>).then(undefined, () => {});
      this.refuse(pane, seg, tuple, new TopologyError('GALE_ERR_BAD_OPTION', `windowed bolt "${this.component}": its pane aggregator's add() returned ${typeof (r as Partial<Promise<unknown>>).then === 'function' ? 'a promise' : 'a value'}; add must be synchronous and return nothing (do async work in execute(), which may be async)`));
      return;
    }
    s.added(pane, seg);
    if (pane.hold.acks !== undefined) this.holder!.holdAck(tuple, pane.hold.acks);
    else pane.hold.tuples!.push(tuple);
  }

  async cleanup(): Promise<void> {
    await this.inner.cleanup?.();
  }

  private refuse(pane: EventPane<unknown, Hold>, seg: EventPane<unknown, Hold>['segments'][number], tuple: Tuple, err: unknown): void {
    const removed = this.state.abandon(pane, seg);
    if (removed?.hold.acks !== undefined) this.recycle(removed.hold.acks);
    this.collector.reportError(err);
    this.collector.fail(tuple);
  }

  private newHold(): Hold {
    if (this.holder === undefined) return { acks: undefined, tuples: [] };
    return { acks: paneAcks(this.spare), tuples: undefined };
  }

  private onTick(tick: Tuple): void | Promise<void> {
    const s = this.state;
    const elapsedMs = Math.round(Number(tick.values[0]) * 1000);
    this.watermark.tick(elapsedMs);
    this.idleMs += elapsedMs;
    s.advance(tickTarget(this.w, this.watermark, this.idleMs, s.size > 0));
    const loop = (): void | Promise<void> => {
      for (let f = s.next(); f !== undefined; f = s.next()) {
        const p = this.evaluate(f);
        if (p !== undefined) return p.then(loop);
      }
      this.retire(s.evict());
      return undefined;
    };
    return loop();
  }

  /** Evaluates one window, then acks the panes that left every window: once an async execute settled. */
  private evaluate(f: PaneFiring<unknown>): Promise<void> | undefined {
    const failed = (err: unknown): void => {
      this.collector.reportError(err);
      this.failPanes(this.state.drop(f.start, f.end));
    };
    let r: void | Promise<void> = undefined;
    try {
      r = this.agg.execute(new PaneList(f.all, f.fresh, f.expired, f.start, f.end), this.out);
    } catch (err) {
      failed(err ?? new Error('windowed execute threw'));
    }
    if (r !== undefined && typeof (r as Partial<Promise<void>>).then === 'function') {
      return r.then(() => this.retire(this.state.evict()), (err: unknown) => {
        failed(err ?? new Error('windowed execute rejected'));
        this.retire(this.state.evict());
      });
    }
    this.retire(this.state.evict());
    return undefined;
  }

  /** The bolt stops here (drain, or its executor moved away): every pane's inputs fail now and the panes leave every window. */
  [FAIL_HELD_INPUTS](): number {
    return this.failPanes(this.state.dropAll());
  }

  /** Fails the inputs of panes removed from every window; returns how many. */
  private failPanes(panes: readonly EventPane<unknown, Hold>[]): number {
    let n = 0;
    for (const p of panes) {
      if (p.hold.acks !== undefined) {
        n += p.hold.acks.tuples;
        this.holder!.failHeld(p.hold.acks);
        this.recycle(p.hold.acks);
      } else {
        n += p.hold.tuples!.length;
        for (const t of p.hold.tuples!) this.collector.fail(t);
      }
    }
    return n;
  }

  private retire(gone: readonly EventPane<unknown, Hold>[]): void {
    for (const p of gone) {
      if (p.hold.acks !== undefined) {
        this.holder!.applyHeld(p.hold.acks);
        this.recycle(p.hold.acks);
      } else for (const t of p.hold.tuples!) this.collector.ack(t);
    }
  }

  private recycle(acks: HeldAcks): void {
    acks.clear();
    if (this.spare.length < this.spareLimit) this.spare.push(acks);
  }
}
