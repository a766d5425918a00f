import { DataError, TopologyError } from '../../errors.js';
import type { OutputCollector, OutputFieldsDeclarer, Tuple, Values } from '../types.js';
import type { WatermarkTracker } from './watermark.js';
import { WINDOW_INVALID_FIELDS, WINDOW_LATE_FIELDS, type ResolvedWindow } from './window-spec.js';

/*
 * Reading a tuple's event time, shared by the tuple window (windowed-bolt-executor.ts) and the
 * event-time panes (event-pane-window-executor.ts), so that both treat the same tuples as bad data
 * in the same way.
 */

/**
 * The largest |event time| accepted: the Date range, 8.64e15 ms. Beyond it a timestamp is almost
 * surely in µs or ns, and the window arithmetic (pane index = ts / slide, ends stepped by the
 * slide) stops being exact near 2^53, where `i++` and `end += slide` no longer change a number.
 */
export const MAX_EVENT_TIME_MS = 8.64e15;

/**
 * Event time of a tuple, or undefined when it cannot be read: then the tuple is bad data, not a
 * transient failure, so it is not failed (its spout would replay it forever, each replay as bad
 * as the first): it is emitted on the invalid stream (fields WINDOW_INVALID_FIELDS, anchored to
 * it) and acked, and a DataError naming the bolt, the field and the value is reported (counted,
 * kept for `gale status`, logged as one rate-limited line).
 */
export function eventTimeOf(w: ResolvedWindow, component: string, tuple: Tuple, collector: OutputCollector): number | undefined {
  const reject = (why: string): undefined => {
    collector.reportError(new DataError('GALE_ERR_WINDOW_TIMESTAMP', `windowed bolt "${component}": ${why}; the tuple is emitted on stream "${w.invalidStream}" and acked`));
    collector.emitStream(w.invalidStream, invalidRow(tuple, why), tuple);
    collector.ack(tuple);
    return undefined;
  };
  let ts: unknown;
  let what: string;
  if (w.timestampField !== undefined) {
    what = `field "${w.timestampField}"`;
    const i = tuple.fields.fieldIndex(w.timestampField);
    if (i < 0) return reject(`${what} is missing from tuples of "${tuple.sourceComponent}"/"${tuple.sourceStreamId}" (fields ${tuple.fields})`);
    ts = tuple.values[i];
  } else {
    what = 'the timestamp extractor';
    try {
      ts = w.timestampOf!(tuple);
    } catch (err) {
      return reject(`${what} threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return reject(`${what} gave ${describeValue(ts)}, not a finite number of epoch ms`);
  if (Math.abs(ts) > MAX_EVENT_TIME_MS) {
    return reject(`${what} gave ${ts.toPrecision(4)}, beyond epoch milliseconds (|ts| <= 8.64e15, the Date range): microseconds or nanoseconds? `
      + 'convert to ms in a timestamp extractor, e.g. timestamp: (t) => Number(t.getValueByField("ts")) / 1e6 for ns');
  }
  return ts;
}

/**
 * The row of an invalid stream (fields WINDOW_INVALID_FIELDS: `[sourceComponent, sourceStream,
 * values, reason]`) for a tuple whose data cannot be used: the windows' bad timestamps, and the kit
 * bolts' bad data, so one subscriber takes both.
 */
export function invalidRow(tuple: Tuple, reason: string): Values {
  return [tuple.sourceComponent, tuple.sourceStreamId, [...tuple.values], reason];
}

/**
 * A bad value as an error message or an invalid row's reason shows it: JSON where it has one,
 * cut at 100 characters (`"noon"`, `null`), else `NaN`, `undefined`, `12n`, `a object` (a cycle);
 * never throws (a BigInt or a cycle would in JSON).
 */
export function describeValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || v === undefined) return typeof v === 'bigint' ? `${v}n` : String(v);
  try {
    const text = JSON.stringify(v);
    if (text !== undefined) return text.length > 100 ? `${text.slice(0, 100)}...` : text;
  } catch {
    // a cycle: fall through
  }
  return `a ${typeof v}`;
}

/** The row a too-late tuple is emitted with on the late stream (fields WINDOW_LATE_FIELDS), anchored to it; then it is acked. */
export function emitLate(w: ResolvedWindow, tuple: Tuple, ts: number, watermark: number, collector: OutputCollector): void {
  collector.emitStream(w.lateStream, [tuple.sourceComponent, tuple.sourceStreamId, [...tuple.values], ts, watermark], tuple);
  collector.ack(tuple);
}

/**
 * Where one tick moves the event-time clock: the watermark, or, once the input has been silent for
 * `idleFlushMs` while windows hold inputs, past every one of them and their lateness (they all end
 * by newest + length): the last windows of a finished input fire and their inputs are acked. One
 * target, one advance per tick (the states fire every window up to it, however they are advanced).
 */
export function tickTarget(w: ResolvedWindow, watermark: WatermarkTracker, idleMs: number, holding: boolean): number {
  const wm = watermark.current();
  if (w.idleFlushMs === undefined || idleMs < w.idleFlushMs || !holding) return wm;
  return Math.max(wm, watermark.newest() + w.length + w.allowedLatenessMs);
}

/**
 * Declares the streams gale adds to an event-time windowed bolt (late and invalid tuples), after
 * the bolt's own: a bolt that declares one of their ids itself is told which key renames ours.
 */
export function declareEventTimeStreams(w: ResolvedWindow, declarer: OutputFieldsDeclarer): void {
  const add = (stream: string, fields: readonly string[], key: 'lateStream' | 'invalidStream'): void => {
    try {
      declarer.declareStream(stream, fields);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new TopologyError('GALE_ERR_BAD_WINDOW', `${why}: its event-time window declares "${stream}" for its ${key === 'lateStream' ? 'late' : 'invalid'} tuples (fields ${fields.join(', ')}); rename the bolt's own stream or set the window's ${key}`, { cause: err });
    }
  };
  add(w.lateStream, WINDOW_LATE_FIELDS, 'lateStream');
  add(w.invalidStream, WINDOW_INVALID_FIELDS, 'invalidStream');
}
