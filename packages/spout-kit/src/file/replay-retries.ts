import { backoffDelays, type BackoffOptions } from '@gale/runtime';

/**
 * When FileLineSpout reads a failed line again after that read itself failed (EIO, a network
 * file system that went away): STYLE rule 10's policy, exponential backoff with jitter per
 * offset, so a transient error is ridden out instead of used up by three reads within the same
 * millisecond. The give-up comes after {@link REPLAY_READ_ATTEMPTS} reads, about 11 s of
 * retrying with these delays.
 */
export const REPLAY_READ_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ initialMs: 100, maxMs: 5_000 });

/** Reads of one replayed line (the first one included) after which the spout gives up on it. */
export const REPLAY_READ_ATTEMPTS = 8;

interface Retry {
  /** Failed reads so far. */
  failures: number;
  /** When the next read is due (ms, the caller's clock). */
  dueAt: number;
  readonly delays: Generator<number, never, undefined>;
}

/** The replays of a FileLineSpout waiting out a backoff after a failed read, by line offset. */
export class ReplayRetries {
  private readonly waiting = new Map<number, Retry>();
  /** The earliest `dueAt` of `waiting` (Infinity: none), so the common check is one comparison. */
  private nextDueAt = Infinity;

  /** Replays waiting for their next read. */
  get size(): number {
    return this.waiting.size;
  }

  /**
   * A read of the line at `offset` failed at `now`: the delay before it is read again, or
   * undefined when that was its {@link REPLAY_READ_ATTEMPTS}-th failed read (give up; forgotten).
   */
  failed(offset: number, now: number): { attempt: number; delayMs: number } | undefined {
    let r = this.waiting.get(offset);
    if (r === undefined) {
      r = { failures: 0, dueAt: now, delays: backoffDelays(REPLAY_READ_BACKOFF) };
      this.waiting.set(offset, r);
    }
    r.failures++;
    if (r.failures >= REPLAY_READ_ATTEMPTS) {
      this.forget(offset);
      return undefined;
    }
    const delayMs = r.delays.next().value;
    r.dueAt = now + delayMs;
    if (r.dueAt < this.nextDueAt) this.nextDueAt = r.dueAt;
    return { attempt: r.failures, delayMs };
  }

  /** The line at `offset` was read (or no longer needs to be): its failures are forgotten. */
  forget(offset: number): void {
    if (this.waiting.delete(offset) && this.waiting.size === 0) this.nextDueAt = Infinity;
  }

  /** Appends to `into` the offsets whose next read is due at `now` (they stay known until {@link forget}). */
  takeDue(now: number, into: number[]): void {
    if (now < this.nextDueAt) return;
    let next = Infinity;
    for (const [offset, r] of this.waiting) {
      if (r.dueAt <= now) {
        into.push(offset);
        r.dueAt = Infinity; // queued: not due again until it fails again
      } else if (r.dueAt < next) next = r.dueAt;
    }
    this.nextDueAt = next;
  }
}
