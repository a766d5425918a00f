/*
 * A bolt failing every tuple (EMFILE in a sink) once wrote a million identical error lines in
 * 27 s. The engine's component errors and the cluster daemons' repeated warnings go through this
 * limiter: per key, at most `limit` lines per window, and the first line after a suppressed run
 * carries how many were left out. Pure (engine/ has no timers): time comes from the caller's
 * clock, and the count is reported when logging resumes, not by a timer.
 */

/** Lines per key per window for repeated errors and warnings (gale's one log rate limit). */
export const LOG_RATE_LIMIT = 10;
/** The window of {@link LOG_RATE_LIMIT}, ms. */
export const LOG_RATE_WINDOW_MS = 1000;
/**
 * Keys tracked at once. Past it (a flood of distinct messages), keys whose window is over and
 * that owe no count are forgotten; if none is, new keys share one overflow key, so distinct
 * messages cannot grow memory nor escape the limit.
 */
const MAX_KEYS = 1024;
/**
 * The key new keys share past `maxKeys`; {@link LogRateLimiter.drain} may return it. Owners that
 * split their keys into parts must name it themselves (it has none of their parts).
 */
export const OVERFLOW_KEY = '\u0000overflow';

export interface LogRateLimitOptions {
  /** Monotonic milliseconds (the engine's `Clock.now`). */
  now(): number;
  /** Lines per key per window; default {@link LOG_RATE_LIMIT}. */
  limit?: number;
  /** Default {@link LOG_RATE_WINDOW_MS}. */
  windowMs?: number;
  /** Default 1024. */
  maxKeys?: number;
}

/** The verdict on one occurrence: log it (with the count left out since the last logged one) or not. */
export type LogVerdict = { log: true; suppressed: number } | { log: false };

interface KeyState {
  windowStart: number;
  inWindow: number;
  /** Occurrences not logged since the last logged one. */
  suppressed: number;
}

const SKIP: LogVerdict = Object.freeze({ log: false });

/** Per-key fixed-window limiter for log lines. */
export class LogRateLimiter {
  private readonly keys = new Map<string, KeyState>();
  private readonly limit: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private prunedAt = -Infinity;

  constructor(private readonly o: LogRateLimitOptions) {
    this.limit = o.limit ?? LOG_RATE_LIMIT;
    this.windowMs = o.windowMs ?? LOG_RATE_WINDOW_MS;
    this.maxKeys = o.maxKeys ?? MAX_KEYS;
    if (!(this.limit >= 1) || !(this.windowMs > 0) || !(this.maxKeys >= 1)) {
      throw new RangeError(`LogRateLimiter needs limit >= 1, windowMs > 0, maxKeys >= 1; got ${this.limit}, ${this.windowMs}, ${this.maxKeys}`);
    }
  }

  /** Call once per occurrence of `key`; log only when the verdict says so, with its `suppressed` count when > 0. */
  check(key: string): LogVerdict {
    const now = this.o.now();
    const s = this.stateOf(key, now);
    if (now - s.windowStart >= this.windowMs) {
      s.windowStart = now;
      s.inWindow = 0;
    }
    if (s.inWindow >= this.limit) {
      s.suppressed++;
      return SKIP;
    }
    s.inWindow++;
    const suppressed = s.suppressed;
    s.suppressed = 0;
    return { log: true, suppressed };
  }

  /**
   * Takes the counts still owed (occurrences left out and not yet reported by a later line), e.g.
   * to log them once when the owner closes.
   */
  drain(): Array<{ key: string; suppressed: number }> {
    const out: Array<{ key: string; suppressed: number }> = [];
    for (const [key, s] of this.keys) {
      if (s.suppressed > 0) out.push({ key, suppressed: s.suppressed });
      s.suppressed = 0;
    }
    return out;
  }

  private stateOf(key: string, now: number): KeyState {
    const known = this.keys.get(key);
    if (known !== undefined) return known;
    if (this.keys.size >= this.maxKeys) this.prune(now);
    if (this.keys.size >= this.maxKeys) return this.keys.get(OVERFLOW_KEY) ?? this.add(OVERFLOW_KEY, now);
    return this.add(key, now);
  }

  private add(key: string, now: number): KeyState {
    // The overflow key may push the map one past maxKeys; it is the only one that can.
    const s: KeyState = { windowStart: now, inWindow: 0, suppressed: 0 };
    this.keys.set(key, s);
    return s;
  }

  /** At most once per window: under a flood of distinct keys a scan per occurrence would cost more than the logging. */
  private prune(now: number): void {
    if (now - this.prunedAt < this.windowMs) return;
    this.prunedAt = now;
    for (const [key, s] of this.keys) {
      if (s.suppressed === 0 && now - s.windowStart >= this.windowMs) this.keys.delete(key);
    }
  }
}
