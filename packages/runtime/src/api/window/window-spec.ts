import { TopologyError } from '../../errors.js';
import type { Tuple } from '../types.js';

/** A window length or sliding interval: a number of tuples, or a span of time in milliseconds. */
export type WindowLength =
  | { readonly kind: 'count'; readonly count: number }
  | { readonly kind: 'duration'; readonly ms: number };

/** Count-based lengths: `Count.of(100)` is a window of the last 100 tuples. */
export const Count = Object.freeze({
  of(count: number): WindowLength {
    return Object.freeze({ kind: 'count', count });
  },
});

/** Time-based lengths: `Duration.ofSeconds(10)`. Stored in milliseconds. */
export const Duration = Object.freeze({
  ofMillis(ms: number): WindowLength {
    return Object.freeze({ kind: 'duration', ms });
  },
  ofSeconds(s: number): WindowLength {
    return Object.freeze({ kind: 'duration', ms: s * 1000 });
  },
  ofMinutes(m: number): WindowLength {
    return Object.freeze({ kind: 'duration', ms: m * 60_000 });
  },
});

/** Reads a tuple's event time (epoch ms): a field name, or a function of the tuple. */
export type TimestampSource = string | ((tuple: Tuple) => number);

/**
 * How a windowed bolt groups its input. Length and slide are both counts or both durations;
 * without `slide` the window tumbles (slide = length). With `timestamp` the window runs on
 * **event time** (durations only), otherwise on **processing time** (ticks) or tuple counts.
 */
export interface WindowSpec {
  readonly length: WindowLength;
  /** Sliding interval; omitted: a tumbling window. */
  readonly slide?: WindowLength;
  /** Event time: the field (or extractor) holding each tuple's timestamp in epoch ms. */
  readonly timestamp?: TimestampSource;
  /** Event time: how far behind the newest timestamp seen the watermark stays (max out-of-orderness). Default 0. */
  readonly maxLagMs?: number;
  /** Event time: how long (in event time) a fired window still accepts late tuples and fires again. Default 0. */
  readonly allowedLatenessMs?: number;
  /** Event time: the watermark advances this often (a tick period). Default 1000. */
  readonly watermarkIntervalMs?: number;
  /** Stream on which tuples too late for every window are emitted (event time). Default {@link WINDOW_LATE_STREAM}. */
  readonly lateStream?: string;
  /**
   * Stream on which tuples whose event time cannot be read (missing, not a finite number, beyond
   * epoch ms, or the extractor threw) are emitted, then acked: bad data is not replayed (event
   * time). Default {@link WINDOW_INVALID_STREAM}.
   */
  readonly invalidStream?: string;
  /**
   * Event time: after this long (processing time) without an input tuple, the watermark jumps
   * past every window holding a tuple, so the last windows of a finished (or paused) input fire
   * instead of waiting for a newer timestamp that may never come (Flink's end-of-input
   * watermark). Tuples that arrive later for those windows are late. Default: off.
   */
  readonly idleFlushMs?: number;
  /**
   * Event time: how long (processing time, at least `watermarkIntervalMs`) the watermark waits
   * for an upstream task that is behind the others and silent, including one that has not sent
   * anything yet, before leaving it out of the watermark until it sends again. Until then the
   * watermark is the minimum over **every** upstream task of every subscribed stream
   * (`TopologyContext.thisSources()`), so the first task to send cannot make the others'
   * early tuples late. Default {@link DEFAULT_WINDOW_IDLE_INPUT_MS} or two watermark
   * intervals, whichever is longer.
   */
  readonly idleInputMs?: number;
  /** Most tuples one task keeps buffered; more are failed with `GALE_ERR_WINDOW_FULL`. Default {@link DEFAULT_WINDOW_MAX_TUPLES}. */
  readonly maxTuples?: number;
  /**
   * Processing time: the epoch ms of the task's time 0, read once in `prepare` (default
   * `Date.now`); after that processing time moves only with ticks. Tests pass `() => 0`.
   */
  readonly epochClock?: () => number;
}

/** Default stream of late tuples; declared automatically on event-time windowed bolts. */
export const WINDOW_LATE_STREAM = 'late';
/**
 * Fields of the late stream: where the tuple came from, its values, its event time and the
 * watermark it missed.
 */
export const WINDOW_LATE_FIELDS: readonly string[] = Object.freeze(['sourceComponent', 'sourceStream', 'values', 'timestamp', 'watermark']);
/** Default stream of tuples whose event time cannot be read; declared automatically on event-time windowed bolts. */
export const WINDOW_INVALID_STREAM = 'invalid';
/** Fields of the invalid stream: where the tuple came from, its values, and why its event time could not be read. */
export const WINDOW_INVALID_FIELDS: readonly string[] = Object.freeze(['sourceComponent', 'sourceStream', 'values', 'reason']);
/**
 * Default `idleInputMs` (ms): an upstream task silent this long while the others moved on no
 * longer holds the watermark. Long enough for a windowed upstream (which sends only when its own
 * windows fire, on its own ticks) or a remote worker to catch up; short enough that a task which
 * never sends (e.g. a fields grouping that routes no key to this task) delays the first windows
 * by seconds, not forever.
 */
