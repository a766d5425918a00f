import { TopologyError } from '../../errors.js';
import type { AckHolder, HeldAcks } from '../state/held-acks.js';
import type { Bolt, OutputCollector, OutputFieldsDeclarer, TopologyContext, Tuple, Values } from '../types.js';
import { paneAcks } from './pane-acks.js';
import { checkWindowTimeout } from './window-limits.js';
import { FAIL_HELD_INPUTS, type HoldsInputs } from '../held-inputs.js';
import type { PaneAggregator, PaneWindow, WindowedBolt, WindowedOutputCollector } from './windowed-bolt.js';
import type { ResolvedWindow } from './window-spec.js';

/*
 * The bolt the builder puts around a windowed bolt that aggregates per pane (WindowedBolt.panes,
 * docs/windowing.md "Panes"), for a processing-time window whose length is a multiple of its
 * slide. Flink's incremental aggregation: every window is the panes (slide-long buckets) of its
 * length, so an input is added to the aggregate of its pane on arrival and never kept. What the
 * window must still keep is the input's ack: the tree stays pending until the input has left every
 * window. Those acks are held per pane in a HeldAcks table, XOR-merged per tree as a stateful bolt
 * holds its acks until a checkpoint (state/held-acks.ts): a line's words in one pane are one
 * 16-byte slot, with no object per input for the GC to copy for the window's length. When a pane
 * leaves its last window, right after that window's evaluation, its acks go to the acker.
 *
 * The price: the inputs are gone, so a result cannot be anchored to them. Emits are unanchored;
 * an input is acked once it left every window, whatever becomes of the results downstream.
 */

/**
 * Whether this window can be cut into panes: a duration window whose length is a multiple of the
 * slide. Event-time windows run in EventPaneWindowExecutor (event-pane-window-executor.ts).
 */
export function panesFit(w: ResolvedWindow): boolean {
  return w.by === 'duration' && w.length % w.slide === 0;
}

interface Pane<P> {
  /** Processing time of its start / slide. */
  readonly index: number;
  readonly agg: P;
  /** The held acks of its inputs; undefined without an AckHolder (then `tuples`). */
  acks: HeldAcks | undefined;
  tuples: Tuple[] | undefined;
  /** Inputs added (an input whose add threw is not one). */
  inputs: number;
  /** Handed to an evaluation already (not fresh any more). */
  delivered: boolean;
}

const NONE: readonly never[] = Object.freeze([]);

/** A window as its panes' aggregates (the event-time panes use it too). */
export class PaneList<P> implements PaneWindow<P> {
  constructor(
    private readonly a: readonly P[], private readonly f: readonly P[], private readonly x: readonly P[],
    readonly startTimestamp: number, readonly endTimestamp: number,
  ) {}
  all(): readonly P[] { return this.a; }
  fresh(): readonly P[] { return this.f; }
  expired(): readonly P[] { return this.x; }
}

/** The collector a pane aggregator's execute gets: emits unanchored unless given anchors; nothing to fail. */
export function paneCollector(collector: () => OutputCollector): WindowedOutputCollector {
  return {
    emit: (values: Values, anchors?: readonly Tuple[]) => {
      if (anchors === undefined) collector().emit(values);
      else collector().emit(values, anchors);
    },
    emitStream: (streamId: string, values: Values, anchors?: readonly Tuple[]) => {
      if (anchors === undefined) collector().emitStream(streamId, values);
      else collector().emitStream(streamId, values, anchors);
    },
    // Panes keep no tuple a bolt could name: nothing to fail.
    fail: () => {},
    reportError: (error: unknown) => collector().reportError(error),
  };
}

export class PaneWindowExecutor implements Bolt, HoldsInputs {
  private collector!: OutputCollector;
  /** The task's collector's ack holding (always in the engine); without it panes keep their tuples. */
  private holder: AckHolder | undefined;
  private component = '';
  private readonly panes = new Map<number, Pane<unknown>>();
  /** The pane inputs go to now (the hot path looks it up once per slide, not per input). */
  private current: Pane<unknown> | undefined;
  /** Processing time (ms since the task's time 0), in ticks. */
  private now = 0;
  /** End of the next window to evaluate. */
  private nextEnd: number;
  /** Panes per window. */
  private readonly span: number;
  /** Aggregates of the panes that left every window since the previous evaluation (its expired()). */
  private retired: unknown[] = [];
  /** Emptied tables, reused by new panes (a table keeps the size it grew to). */
  private readonly spare: HeldAcks[] = [];
  private origin = 0;
  private readonly out: WindowedOutputCollector;

  constructor(readonly inner: WindowedBolt, private readonly agg: PaneAggregator<unknown>, private readonly w: ResolvedWindow) {
    this.span = w.length / w.slide;
    this.nextEnd = w.slide;
    this.out = paneCollector(() => this.collector);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    this.inner.declareOutputFields(declarer);
  }

  async prepare(context: TopologyContext, collector: OutputCollector): Promise<void> {
    this.collector = collector;
    this.holder = 'holdAck' in collector ? (collector as unknown as AckHolder) : undefined;
    this.component = context.thisComponentId;
    this.origin = this.w.epochClock();
    checkWindowTimeout(this.w, this.component, context.config.messageTimeoutMs);
    await this.inner.prepare?.(context, this.out);
  }

