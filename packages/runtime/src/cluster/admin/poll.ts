/**
 * Polls `step` every `intervalMs` until it returns a value other than undefined, or until
 * `timeoutMs` has passed (then resolves undefined). Errors from `step` propagate.
 */
export async function pollUntil<T>(step: () => Promise<T | undefined>, timeoutMs: number, intervalMs: number): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await step();
    if (v !== undefined) return v;
    const left = deadline - performance.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(intervalMs, left));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
