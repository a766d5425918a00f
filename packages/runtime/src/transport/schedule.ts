/**
 * The one timer seam of the transport's pure pieces (batcher, reconnect): they ask for "run this in
 * `delayMs`" and get a cancel function back, so unit tests drive them with a manual scheduler instead
 * of real timers or sleeps.
 */

/** Runs `fn` once after `delayMs` (0 or less: at the end of the current event-loop turn); returns the cancel. */
export type Schedule = (fn: () => void, delayMs: number) => () => void;

/**
 * The event loop: `setImmediate` for a delay of 0 or less (so "0 ms" still lets the current turn add
 * more records), `setTimeout` otherwise.
 */
export const loopSchedule: Schedule = (fn, delayMs) => {
  if (delayMs <= 0) {
    const h = setImmediate(fn);
    return () => clearImmediate(h);
  }
  const h = setTimeout(fn, delayMs);
  return () => clearTimeout(h);
};

/** Always `setTimeout` (a delay of 0 still waits for the timers phase), for waits that are not flushes. */
export const timeoutSchedule: Schedule = (fn, delayMs) => {
  const h = setTimeout(fn, delayMs);
  return () => clearTimeout(h);
};
