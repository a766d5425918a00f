import {
  BaseWindowedBolt, ComponentError, type BoltWiring, type Fields, type OutputFieldsDeclarer, type PaneAggregator, type Tuple, type TupleWindow, type WindowEntries, type WindowSpec,
  type WindowedOutputCollector,
} from '@gale/runtime';
import { badOption } from '../errors.js';
import { FieldReader } from '../field-reader.js';
import { requireInputFields } from '../wiring-check.js';
import { PaneCounts } from './pane-counts.js';
import { RunningCounts } from './running-counts.js';

/**
 * What each output row of a {@link WindowedCountBolt} is anchored to (see the class comment for
 * the replay guarantee of each).
 */
export type WindowedCountAnchor = 'key-tuples' | 'new-tuples' | 'none';

/** Options of {@link WindowedCountBolt}. */
export interface WindowedCountBoltOptions {
  /** The window (sliding or tumbling, count or duration, processing or event time). */
  window: WindowSpec;
  /** Input field whose values are counted (default `word`). */
  keyField?: string;
  /** Names of the four output fields (default `[keyField, 'count', 'windowStart', 'windowEnd']`). */
  outputFields?: readonly [string, string, string, string];
  /**
   * `'key-tuples'` (default): each row is anchored to every tuple of its key in the window.
   * `'new-tuples'`: only to its key's tuples new in this window; cheaper for sliding windows,
   * with a weaker replay guarantee (see {@link WindowedCountBolt}).
   * `'none'`: rows are unanchored; a duration window (processing or event time) whose length is a
   * multiple of its slide then counts in panes and keeps no tuple (the cheapest; see {@link WindowedCountBolt}).
   */
  anchor?: WindowedCountAnchor;
}

const NO_ANCHORS: readonly never[] = Object.freeze([]);

const ANCHORS: readonly WindowedCountAnchor[] = ['key-tuples', 'new-tuples', 'none'];

/**
 * Counts each value of `keyField` over every window and emits `[key, count, windowStart,
 * windowEnd]` per key present in the window (window bounds in ms; `null` for count windows).
 * Subscribe with `fieldsGrouping(source, [keyField])` for per-key totals across tasks. The rows of
 * one window come in the order their keys entered the window's running counts (for a tumbling
 * window: first occurrence); do not rely on it.
 *
 * Counts are kept incrementally: each evaluation adds `getNew()` and subtracts `getExpired()`,
 * so a tuple costs O(1) per window it is in rather than a regrouping of the whole window every
 * slide. Event-time windows with `allowedLatenessMs > 0` fire windows again and regroup `get()`
 * (in panes: sum `all()`) each time instead (their windows are not "previous + new - expired").
 * The rows are the same.
 *
 * Anchoring, and what a row failing (or timing out) downstream does; in every mode an input is
 * acked by the window only once it has left every window it belongs to:
 * - `'key-tuples'` (default): a row is anchored to all its key's tuples in that window. An input's
 *   spout sees `ack` only once every row that counted it was fully processed downstream; a row
 *   that fails fails the trees of all its key's tuples in that window (their spouts may replay
 *   them). Anchoring costs O(length / slide) edges per tuple.
 * - `'new-tuples'`: a row is anchored only to its key's tuples that are new in that window
 *   (`getNew()`); a row whose key has no new tuple is emitted unanchored. An input's spout sees
 *   `ack` only once the row of the **first** window that counted it was fully processed
 *   downstream (if that row fails, the input's tree fails and the spout may replay it). Rows of
 *   the later windows counting it guarantee nothing: if one fails or times out downstream,
 *   nothing is failed or replayed. One anchor per tuple. For tumbling windows every tuple is new
 *   in its only window, so these two modes give the same guarantee.
 * - `'none'`: rows are unanchored. An input is acked once it has left every window, whatever
 *   becomes of the rows downstream: a row failing downstream fails and replays nothing (an input
 *   lost before it left its windows, in a crash, still times out and is replayed). For a
 *   duration window (processing or event time) whose length is a multiple of its slide the
 *   window then runs in **panes** ({@link WindowedBolt.panes}): each slide's inputs are counted
 *   per key and their acks held merged per tree, no tuple is kept, and a window's counts are the
 *   sum of its panes. Other windows (count, a slide that does not divide the length) buffer
 *   their tuples as in the other modes, and only the anchoring changes.
 *
 * ```ts
 * builder.setBolt('per-minute', new WindowedCountBolt({ window: tumblingWindow(Duration.ofMinutes(1), { timestamp: 'ts' }), keyField: 'status' }), 2)
 *   .fieldsGrouping('parse', ['status']);
 * ```
 */
export class WindowedCountBolt extends BaseWindowedBolt {
  private readonly keyField: string;
  private readonly outputFields: readonly [string, string, string, string];
  private readonly anchor: WindowedCountAnchor;
  /** Whether every window is the previous one plus its new minus its expired tuples. */
  private readonly incremental: boolean;
  private key: FieldReader | undefined;
  /** Over the window's entry numbers (no Tuple objects kept), or over Tuples for a window without entries. */
  private counts: RunningCounts<number> | undefined;
  private tupleCounts: RunningCounts<Tuple> | undefined;
  /** Field position of `keyField` per input stream's Fields, for reading entries. */
  private readonly keyIndex = new Map<Fields, number>();
  /** The counts may not match the window (an execute threw): rebuild them from `get()`. */
  private stale = false;

