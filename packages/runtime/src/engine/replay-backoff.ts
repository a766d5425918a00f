/**
 * How long a spout waits before replaying a message id that keeps failing (STYLE rule 10's
 * policy: exponential, ±20% jitter, capped after jitter — the rule of `backoffDelays` in
 * `retry.ts`, restated here because the pure engine may not import `retry.ts`, which sleeps
 * with `node:timers`). Per message id, so one poison tuple backs off while the others flow.
 */

/** Relative jitter of a replay delay: drawn uniformly from `d * (1 ± 0.2)`, as retry.ts's default. */
export const REPLAY_JITTER = 0.2;

export interface ReplayBackoff {
  /** Delay after the second consecutive failure of an id; 0 turns the backoff off. */
  readonly initialMs: number;
  /** Cap of any one delay (after jitter). */
  readonly maxMs: number;
}

/**
 * Milliseconds to hold the replay of a message id after its `attempt`-th consecutive failure
 * (1 = first). The first failure replays at once: one failure is the common transient (a timeout
 * under load, a lost worker) and Storm replays it at once too; a second one in a row looks like a
 * poison tuple or an outage, so from there the delay doubles: `initialMs * 2^(attempt-2)`.
 * `random` is uniform in [0, 1) (the engine's injected source, so tests are reproducible).
 */
export function replayDelayMs(attempt: number, b: ReplayBackoff, random: () => number): number {
  if (b.initialMs <= 0 || attempt < 2) return 0;
  // 2^52 is far past any cap: clamping the exponent keeps the product finite.
  const base = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt - 2, 52));
  const jittered = base * (1 + REPLAY_JITTER * (2 * random() - 1));
  return Math.round(Math.min(b.maxMs, Math.max(0, jittered)));
}