export const DEFAULT_WINDOW_IDLE_INPUT_MS = 5000;
/** Default buffer cap per windowed task (tuples). */
export const DEFAULT_WINDOW_MAX_TUPLES = 100_000;
/** Highest `maxTuples` accepted: about 1,000,000 × (~100 bytes of bookkeeping + the tuple). */
export const MAX_WINDOW_TUPLES = 1_000_000;
/** Smallest tick period a duration window may need (its length and slide must share a divisor this large). */
export const MIN_WINDOW_TICK_MS = 10;

/** A validated {@link WindowSpec}. Internal: what the window engine runs on. */
export interface ResolvedWindow {
  readonly by: 'count' | 'duration';
  /** Tuples (count) or ms (duration). */
  readonly length: number;
  readonly slide: number;
  readonly tumbling: boolean;
  readonly eventTime: boolean;
  readonly timestampField: string | undefined;
  readonly timestampOf: ((tuple: Tuple) => number) | undefined;
  readonly maxLagMs: number;
  readonly allowedLatenessMs: number;
  /** Tick period in ms; undefined for count windows (they need no ticks). */
  readonly tickMs: number | undefined;
  readonly lateStream: string;
  readonly invalidStream: string;
  readonly maxTuples: number;
  readonly epochClock: () => number;
  /** Event time: idle processing time after which the watermark jumps past the buffered tuples; undefined: never. */
  readonly idleFlushMs: number | undefined;
  /** Event time: how long a silent upstream task that is behind holds the watermark (ms). */
  readonly idleInputMs: number;
}

function bad(component: string, message: string): TopologyError {
  return new TopologyError('GALE_ERR_BAD_WINDOW', `windowed bolt "${component}": ${message}`);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function checkLength(component: string, what: string, l: unknown): WindowLength {
  const v = l as Partial<{ kind: string; count: unknown; ms: unknown }> | null;
  if (typeof v !== 'object' || v === null) throw bad(component, `${what} must be Count.of(n) or Duration.ofSeconds(s), got ${JSON.stringify(l)}`);
  if (v.kind === 'count') {
    if (!Number.isInteger(v.count) || (v.count as number) < 1) throw bad(component, `${what} Count.of(n) needs an integer n >= 1, got ${JSON.stringify(v.count)}`);
    return l as WindowLength;
  }
  if (v.kind === 'duration') {
    if (!Number.isInteger(v.ms) || (v.ms as number) < 1) throw bad(component, `${what} duration must be a whole number of ms >= 1, got ${JSON.stringify(v.ms)}`);
    return l as WindowLength;
  }
  throw bad(component, `${what} must be Count.of(n) or Duration.ofSeconds(s), got ${JSON.stringify(l)}`);
}

function nonNegativeInt(component: string, key: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || (v as number) < 0) throw bad(component, `${key} must be an integer >= 0 (ms), got ${JSON.stringify(v)}`);
  return v as number;
}

const SPEC_KEYS = ['length', 'slide', 'timestamp', 'maxLagMs', 'allowedLatenessMs', 'watermarkIntervalMs', 'idleFlushMs', 'idleInputMs', 'lateStream', 'invalidStream', 'maxTuples', 'epochClock'];

