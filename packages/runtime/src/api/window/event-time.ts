import { ComponentError } from '../../errors.js';
import type { OutputCollector, Tuple } from '../types.js';
import type { WatermarkTracker } from './watermark.js';
import type { ResolvedWindow } from './window-spec.js';

/*
 * Reading a tuple's event time, shared by the tuple window (windowed-bolt-executor.ts) and the
 * event-time panes (event-pane-window-executor.ts), so that both fail the same tuples with the
 * same error.
 */

/**
 * The largest |event time| accepted: the Date range, 8.64e15 ms. Beyond it a timestamp is almost
 * surely in µs or ns, and the window arithmetic (pane index = ts / slide, ends stepped by the
 * slide) stops being exact near 2^53, where `i++` and `end += slide` no longer change a number.
 */
export const MAX_EVENT_TIME_MS = 8.64e15;

/** Event time of a tuple, or undefined after failing it with an error naming the bolt and the field. */
export function eventTimeOf(w: ResolvedWindow, component: string, tuple: Tuple, collector: OutputCollector): number | undefined {
  const reject = (why: string): undefined => {
    collector.reportError(new ComponentError('GALE_ERR_WINDOW_TIMESTAMP', `windowed bolt "${component}": ${why}; tuple failed`));
    collector.fail(tuple);
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
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return reject(`${what} gave ${JSON.stringify(ts)}, not a finite number of epoch ms`);
  if (Math.abs(ts) > MAX_EVENT_TIME_MS) {
    return reject(`${what} gave ${ts.toPrecision(4)}, beyond epoch milliseconds (|ts| <= 8.64e15, the Date range): microseconds or nanoseconds? `
      + 'convert to ms in a timestamp extractor, e.g. timestamp: (t) => Number(t.getValueByField("ts")) / 1e6 for ns');
  }
  return ts;
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
