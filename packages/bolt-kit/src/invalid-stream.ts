import {
  TopologyError, WINDOW_INVALID_FIELDS, WINDOW_INVALID_STREAM, type OutputFieldsDeclarer, type Tuple, type Values,
} from '@gale/runtime';
import { badOption } from './errors.js';

/*
 * The kit bolts' stream for bad input data, laid out as the event-time windows' invalid stream
 * (docs/windowing.md): a tuple whose data a bolt cannot use (a CountBolt amount that is not a
 * number, a HINCRBY increment that is not an integer, a join key that is null) is not failed (its
 * spout would replay the same data forever) but emitted there, anchored to it, and acked, and a
 * DataError is reported (one rate-limited log line, no stack).
 */

/** Default id of a kit bolt's invalid stream: the windows' `invalid`, so one subscription serves both. */
export const INVALID_STREAM = WINDOW_INVALID_STREAM;

/** Fields of the invalid stream: `[sourceComponent, sourceStream, values, reason]`, as the windows' rows. */
export const INVALID_FIELDS: readonly string[] = WINDOW_INVALID_FIELDS;

/** The `invalidStream` option of `who`, validated: a non-empty stream id not starting with `__`. */
export function invalidStreamOption(who: string, v: unknown): string {
  const s = v ?? INVALID_STREAM;
  if (typeof s !== 'string' || s === '' || s.startsWith('__')) throw badOption(`${who} invalidStream must be a non-empty stream id not starting with "__", got ${JSON.stringify(s)}`);
  return s;
}

/** The row a bad tuple is emitted with on the invalid stream. */
export function invalidRow(t: Tuple, reason: string): Values {
  return [t.sourceComponent, t.sourceStreamId, [...t.values], reason];
}

/**
 * Declares the invalid stream after the bolt's own streams; a clash with one of them is a build
 * error naming the option that renames it (as the windows' `GALE_ERR_BAD_WINDOW`).
 */
export function declareInvalidStream(who: string, stream: string, declarer: OutputFieldsDeclarer): void {
  try {
    declarer.declareStream(stream, INVALID_FIELDS);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TopologyError('GALE_ERR_BAD_OPTION', `${why}: ${who} declares "${stream}" for its invalid tuples (fields ${INVALID_FIELDS.join(', ')}); rename the bolt's own stream or set its invalidStream option`, { cause: err });
  }
}

/** A value for an error message or a reason: JSON where it has one (a bigint or a cycle has none), cut at 100 characters. */
export function shown(v: unknown): string {
  if (typeof v === 'number' || v === undefined) return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  try {
    const text = JSON.stringify(v);
    if (text !== undefined) return text.length > 100 ? `${text.slice(0, 100)}...` : text;
  } catch {
    // a cycle: fall through
  }
  return `a ${typeof v}`;
}
