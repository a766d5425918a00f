import type { Fields } from '../fields.js';
import type { BoltInput, BoltWiring, OutputFieldsDeclarer, TopologyContext, Tuple, Values } from '../types.js';
import type { WindowSpec } from './window-spec.js';

/** The tuples of one window evaluation, as Storm's `TupleWindow`. */
export interface TupleWindow {
  /** Every tuple in the window, in timestamp (event time) or arrival order. */
  get(): readonly Tuple[];
  /** Tuples in this window that no earlier evaluation delivered. */
  getNew(): readonly Tuple[];
  /**
   * Tuples that left every window since the previous evaluation. They are already acked:
   * read them, do not anchor to them.
   */
  getExpired(): readonly Tuple[];
  /** Start of the window, inclusive: epoch ms for event time, processing-time ms for duration windows; undefined for count windows. */
  readonly startTimestamp: number | undefined;
  /** End of the window, exclusive (same clock as {@link startTimestamp}). */
  readonly endTimestamp: number | undefined;
  /**
   * gale extension: the same tuples as entry numbers, for a bolt that aggregates values and never
   * needs the Tuple objects (see {@link WindowEntries}). Always set by gale's window; optional so
   * that a hand-built TupleWindow (a unit test's) need not provide it.
   */
  readonly entries?: WindowEntries;
}

/**
 * A window's tuples as entry numbers (gale extension of Storm's TupleWindow). A window keeps its
 * tuples as compact entries (values plus an ack record in a typed array) and builds a Tuple
 * object for one only when `get()`, `getNew()` or `getExpired()` hands it out; a bolt that reads
 * only values (an incremental count) and anchors by entry keeps the window free of objects the
 * garbage collector has to copy for the window's whole length (docs/windowing.md). An entry
 * number is valid during the execute it was handed to; one of `expired()` only for its values.
 */
export interface WindowEntries {
  /** Entries of `get()`, same order. */
  all(): readonly number[];
  /** Entries of `getNew()`, same order. */
  fresh(): readonly number[];
  /** Entries of `getExpired()`, same order (already acked: read their values, do not anchor to them). */
  expired(): readonly number[];
  /** The entry's values (as its tuple's `values`). */
  values(entry: number): readonly unknown[];
  /** The entry's fields (as its tuple's `fields`). */
  fields(entry: number): Fields;
  /** Emits on `streamId` (default stream when omitted) anchored to these entries, as an emit anchored to their tuples. */
  emit(values: Values, anchors: readonly number[], streamId?: string): void;
}

/**
 * Collector of a {@link WindowedBolt}. Emits are anchored to the current window's tuples unless
 * `anchors` narrow them; inputs are acked by the window when they leave every window.
 */
export interface WindowedOutputCollector {
  emit(values: Values, anchors?: readonly Tuple[]): void;
  emitStream(streamId: string, values: Values, anchors?: readonly Tuple[]): void;
  /** Fails one window tuple now (its tree fails; the spout may replay it) and drops it from every window. */
  fail(tuple: Tuple): void;
  reportError(error: unknown): void;
}

type MaybePromise<T> = T | Promise<T>;

/** One subscription of a windowed bolt, as `build()` shows it to {@link WindowedBolt.checkInputs}. */
export type WindowedBoltInput = BoltInput;

/** The windowed bolt itself, as `build()` shows it to {@link WindowedBolt.checkInputs}. */
export type WindowedBoltWiring = BoltWiring;

/**
 * A bolt that sees windows of tuples instead of single tuples (Storm's `IWindowedBolt`).
 * Register it with `builder.setBolt(id, bolt)` like any bolt: the builder wraps it in an
 * ordinary bolt that buffers, ticks and acks. See docs/windowing.md.
 */