/** Validates a window spec; every rule broken is a `GALE_ERR_BAD_WINDOW` naming the bolt. */
export function resolveWindow(component: string, spec: WindowSpec): ResolvedWindow {
  if (typeof spec !== 'object' || spec === null) throw bad(component, `window must be an object like { length: Duration.ofSeconds(10) }, got ${JSON.stringify(spec)}`);
  for (const key of Object.keys(spec)) if (!SPEC_KEYS.includes(key)) throw bad(component, `unknown window key "${key}"; known keys: ${SPEC_KEYS.join(', ')}`);
  const length = checkLength(component, 'length', spec.length);
  const slide = spec.slide === undefined ? length : checkLength(component, 'slide', spec.slide);
  if (length.kind !== slide.kind) throw bad(component, `length and slide must both be counts or both durations (got ${length.kind} and ${slide.kind})`);
  const l = length.kind === 'count' ? length.count : length.ms;
  const s = slide.kind === 'count' ? slide.count : slide.ms;
  if (s > l) throw bad(component, `slide (${s}) must not be longer than the length (${l}); gaps between windows would drop tuples`);
  const eventTime = spec.timestamp !== undefined;
  if (eventTime && typeof spec.timestamp !== 'function' && (typeof spec.timestamp !== 'string' || spec.timestamp === '')) {
    throw bad(component, `timestamp must be a field name or a function (tuple) => epoch ms, got ${JSON.stringify(spec.timestamp)}`);
  }
  if (eventTime && length.kind === 'count') throw bad(component, 'event time (timestamp) needs duration windows; count windows follow arrival order');
  for (const k of ['maxLagMs', 'allowedLatenessMs', 'watermarkIntervalMs', 'idleFlushMs', 'idleInputMs'] as const) {
    if (!eventTime && spec[k] !== undefined) throw bad(component, `${k} only applies to event-time windows (set timestamp)`);
  }
  const maxLagMs = nonNegativeInt(component, 'maxLagMs', spec.maxLagMs, 0);
  const allowedLatenessMs = nonNegativeInt(component, 'allowedLatenessMs', spec.allowedLatenessMs, 0);
  const watermarkIntervalMs = nonNegativeInt(component, 'watermarkIntervalMs', spec.watermarkIntervalMs, 1000);
  if (watermarkIntervalMs < MIN_WINDOW_TICK_MS) throw bad(component, `watermarkIntervalMs must be >= ${MIN_WINDOW_TICK_MS}, got ${watermarkIntervalMs}`);
  const idleFlushMs = spec.idleFlushMs === undefined ? undefined : nonNegativeInt(component, 'idleFlushMs', spec.idleFlushMs, 0);
  if (idleFlushMs !== undefined && idleFlushMs < watermarkIntervalMs) {
    throw bad(component, `idleFlushMs (${idleFlushMs}) must be at least watermarkIntervalMs (${watermarkIntervalMs}): idleness is measured in watermark ticks`);
  }
  const idleInputMs = nonNegativeInt(component, 'idleInputMs', spec.idleInputMs, Math.max(DEFAULT_WINDOW_IDLE_INPUT_MS, 2 * watermarkIntervalMs));
  if (idleInputMs < watermarkIntervalMs) {
    throw bad(component, `idleInputMs (${idleInputMs}) must be at least watermarkIntervalMs (${watermarkIntervalMs}): idleness is measured in watermark ticks`);
  }
  const maxTuples = spec.maxTuples ?? DEFAULT_WINDOW_MAX_TUPLES;
  if (!Number.isInteger(maxTuples) || maxTuples < 1 || maxTuples > MAX_WINDOW_TUPLES) {
    throw bad(component, `maxTuples must be an integer from 1 to ${MAX_WINDOW_TUPLES}, got ${JSON.stringify(spec.maxTuples)}`);
  }
  if (length.kind === 'count' && l > maxTuples) {
    throw new TopologyError('GALE_ERR_WINDOW_MEMORY', `windowed bolt "${component}": a count window of ${l} tuples is above maxTuples (${maxTuples}); raise maxTuples (at most ${MAX_WINDOW_TUPLES}) or use a shorter window`);
  }
  const lateStream = spec.lateStream ?? WINDOW_LATE_STREAM;
  if (typeof lateStream !== 'string' || lateStream === '' || lateStream.startsWith('__')) throw bad(component, `lateStream must be a non-empty stream id not starting with "__", got ${JSON.stringify(lateStream)}`);
  if (!eventTime && spec.invalidStream !== undefined) throw bad(component, 'invalidStream only applies to event-time windows (set timestamp)');
  const invalidStream = spec.invalidStream ?? WINDOW_INVALID_STREAM;
  if (typeof invalidStream !== 'string' || invalidStream === '' || invalidStream.startsWith('__')) throw bad(component, `invalidStream must be a non-empty stream id not starting with "__", got ${JSON.stringify(invalidStream)}`);
  if (eventTime && invalidStream === lateStream) throw bad(component, `invalidStream and lateStream must differ (both "${lateStream}"): their rows have different fields`);
  let tickMs: number | undefined;
  if (length.kind === 'duration') {
    // Processing time advances by whole ticks, so every window boundary must fall on one.
    tickMs = eventTime ? watermarkIntervalMs : gcd(l, s);
    if (tickMs < MIN_WINDOW_TICK_MS) {
      throw bad(component, `length ${l} ms and slide ${s} ms must both be multiples of a period >= ${MIN_WINDOW_TICK_MS} ms (their gcd is ${tickMs} ms); round them, e.g. to whole seconds`);
    }
  }
  if (spec.epochClock !== undefined && typeof spec.epochClock !== 'function') throw bad(component, 'epochClock must be a function returning epoch ms');
  const ts = spec.timestamp;
  return Object.freeze({
    by: length.kind, length: l, slide: s, tumbling: s === l, eventTime,
    timestampField: typeof ts === 'string' ? ts : undefined,
    timestampOf: typeof ts === 'function' ? ts : undefined,
    maxLagMs, allowedLatenessMs, tickMs, lateStream, invalidStream, maxTuples, epochClock: spec.epochClock ?? Date.now, idleFlushMs, idleInputMs,
  });
}

/** Convenience: a sliding window spec. `slidingWindow(Duration.ofSeconds(10), Duration.ofSeconds(1))`. */
export function slidingWindow(length: WindowLength, slide: WindowLength, options: Omit<WindowSpec, 'length' | 'slide'> = {}): WindowSpec {
  return { ...options, length, slide };
}

/** Convenience: a tumbling window spec (slide = length). `tumblingWindow(Count.of(100))`. */
export function tumblingWindow(length: WindowLength, options: Omit<WindowSpec, 'length' | 'slide'> = {}): WindowSpec {
  return { ...options, length };
}