  constructor(options: WindowedCountBoltOptions) {
    super(options?.window);
    this.keyField = options.keyField ?? 'word';
    if (typeof this.keyField !== 'string' || this.keyField === '') throw badOption(`WindowedCountBolt keyField must be a non-empty string, got ${JSON.stringify(this.keyField)}`);
    this.outputFields = options.outputFields ?? [this.keyField, 'count', 'windowStart', 'windowEnd'];
    if (!Array.isArray(this.outputFields) || this.outputFields.length !== 4) {
      throw badOption(`WindowedCountBolt outputFields must name exactly four fields (key, count, windowStart, windowEnd), got ${JSON.stringify(this.outputFields)}`);
    }
    this.anchor = options.anchor ?? 'key-tuples';
    if (!ANCHORS.includes(this.anchor)) throw badOption(`WindowedCountBolt anchor must be one of ${ANCHORS.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(options.anchor)}`);
    this.incremental = !((options.window?.allowedLatenessMs ?? 0) > 0);
  }

  /** A key field an input does not declare is refused at build() (not failed per window). */
  checkInputs(wiring: BoltWiring): void {
    requireInputFields('WindowedCountBolt', wiring, [{ option: 'keyField', field: this.keyField }]);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(this.outputFields);
  }

  /** With `anchor: 'none'`, counts per pane where the window allows it (the runtime decides). */
  panes(): PaneAggregator<unknown> | undefined {
    if (this.anchor !== 'none') return undefined;
    return new PaneCounts(new FieldReader(this.keyField), !this.incremental) as PaneAggregator<unknown>;
  }

  execute(window: TupleWindow, collector: WindowedOutputCollector): void {
    const key = (this.key ??= new FieldReader(this.keyField));
    if (!this.incremental) return this.regroup(window, collector, key);
    const start = window.startTimestamp ?? null;
    const end = window.endTimestamp ?? null;
    const byKey = this.anchor === 'key-tuples';
    const e = window.entries;
    try {
      if (e !== undefined) {
        const counts = (this.counts ??= new RunningCounts<number>(byKey, (h) => this.keyOfEntry(e, h)));
        if (this.stale) counts.rebuild(e.all(), e.fresh());
        else counts.update(e.expired(), e.fresh());
        this.stale = false;
        for (const [k, run] of counts.runs) e.emit([k, run.count, start, end], byKey ? run.tuples! : this.anchor === 'none' ? NO_ANCHORS : counts.freshOf(run));
      } else {
        const counts = (this.tupleCounts ??= new RunningCounts<Tuple>(byKey, (t) => key.read(t)));
        if (this.stale) counts.rebuild(window.get(), window.getNew());
        else counts.update(window.getExpired(), window.getNew());
        this.stale = false;
        for (const [k, run] of counts.runs) collector.emit([k, run.count, start, end], byKey ? run.tuples! : this.anchor === 'none' ? NO_ANCHORS : counts.freshOf(run));
      }
    } catch (err) {
      // The window fails this evaluation's tuples out of every window: start over from get().
      this.stale = true;
      throw err;
    }
  }

  /** The key of an entry: its `keyField` value, the field's position resolved once per input stream. */
  private keyOfEntry(e: WindowEntries, h: number): unknown {
    const fields = e.fields(h);
    let i = this.keyIndex.get(fields);
    if (i === undefined) {
      i = fields.fieldIndex(this.keyField);
      // As the runtime's getValueByField on such a tuple.
      if (i < 0) throw new ComponentError('GALE_ERR_UNKNOWN_FIELD', `WindowedCountBolt: an input tuple has no field "${this.keyField}"; fields are ${fields}`);
      this.keyIndex.set(fields, i);
    }
    return e.values(h)[i];
  }

  /** Counts by regrouping the whole window (windows that fire again, with allowed lateness). */
  private regroup(window: TupleWindow, collector: WindowedOutputCollector, key: FieldReader): void {
    const byKey = new Map<unknown, Tuple[]>();
    for (const t of window.get()) {
      const k = key.read(t);
      const list = byKey.get(k);
      if (list === undefined) byKey.set(k, [t]);
      else list.push(t);
    }
    let fresh: Map<unknown, Tuple[]> | undefined;
    if (this.anchor !== 'key-tuples') {
      fresh = new Map();
      for (const t of window.getNew()) {
        const k = key.read(t);
        const list = fresh.get(k);
        if (list === undefined) fresh.set(k, [t]);
        else list.push(t);
      }
    }
    const start = window.startTimestamp ?? null;
    const end = window.endTimestamp ?? null;
    for (const [k, tuples] of byKey) collector.emit([k, tuples.length, start, end], fresh === undefined ? tuples : this.anchor === 'none' ? NO_ANCHORS : (fresh.get(k) ?? []));
  }
}
