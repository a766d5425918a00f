import { inspect } from 'node:util';

/** Synchronisation for integration tests without sleeps: poll with a deadline, or wait for an event. */

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the timeout error. */
  what?: string;
}

/** Polls `fn` until it returns a truthy value (which is returned) or the deadline passes. */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = opts;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const suffix = lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : inspect(lastError)})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${suffix}`);
    }
    await new Promise(r => setTimeout(r, intervalMs));
  }
}

/**
 * Resolves with the first event passing `predicate`, delivered through a subscribe function that
 * returns its unsubscribe (`e => client.on('state', e)`). Subscribe before triggering the cause.
 */
export function nextEvent<E>(
  subscribe: (listener: (event: E) => void) => () => void,
  predicate: (event: E) => boolean = () => true,
  opts: { timeoutMs?: number; what?: string } = {},
): Promise<E> {
  const { timeoutMs = 10_000, what = 'event' } = opts;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const off = subscribe(event => {
      if (!predicate(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}
