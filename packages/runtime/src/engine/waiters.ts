import type { EngineLog, Scheduler } from './ports.js';
import { errorMessage } from './error-message.js';

/** Longest delay a Node timer honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Waiter {
  pred: () => boolean;
  resolve: (ok: boolean) => void;
  cancel: () => void;
}

/** Conditions someone awaits (`waitUntil`), checked as the engine runs and on a timer. */
export class Waiters {
  private readonly list: Waiter[] = [];

  constructor(private readonly scheduler: Scheduler, private readonly log: EngineLog) {}

  /** Resolves true once `pred()` holds, false after `timeoutMs`. */
  add(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    // Node timers take at most 2^31-1 ms (larger ones, Infinity and NaN fire at once).
    timeoutMs = Number.isFinite(timeoutMs) ? Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS) : MAX_TIMER_MS;
    if (pred()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w: Waiter = { pred, resolve, cancel: () => {} };
      // keepAlive: someone awaits this, so the process must not exit before it settles.
      w.cancel = this.scheduler.after(timeoutMs, () => {
        const i = this.list.indexOf(w);
        if (i >= 0) this.list.splice(i, 1);
        resolve(pred());
      }, true);
      this.list.push(w);
    });
  }

  check(): void {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const w = this.list[i]!;
      let ok: boolean;
      try {
        ok = w.pred();
      } catch (err) {
        // A throwing condition (e.g. a spout's isExhausted) is not met; the wait times out.
        this.log.warn({ err: errorMessage(err) }, 'wait condition threw');
        ok = false;
      }
      if (ok) {
        this.list.splice(i, 1);
        w.cancel();
        w.resolve(true);
      }
    }
  }

  /** Resolves every waiter now with its condition's current value (engine closing). */
  settleAll(): void {
    for (const w of this.list.splice(0)) {
      w.cancel();
      w.resolve(w.pred());
    }
  }
}
