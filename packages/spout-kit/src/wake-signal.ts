/**
 * What an idle spout's `nextTuple()` returns: a promise that settles when there is something to
 * emit (`notify()`), the spout closes, or `maxWaitMs` passes. The executor does not call
 * `nextTuple` again until it settles, so a spout that waits for input does not spin, and acks
 * keep flowing meanwhile (the executor drains them while the call is pending).
 */
export class WakeSignal {
  private waiters: Array<() => void> = [];

  /** Resolves at the next `notify()` or after `maxWaitMs`, whichever is first; never rejects. */
  wait(maxWaitMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      };
      const timer = setTimeout(done, maxWaitMs);
      this.waiters.push(done);
    });
  }

  /** Wakes every waiter. */
  notify(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