  execute(tuple: Tuple): void | Promise<void> {
    if (tuple.isTick()) return this.onTick(tuple);
    const index = Math.floor(this.now / this.w.slide);
    let p = this.current;
    if (p === undefined || p.index !== index) p = this.current = this.paneAt(index);
    let r: unknown;
    try {
      r = this.agg.add(p.agg, tuple);
    } catch (err) {
      this.collector.reportError(err);
      this.collector.fail(tuple);
      return;
    }
    if (r !== undefined) return this.asyncAdd(r, tuple);
    p.inputs++;
    if (p.acks !== undefined) this.holder!.holdAck(tuple, p.acks);
    else p.tuples!.push(tuple);
  }

  /** `add` returned something (an `async add`): the pane may change after this input counted as added. */
  private asyncAdd(r: unknown, tuple: Tuple): void {
    if (typeof (r as Partial<Promise<unknown>>).then === 'function') (r as Promise<unknown>).then(undefined, () => {});
    this.collector.reportError(new TopologyError('GALE_ERR_BAD_OPTION', `windowed bolt "${this.component}": its pane aggregator's add() returned ${typeof (r as Partial<Promise<unknown>>).then === 'function' ? 'a promise' : 'a value'}; add must be synchronous and return nothing (do async work in execute(), which may be async)`));
    this.collector.fail(tuple);
  }

  async cleanup(): Promise<void> {
    await this.inner.cleanup?.();
  }

  private paneAt(index: number): Pane<unknown> {
    let p = this.panes.get(index);
    if (p === undefined) {
      const acks = this.holder === undefined ? undefined : paneAcks(this.spare);
      p = { index, agg: this.agg.createPane(), acks, tuples: acks === undefined ? [] : undefined, inputs: 0, delivered: false };
      this.panes.set(index, p);
    }
    return p;
  }

  private onTick(tick: Tuple): void | Promise<void> {
    // Ticks carry their period in seconds; processing time moves by whole ticks.
    this.now += Math.round(Number(tick.values[0]) * 1000);
    return this.catchUp();
  }

  /** Evaluates every window that ended by now, one after another (an async execute is awaited first). */
  private catchUp(): void | Promise<void> {
    while (this.nextEnd <= this.now) {
      const end = this.nextEnd;
      this.nextEnd += this.w.slide;
      const r = this.evaluate(end);
      if (r !== undefined) return r.then(() => this.catchUp());
    }
  }

  /**
   * Evaluates the window ending at `end` (skipped when all its panes are empty), then retires its
   * oldest pane: once an async execute settled, so no ack goes out before the window's work is done.
   */
  private evaluate(end: number): Promise<void> | undefined {
    const last = end / this.w.slide - 1;
    const first = last - this.span + 1;
    const all: unknown[] = [];
    const fresh: unknown[] = [];
    for (let i = first; i <= last; i++) {
      const p = this.panes.get(i);
      if (p === undefined || p.inputs === 0) continue;
      all.push(p.agg);
      if (!p.delivered) {
        p.delivered = true;
        fresh.push(p.agg);
      }
    }
    if (all.length > 0) {
      const expired = this.retired.length === 0 ? NONE : this.retired;
      this.retired = [];
      const failed = (err: unknown): void => {
        this.collector.reportError(err ?? new Error('windowed execute threw'));
        for (let i = first; i <= last; i++) this.drop(i);
      };
      let r: void | Promise<void> = undefined;
      try {
        r = this.agg.execute(new PaneList(all, fresh, expired, this.origin + end - this.w.length, this.origin + end), this.out);
      } catch (err) {
        failed(err);
      }
      if (r !== undefined && typeof (r as Partial<Promise<void>>).then === 'function') {
        return r.then(() => this.retire(first), (err: unknown) => {
          failed(err ?? new Error('windowed execute rejected'));
          this.retire(first);
        });
      }
    }
    this.retire(first);
    return undefined;
  }

  /** Pane `first` was in the windows ending (first + 1) × slide … the one just evaluated: that was its last. */
  private retire(first: number): void {
    const gone = this.panes.get(first);
    if (gone === undefined) return;
    this.panes.delete(first);
    // Inputs go to a newer pane from now on; do not keep this one's map alive until they do.
    if (this.current === gone) this.current = undefined;
    if (gone.acks !== undefined) {
      this.holder!.applyHeld(gone.acks);
      this.recycle(gone.acks);
    } else for (const t of gone.tuples!) this.collector.ack(t);
    if (gone.inputs > 0) this.retired.push(gone.agg);
  }

  /** The bolt stops here (drain, or its executor moved away): every pane's inputs fail now and the panes leave every window. */
  [FAIL_HELD_INPUTS](): number {
    let n = 0;
    for (const [index, p] of [...this.panes]) {
      n += p.inputs;
      this.drop(index);
    }
    return n;
  }

  /** Fails pane `index`'s inputs and drops it from every window. */
  private drop(index: number): void {
    const p = this.panes.get(index);
    if (p === undefined) return;
    this.panes.delete(index);
    if (this.current === p) this.current = undefined;
    if (p.acks !== undefined) {
      this.holder!.failHeld(p.acks);
      this.recycle(p.acks);
    } else for (const t of p.tuples!) this.collector.fail(t);
  }

  private recycle(acks: HeldAcks): void {
    acks.clear();
    // Enough for the panes of one window and the one filling; more would be memory never used again.
    if (this.spare.length <= this.span) this.spare.push(acks);
  }
}