export interface WindowedBolt {
  /** Brand that tells the builder to wrap this bolt; {@link BaseWindowedBolt} sets it. */
  readonly windowed: true;
  readonly window: WindowSpec;
  declareOutputFields(declarer: OutputFieldsDeclarer): void;
  /**
   * Optional check of the wiring at `build()`, once the subscriptions themselves are valid: a
   * bolt that reads fields by name (a join) refuses a topology that cannot feed it by throwing
   * a `TopologyError`, before anything runs.
   */
  checkInputs?(wiring: WindowedBoltWiring): void;
  prepare?(context: TopologyContext, collector: WindowedOutputCollector): MaybePromise<void>;
  /**
   * Called once per window evaluation (at most one at a time). Throwing (or rejecting) fails
   * every tuple of `window.get()` and reports the error.
   */
  execute(window: TupleWindow, collector: WindowedOutputCollector): MaybePromise<void>;
  cleanup?(): MaybePromise<void>;
  /**
   * gale extension, optional: the bolt's result per window is a sum of per-pane aggregates
   * ({@link PaneAggregator}). When this returns one and the window is a duration window
   * (processing or event time) whose length is a multiple of its slide, the window keeps per pane
   * (a slide-long bucket) only the aggregate and the held acks of its inputs, merged per tree, and
   * calls the aggregator instead of {@link execute}: no tuple is kept, and emits are unanchored
   * (docs/windowing.md "Panes"). Otherwise the window buffers tuples and calls `execute`.
   */
  panes?(): PaneAggregator<unknown> | undefined;
}

/**
 * The panes of one window evaluation (gale extension, see {@link WindowedBolt.panes}), oldest
 * first; each list is empty when there is none. Panes without input are never handed out. With
 * event time a pane that gained inputs after an evaluation delivered it is handed out as several
 * aggregates (one per run of inputs between evaluations), so that `fresh()` holds only what is new;
 * and with `allowedLatenessMs` an older window can be evaluated again after a newer one, so an
 * evaluation is not always the previous one plus `fresh()` minus `expired()`.
 */
export interface PaneWindow<P> {
  /** The window's panes. */
  all(): readonly P[];
  /** Its panes that no earlier evaluation delivered. */
  fresh(): readonly P[];
  /** Panes that left every window since the previous evaluation (their inputs are acked already). */
  expired(): readonly P[];
  /** Start of the window, inclusive (epoch ms of processing or event time). */
  readonly startTimestamp: number;
  /** End of the window, exclusive. */
  readonly endTimestamp: number;
}

/**
 * An incremental aggregate over panes (Flink's incremental window aggregation), for
 * {@link WindowedBolt.panes}. A pane is the aggregate of the inputs of one slide of processing
 * time (of arrival) or event time (of timestamps); a window is the panes of its length.
 */
export interface PaneAggregator<P> {
  /** A new, empty pane. */
  createPane(): P;
  /**
   * Adds one input to its pane. Throwing fails that input (its spout may replay it) and reports
   * the error; it must then leave the pane unchanged (check before updating): whatever it had
   * counted would be counted again when the replayed input arrives. The input itself must not be kept.
   */
  add(pane: P, tuple: Tuple): void;
  /**
   * One window evaluation (at most one at a time). Emits through `collector` are unanchored unless
   * given `anchors`. It may be async: the next evaluation, and the acks of the pane that leaves
   * with this window, wait for the promise. Throwing (or rejecting) reports the error, fails the
   * inputs of every pane of `window.all()` and drops those panes from every window (later
   * evaluations no longer show them, in `all()` or `expired()`): an aggregator keeping running
   * totals across evaluations must rebuild them from `all()` at the next one.
   */
  execute(window: PaneWindow<P>, collector: WindowedOutputCollector): void | Promise<void>;
}

/**
 * Convenience base for windowed bolts: pass the window spec to the constructor.
 * ```ts
 * class Sum extends BaseWindowedBolt {
 *   constructor() { super(slidingWindow(Duration.ofSeconds(10), Duration.ofSeconds(1))); }
 *   declareOutputFields(d: OutputFieldsDeclarer) { d.declare(['sum']); }
 *   execute(w: TupleWindow, c: WindowedOutputCollector) { c.emit([w.get().reduce((s, t) => s + t.getNumberByField('n'), 0)]); }
 * }
 * ```
 */
export abstract class BaseWindowedBolt implements WindowedBolt {
  readonly windowed = true as const;
  protected context!: TopologyContext;
  protected collector!: WindowedOutputCollector;

  constructor(readonly window: WindowSpec) {}

  abstract declareOutputFields(declarer: OutputFieldsDeclarer): void;
  abstract execute(window: TupleWindow, collector: WindowedOutputCollector): MaybePromise<void>;

  prepare(context: TopologyContext, collector: WindowedOutputCollector): MaybePromise<void> {
    this.context = context;
    this.collector = collector;
  }
  cleanup(): MaybePromise<void> {}
}

/** True for objects that declare themselves windowed bolts. */
export function isWindowedBolt(x: unknown): x is WindowedBolt {
  return typeof x === 'object' && x !== null && (x as Partial<WindowedBolt>).windowed === true && typeof (x as Partial<WindowedBolt>).execute === 'function';
}
