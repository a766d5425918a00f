import {
  TopologyError, WINDOW_INVALID_FIELDS, WINDOW_INVALID_STREAM, type OutputFieldsDeclarer,
} from '@gale/runtime';
import { badOption } from './errors.js';

/*
 * The kit bolts' stream for bad input data, laid out as the event-time windows' invalid stream
 * (docs/windowing.md): a tuple whose data a bolt cannot use (a CountBolt amount that is not a
 * number, a HINCRBY increment that is not an integer, a join key that is null) is not failed (its
 * spout would replay the same data forever) but emitted there, anchored to it, and acked, and a
 * DataError is reported (one rate-limited log line, no stack).
 */

// Its rows are the runtime's `invalidRow(tuple, reason)`; bad values are shown with `describeValue`.

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
