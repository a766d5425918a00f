import { backoffDelays, type BackoffOptions } from '@gale/runtime';

/**
 * One connection's view of whether Redis is away: the first failure of an outage is reported
 * (once, so `gale status` shows it without one line per retry), every failure gives the next
 * backoff delay (exponential, jittered: STYLE rule 10's policy), and a success ends the outage and
 * restarts the delays.
 */
export class Outage {
  private delays: Generator<number, never, undefined>;
  private down = false;
  private since = 0;

  constructor(private readonly backoff: BackoffOptions) {
    this.delays = backoffDelays(backoff);
  }

  get isDown(): boolean {
    return this.down;
  }

  /** Milliseconds since the outage began (0 when up). */
  downForMs(now: number): number {
    return this.down ? now - this.since : 0;
  }

  /** Records a failure; `first` is true for the one that began the outage. */
  failed(now: number): { delayMs: number; first: boolean } {
    const first = !this.down;
    if (first) {
      this.down = true;
      this.since = now;
    }
    return { delayMs: this.delays.next().value, first };
  }

  /** Records a success; true when it ended an outage. */
  succeeded(): boolean {
    if (!this.down) return false;
    this.down = false;
    this.delays = backoffDelays(this.backoff);
    return true;
  }
}
