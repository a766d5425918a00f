/**
 * When to dial again: the shared backoff schedule (retry.ts) with jitter, an attempt counter, and a
 * reset once a connection proved the address good by staying up. Pure; the timer is injected.
 */
import { backoffDelays, type BackoffOptions } from '../retry.js';
import { timeoutSchedule, type Schedule } from './schedule.js';

export const DEFAULT_RECONNECT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0.2 });

export class ReconnectSchedule {
  private delays: Iterator<number>;
  private nextDelay: number | null = null;
  private cancelTimer: (() => void) | null = null;
  private readonly schedule: Schedule;
  /** Failed attempts since the last successful connection (or the last address change). */
  attempt = 0;

  /**
   * @param minUptimeMs a connection that stayed up this long resets the backoff to its first delay.
   */
  constructor(private readonly backoff: BackoffOptions, private readonly minUptimeMs: number, schedule: Schedule = timeoutSchedule) {
    this.delays = backoffDelays(backoff);
    this.schedule = schedule;
  }

  /** The delay the next `take()` returns (reported with a failed attempt before it is waited). */
  peek(): number {
    if (this.nextDelay === null) this.nextDelay = this.delays.next().value as number;
    return this.nextDelay;
  }

  take(): number {
    const d = this.peek();
    this.nextDelay = null;
    return d;
  }

  /** Starts the schedule over from the first delay. */
  reset(): void {
    this.delays = backoffDelays(this.backoff);
    this.nextDelay = null;
  }

  /** A connection closed after `uptimeMs`: one that lasted proves the address good. */
  closedAfter(uptimeMs: number): void {
    if (uptimeMs >= this.minUptimeMs) this.reset();
  }

  /** Runs `dial` after `delayMs`, replacing any wait already scheduled. */
  wait(delayMs: number, dial: () => void): void {
    this.cancel();
    this.cancelTimer = this.schedule(() => {
      this.cancelTimer = null;
      dial();
    }, delayMs);
  }

  /** True while a dial is scheduled. */
  get waiting(): boolean {
    return this.cancelTimer !== null;
  }

  cancel(): void {
    if (this.cancelTimer === null) return;
    this.cancelTimer();
    this.cancelTimer = null;
  }
}
