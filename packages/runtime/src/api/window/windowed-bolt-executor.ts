import { ComponentError } from '../../errors.js';
import { FAIL_HELD_INPUTS, type HoldsInputs } from '../held-inputs.js';
import type { Fields } from '../fields.js';
import { DEFAULT_STREAM, type Bolt, type OutputCollector, type OutputFieldsDeclarer, type TopologyContext, type Tuple, type Values } from '../types.js';
import { CountWindowState } from './count-window-state.js';
import { declareEventTimeStreams, emitLate, eventTimeOf, tickTarget } from './event-time.js';
import { HeldTuples, ObjectHolder, type TupleHolder } from './held-tuples.js';
import { TimeWindowState, type Firing } from './time-window-state.js';
import { WatermarkTracker } from './watermark.js';
import { checkWindowTimeout, inputChannels } from './window-limits.js';
import type { TupleWindow, WindowEntries, WindowedBolt, WindowedOutputCollector } from './windowed-bolt.js';
import { MAX_WINDOW_TUPLES, type ResolvedWindow } from './window-spec.js';

/*
 * The ordinary bolt the builder puts around a WindowedBolt (Storm's WindowedBoltExecutor): the
 * engine runs it like any other bolt and knows nothing of windows. Inputs are buffered, not
 * acked; tick tuples move processing time or the watermark and fire the due windows; a tuple
 * is acked once it has left every window it belongs to.
 *
 * The buffers hold entry numbers of a HeldTuples store (held-tuples.ts), not Tuple objects: a
 * tuple's values and ack record are copied into it on arrival, and a Tuple object is built for an
 * entry only when the bolt asks for one. An acked (expired) entry is kept until the next firing
 * has executed, which reports it in getExpired(); then its number is reused.
 */

const NO_ENTRIES: readonly number[] = Object.freeze([]);

/** Each list is built when the bolt first asks for it (firing.ts); Tuple objects only for get/getNew/getExpired. */
class Window implements TupleWindow, WindowEntries {
  private w: readonly Tuple[] | undefined;
  private f: readonly Tuple[] | undefined;
  private x: readonly Tuple[] | undefined;
  constructor(private readonly ex: WindowedBoltExecutor, private readonly firing: Firing<number>, readonly startTimestamp: number | undefined, readonly endTimestamp: number | undefined) {}
  get entries(): WindowEntries { return this; }
  get(): readonly Tuple[] { return (this.w ??= this.ex.tuplesOf(this.firing.window)); }
  getNew(): readonly Tuple[] { return (this.f ??= this.ex.tuplesOf(this.firing.fresh)); }
  getExpired(): readonly Tuple[] { return (this.x ??= this.ex.tuplesOf(this.firing.expired)); }
  all(): readonly number[] { return this.firing.window; }
  fresh(): readonly number[] { return this.firing.fresh; }
  expired(): readonly number[] { return this.firing.expired; }
  values(entry: number): readonly unknown[] { return this.ex.store.values[entry]!; }
  fields(entry: number): Fields { return this.ex.store.streams[entry]!.fields; }
  emit(values: Values, anchors: readonly number[], streamId: string = DEFAULT_STREAM): void { this.ex.emitEntries(streamId, values, anchors); }
}

/** The state machine the executor drives: time or count. */
type State = { kind: 'time'; s: TimeWindowState<number> } | { kind: 'count'; s: CountWindowState<number> };

export class WindowedBoltExecutor implements Bolt, HoldsInputs {
  private collector!: OutputCollector;
  private holder!: TupleHolder;
  readonly store = new HeldTuples();
  private component = '';
  private state!: State;
  /** The window being executed: emits without `anchors` anchor to its entries. */
  private current: Firing<number> | undefined;
  /** Its entries minus those failed during the execute; built on the first emit that needs it. */
  private currentAnchors: readonly number[] | undefined;
  /** Entries failed during the execute: released once it is over (its lists may still show them). */
  private failedNow: number[] = [];
  /** Entries acked after leaving every window: released after the next firing (its getExpired()). */
  private retired: number[] = [];
  /** Processing time: epoch ms at time 0 of this task's tick clock. */
  private origin = 0;
  private fullReported = false;
  /** The topology's maxSpoutPending, for the message of a full buffer. */
  private maxSpoutPending: number | null = null;
  private watermark!: WatermarkTracker;
  /** Event time: processing time (ms, in ticks) since the last input tuple, for `idleFlushMs`. */
  private idleMs = 0;
  private readonly out: WindowedOutputCollector;

