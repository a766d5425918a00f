import type { Clock, Scheduler } from '../ports.js';

/*
 * A time source that only moves when a test moves it, so engine timing (timeouts, epochs,
 * ticks, spout back-off) is asserted to the millisecond with no sleeps and no flakiness.
 * Test-only: not exported from the package barrel.
 */

/** Longest delay a Node timer honours; mirrored so tests see what production would. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Default epoch of time 0, a fixed date so `epochMs()` is reproducible. */
const DEFAULT_EPOCH_MS = Date.UTC(2026, 0, 1);

/** A {@link Clock} at a fixed time until {@link advance} moves it. */
export class ManualClock implements Clock {
  private t: number;

  constructor(startMs = 0, private readonly epochAtZeroMs = DEFAULT_EPOCH_MS) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  epochMs(): number {
    return this.epochAtZeroMs + this.t;
  }

  /** Moves time forward by `ms` (>= 0). Fires nothing: timers belong to {@link ManualScheduler}. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ManualClock.advance needs a finite ms >= 0, got ${ms}`);
    this.t += ms;
  }
}

interface Timer {
  due: number;
  /** Creation (or re-arm) order: timers due at the same time fire in this order, as in Node. */
  seq: number;
  /** Repeat period for `every`; null for `after`. */
  readonly period: number | null;
  readonly fn: () => void;
  cancelled: boolean;
}

export interface ManualSchedulerOptions {
  /**
   * Most deferred callbacks one fixpoint may run before it gives up with an error. A component
   * that defers itself whenever it runs (e.g. a spout polled with spoutWaitMs 0 that never
   * emits) would otherwise hang the test instead of failing it.
   */
  maxDeferredRuns?: number;
}

/**
 * A {@link Scheduler} whose callbacks run only when the test calls {@link runDeferred},
 * {@link advanceBy} or {@link runUntilIdle}. Timers fire in due-time order (ties in creation
 * order), the clock set to each one's due time, and deferred callbacks run to a fixpoint
 * before time moves on, which is what `setImmediate` between timer phases does in Node.
 *
 * Promises are not driven: after resolving something a component awaits, let microtasks run
 * (e.g. `await Promise.resolve()` or a macrotask) and call {@link runDeferred} again.
 */
export class ManualScheduler implements Scheduler {
  readonly clock: ManualClock;
  private readonly maxDeferredRuns: number;
  private deferred: (() => void)[] = [];
  private timers: Timer[] = [];
  private seq = 0;

  constructor(clock: ManualClock = new ManualClock(), options: ManualSchedulerOptions = {}) {
    this.clock = clock;
    this.maxDeferredRuns = options.maxDeferredRuns ?? 100_000;
  }

  defer(fn: () => void): void {
    this.deferred.push(fn);
  }

  every(ms: number, fn: () => void): () => void {
    const period = nodeDelay(ms);
    return this.arm({ due: this.clock.now() + period, seq: 0, period, fn, cancelled: false });
  }

  /** `keepAlive` has no meaning here: nothing runs unless the test drives it. */
  after(ms: number, fn: () => void, _keepAlive?: boolean): () => void {
    return this.arm({ due: this.clock.now() + nodeDelay(ms), seq: 0, period: null, fn, cancelled: false });
  }

  /** Deferred callbacks waiting for {@link runDeferred}. */
  get deferredCount(): number {
    return this.deferred.length;
  }

  /** Armed timers (repeating ones included). */
  get timerCount(): number {
    return this.timers.length;
  }

  /** Armed one-shot (`after`) timers. */
  get oneShotCount(): number {
    return this.timers.filter((t) => t.period === null).length;
  }

  /** Milliseconds until the next timer is due (0 if one is due now); undefined with no timer. */
  nextDueIn(): number | undefined {
    const next = this.peek();
    return next === undefined ? undefined : Math.max(0, next.due - this.clock.now());
  }

  /**
   * Runs deferred callbacks, and those they defer, until none is left. Time does not move.
   * Returns how many ran; throws past `maxDeferredRuns` (a defer loop).
   */
  runDeferred(): number {
    let n = 0;
    while (this.deferred.length > 0) {
      const batch = this.deferred;
      this.deferred = [];
      for (let i = 0; i < batch.length; i++) {
        if (++n > this.maxDeferredRuns) {
          this.deferred = batch.slice(i).concat(this.deferred);
          throw new Error(`ManualScheduler: more than ${this.maxDeferredRuns} deferred callbacks at t=${this.clock.now()} without time moving; something defers itself forever`);
        }
        batch[i]!();
      }
    }
    return n;
  }

  /**
   * Moves time forward by `ms`, firing every timer due on the way in time order (the clock set
   * to each timer's due time while it runs), with deferred callbacks run to a fixpoint first
   * and after each timer. Returns how many timers fired.
   */
  advanceBy(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ManualScheduler.advanceBy needs a finite ms >= 0, got ${ms}`);
    const target = this.clock.now() + ms;
    let fired = 0;
    this.runDeferred();
    for (let next = this.peek(); next !== undefined && next.due <= target; next = this.peek()) {
      this.fire(next);
      fired++;
      this.runDeferred();
    }
    this.clock.advance(target - this.clock.now());
    return fired;
  }

  /** Moves time to the next due timer and fires it (and all due at that same time); returns the ms moved, or undefined with no timer. */
  advanceToNext(): number | undefined {
    this.runDeferred();
    const wait = this.nextDueIn();
    if (wait === undefined) return undefined;
    this.advanceBy(wait);
    return wait;
  }

  /**
   * Runs deferred work and advances through timers until no deferred callback and no one-shot
   * timer is left (repeating timers fire as time passes but do not count as work). Throws if
   * that takes more than `limitMs` of manual time. Returns the manual time that passed.
   */
  runUntilIdle(limitMs = 3_600_000): number {
    const start = this.clock.now();
    this.runDeferred();
    while (this.oneShotCount > 0) {
      const wait = this.timers.filter((t) => t.period === null).reduce((m, t) => Math.min(m, t.due), Infinity) - this.clock.now();
      if (this.clock.now() + wait - start > limitMs) {
        throw new Error(`ManualScheduler: still busy after ${limitMs} ms of manual time (${this.oneShotCount} one-shot timers re-armed)`);
      }
      this.advanceBy(Math.max(0, wait));
    }
    return this.clock.now() - start;
  }

  private arm(timer: Timer): () => void {
    timer.seq = this.seq++;
    this.timers.push(timer);
    return () => {
      if (timer.cancelled) return;
      timer.cancelled = true;
      const i = this.timers.indexOf(timer);
      if (i >= 0) this.timers.splice(i, 1);
    };
  }

  private peek(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) if (best === undefined || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    return best;
  }

  private fire(timer: Timer): void {
    // A test may have moved the clock itself past a due time: the timer fires late, as in Node.
    this.clock.advance(Math.max(0, timer.due - this.clock.now()));
    const i = this.timers.indexOf(timer);
    this.timers.splice(i, 1);
    // Re-armed before the callback runs so the callback may cancel it (as clearInterval can).
    if (timer.period !== null) {
      timer.due += timer.period;
      timer.seq = this.seq++;
      this.timers.push(timer);
    } else {
      timer.cancelled = true;
    }
    timer.fn();
  }
}

/** Node's rule: a delay below 1 ms, above 2^31-1 or not a number becomes 1 ms. */
function nodeDelay(ms: number): number {
  return ms >= 1 && ms <= MAX_TIMER_MS ? ms : 1;
}
