/**
 * The one retry policy (STYLE.md rule 10): exponential backoff with jitter, retrying only errors that
 * say `retriable: true` (every {@link GaleError} carries the flag). Everything that reconnects or
 * re-tries — ZooKeeper sessions, CAS loops, worker restarts, ws reconnects — goes through here.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffOptions {
  /** First delay. */
  initialMs: number;
  /** Cap for any one delay (after jitter). */
  maxMs: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /**
   * Relative jitter in [0, 1]: each delay is drawn uniformly from `d * (1 ± jitter)`, so many
   * clients that lost the same server do not come back in lockstep. Default 0.2.
   */
  jitter?: number;
  /** Source of randomness in [0, 1); injectable for tests. Default Math.random. */
  random?: () => number;
}

export interface RetryOptions extends BackoffOptions {
  /** Retries after the first attempt (so at most `retries + 1` calls). `Infinity` retries until aborted. */
  retries: number;
  /** Stops retrying (rejects with the signal's reason) when aborted, also during a backoff wait. */
  signal?: AbortSignal;
  /** Called before each backoff wait; listener errors are ignored. */
  onRetry?: (info: { error: unknown; attempt: number; delayMs: number }) => void;
  /** Overrides which errors are retried. Default {@link isRetriable}. */
  shouldRetry?: (error: unknown) => boolean;
}

/** True for errors that carry `retriable: true` (a {@link GaleError} or any error shaped like one). */
export function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

function checkBackoff(o: BackoffOptions): void {
  if (!(o.initialMs >= 0) || !(o.maxMs >= o.initialMs)) {
    throw new RangeError(`backoff needs 0 <= initialMs <= maxMs (got ${o.initialMs}, ${o.maxMs})`);
  }
  if (o.jitter !== undefined && !(o.jitter >= 0 && o.jitter <= 1)) throw new RangeError(`jitter must be in [0, 1] (got ${o.jitter})`);
  if (o.factor !== undefined && !(o.factor >= 1)) throw new RangeError(`factor must be >= 1 (got ${o.factor})`);
}

/**
 * The (infinite) sequence of backoff delays in ms: initialMs · factor^n, jittered, capped at maxMs.
 * Take as many as needed: `for (const d of backoffDelays(o)) { ... }`.
 */
export function* backoffDelays(opts: BackoffOptions): Generator<number, never, undefined> {
  checkBackoff(opts);
  const factor = opts.factor ?? 2;
  const jitter = opts.jitter ?? 0.2;
  const random = opts.random ?? Math.random;
  let base = opts.initialMs;
  for (;;) {
    const jittered = base * (1 + jitter * (2 * random() - 1));
    yield Math.round(Math.min(opts.maxMs, Math.max(0, jittered)));
    base = Math.min(opts.maxMs, base * factor);
  }
}

/**
 * Calls `fn` until it resolves, a non-retriable error is thrown, `retries` are used up (the last
 * error is rethrown as is) or `signal` aborts.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  if (!(opts.retries >= 0)) throw new RangeError(`retries must be >= 0 (got ${opts.retries})`);
  const shouldRetry = opts.shouldRetry ?? isRetriable;
  const delays = backoffDelays(opts);
  for (let attempt = 0; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= opts.retries || !shouldRetry(error) || opts.signal?.aborted) throw error;
      const delayMs = delays.next().value;
      try {
        opts.onRetry?.({ error, attempt, delayMs });
      } catch {
        // a listener must not change the retry outcome
      }
      try {
        await sleep(delayMs, undefined, opts.signal ? { signal: opts.signal } : undefined);
      } catch (sleepError) {
        opts.signal?.throwIfAborted();
        throw sleepError;
      }
    }
  }
}