  constructor(readonly inner: WindowedBolt, private readonly w: ResolvedWindow) {
    this.out = {
      emit: (values: Values, anchors?: readonly Tuple[]) => {
        if (anchors !== undefined) this.collector.emit(values, anchors);
        else this.emitEntries(DEFAULT_STREAM, values, this.windowAnchors());
      },
      emitStream: (streamId: string, values: Values, anchors?: readonly Tuple[]) => {
        if (anchors !== undefined) this.collector.emitStream(streamId, values, anchors);
        else this.emitEntries(streamId, values, this.windowAnchors());
      },
      fail: (tuple: Tuple) => this.failOne(tuple),
      reportError: (error: unknown) => this.collector.reportError(error),
    };
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    this.inner.declareOutputFields(declarer);
    if (this.w.eventTime) declareEventTimeStreams(this.w, declarer);
  }

  async prepare(context: TopologyContext, collector: OutputCollector): Promise<void> {
    this.collector = collector;
    this.holder = 'holdTuple' in collector ? (collector as unknown as TupleHolder) : new ObjectHolder(collector);
    this.component = context.thisComponentId;
    this.maxSpoutPending = context.config.maxSpoutPending;
    if (this.w.by === 'count') {
      this.state = { kind: 'count', s: new CountWindowState<number>(this.w.length, this.w.slide) };
    } else {
      const s = new TimeWindowState<number>(this.w);
      if (!this.w.eventTime) s.advance(0);
      this.state = { kind: 'time', s };
    }
    this.origin = this.w.epochClock();
    // Every upstream task of every subscribed stream holds the watermark until it sends or idles.
    this.watermark = new WatermarkTracker(this.w.maxLagMs, this.w.idleInputMs, context.thisSources?.() ?? []); // hand-built contexts of older tests may lack it
    checkWindowTimeout(this.w, this.component, context.config.messageTimeoutMs, inputChannels(context.thisSources?.() ?? []));
    await this.inner.prepare?.(context, this.out);
  }

  /** Synchronous unless the windowed bolt's execute is async (then the engine awaits it, in order). */
  execute(tuple: Tuple): void | Promise<void> {
    if (tuple.isTick()) return this.onTick(tuple);
    const st = this.state;
    if (st.kind === 'count') {
      this.idleMs = 0;
      const firing = st.s.add(this.holder.holdTuple(tuple, this.store));
      return firing === undefined ? undefined : this.fire(firing, undefined, undefined, () => st.s.evict());
    }
    const ts = this.w.eventTime ? eventTimeOf(this.w, this.component, tuple, this.collector) : st.s.now;
    if (ts === undefined) return;
    const h = this.holder.holdTuple(tuple, this.store);
    const r = st.s.add(h, ts);
    // Only input that lands in a window holds the idle flush off: a steady flow of bad or late
    // tuples must not keep the last windows (and their trees) open.
    if (r === 'added') this.idleMs = 0;
    // Not buffered: the tuple object itself is acked or failed below.
    if (r !== 'added') this.store.release(h);
    if (this.w.eventTime && r !== 'full') this.watermark.observe(tuple.sourceTask, tuple.sourceStreamId, ts);
    if (r === 'late') {
      emitLate(this.w, tuple, ts, st.s.now, this.collector);
    } else if (r === 'full') {
      if (!this.fullReported) {
        this.fullReported = true;
        this.collector.reportError(new ComponentError('GALE_ERR_WINDOW_FULL', this.fullMessage()));
      }
      this.collector.fail(tuple);
    } else {
      this.fullReported = false;
    }
  }

  /**
   * The build bounded the spouts' pending trees by maxTuples (window-limits.ts), which holds when
   * each tree brings one tuple here; a bolt in between that emits several per input (words per
   * line) multiplies it, which only shows now: say so, with the numbers.
   */
  private fullMessage(): string {
    const p = this.maxSpoutPending === null ? 'set per spout' : `${this.maxSpoutPending} trees per spout task, unless a spout sets its own`;
    return `windowed bolt "${this.component}" holds maxTuples (${this.w.maxTuples}) tuples; failing new input until windows expire. `
      + `The build checked the spouts' pending trees (maxSpoutPending: ${p}) against maxTuples, but a tree can bring this task several tuples `
      + `(bolts before it emit several per input, e.g. words per line, or the spout emits several per tree: emitTree, FileLineSpout linesPerTree): lower maxSpoutPending so that spout tasks × maxSpoutPending × (tuples per spout tuple here) ≤ maxTuples, `
      + `or raise maxTuples (at most ${MAX_WINDOW_TUPLES})`;
  }

  async cleanup(): Promise<void> {
    await this.inner.cleanup?.();
  }

  private onTick(tick: Tuple): void | Promise<void> {
    const st = this.state;
    if (st.kind === 'count') return;
    const s = st.s;
    if (this.w.eventTime) {
      const elapsedMs = Math.round(Number(tick.values[0]) * 1000);
      this.watermark.tick(elapsedMs);
      this.idleMs += elapsedMs;
      s.advance(tickTarget(this.w, this.watermark, this.idleMs, s.size > 0));
    } else {
      // Ticks carry their period in seconds; processing time moves by whole ticks.
      s.advance(s.now + Math.round(Number(tick.values[0]) * 1000));
    }
    const origin = this.w.eventTime ? 0 : this.origin;
    const loop = (): void | Promise<void> => {
      for (let f = s.next(); f !== undefined; f = s.next()) {
        const p = this.fire(f, origin + f.start, origin + f.end, () => s.evict());
        if (p !== undefined) return p.then(loop);
      }
      this.retire(s.evict());
      return undefined;
    };
    return loop();
  }

  /** Executes one window, then acks what left every window; a promise only if the bolt's execute returned one. */
  private fire(f: Firing<number>, start: number | undefined, end: number | undefined, evict: () => readonly number[]): void | Promise<void> {
    // What this firing reports as expired was retired before it: released once it has executed.
    const expired = this.retired;
    this.retired = [];
    const done = (err?: unknown): void => {
      this.current = undefined;
      this.currentAnchors = undefined;
      if (err !== undefined) {
        this.collector.reportError(err);
        for (const h of f.window) this.failEntry(h);
      }
      for (const h of expired) this.store.release(h);
      for (const h of this.failedNow) this.store.release(h);
      this.failedNow = [];
      this.retire(evict());
    };
    this.current = f;
    let r: void | Promise<void>;
    try {
      r = this.inner.execute(new Window(this, f, start, end), this.out);
    } catch (err) {
      return done(err ?? new Error('windowed execute threw'));
    }
    if (r === undefined || typeof (r as Partial<Promise<void>>).then !== 'function') return done();
    return r.then(() => done(), (err: unknown) => done(err ?? new Error('windowed execute rejected')));
  }

  /** Acks entries that left every window; their values stay readable until the next firing executed. */
  private retire(gone: readonly number[]): void {
    for (const h of gone) {
      this.holder.ackEntry(this.store, h);
      this.retired.push(h);
    }
  }

  /** The Tuple objects of entries: each entry's view, built on first use and kept as the entry. */
  tuplesOf(hs: readonly number[]): readonly Tuple[] {
    const views = this.store.views;
    const out = new Array<Tuple>(hs.length);
    for (let k = 0; k < hs.length; k++) {
      const h = hs[k]!;
      out[k] = views[h] ??= this.holder.viewOf(this.store, h);
    }
    return out;
  }

  emitEntries(streamId: string, values: Values, hs: readonly number[]): void {
    this.holder.emitEntries(streamId, values, this.store, hs);
  }

  private failOne(tuple: Tuple): void {
    const h = this.store.views.indexOf(tuple);
    if (h >= 0) this.failEntry(h);
  }

  /** The bolt stops here (drain, or its executor moved away): every buffered entry fails now and leaves every window. */
  [FAIL_HELD_INPUTS](): number {
    if (this.state === undefined) return 0; // never prepared: holds nothing
    const all = this.state.s.takeAll();
    for (const h of all) this.dropFailed(h);
    // Emits of an execute in flight must not anchor to failed entries (GALE_ERR_ANCHOR_DONE): all of its window failed.
    if (all.length > 0 && this.current !== undefined) this.currentAnchors = NO_ENTRIES;
    return all.length;
  }

  /** Fails a buffered entry now and drops it from every window (no-op when it is not buffered). */
  private failEntry(h: number): void {
    if (!this.state.s.remove(h)) return;
    this.dropFailed(h);
    // Later emits of this execute must not anchor to a failed entry (GALE_ERR_ANCHOR_DONE).
    if (this.current === undefined) return;
    const anchors = this.windowAnchors();
    if (anchors.includes(h)) this.currentAnchors = anchors.filter((x) => x !== h);
  }

  /** Entry `h`, removed from the windows: fail it, and release it (after the execute in flight, whose lists may show it). */
  private dropFailed(h: number): void {
    this.holder.failEntry(this.store, h);
    if (this.current === undefined) {
      this.store.release(h);
      return;
    }
    // The lists of the running execute may still show it: released when the execute is over.
    this.failedNow.push(h);
  }

  private windowAnchors(): readonly number[] {
    return this.currentAnchors ?? this.current?.window ?? NO_ENTRIES;
  }
}
