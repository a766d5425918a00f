import { backoffDelays, type BackoffOptions } from '@gale/runtime';

/**
 * When FileLineSpout reads again at a position where a read failed (EIO, a network file system
 * that went away), both reading ahead and replaying a failed line: STYLE rule 10's policy,
 * exponential backoff with jitter per position, so a transient error is ridden out instead of
 * used up by a few reads within the same millisecond. The give-up comes after
 * {@link FILE_READ_ATTEMPTS} reads, about 11 s of retrying with these delays.
 */
export const FILE_READ_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ initialMs: 100, maxMs: 5_000 });

/** Reads at one position (the first one included) after which the spout gives up on it. */
export const FILE_READ_ATTEMPTS = 8;

/** The failed reads at one file position, and when the next is due. */
export class ReadBackoff {
  /** Failed reads so far. */
  failures = 0;
  /** When the next read is due (ms, the caller's clock). */
  dueAt = 0;
  private readonly delays = backoffDelays(FILE_READ_BACKOFF);

  /**
   * A read failed at `now`: its attempt number and the delay before the next read, or undefined
   * when that was the {@link FILE_READ_ATTEMPTS}-th failed read (give up).
   */
  failed(now: number): { attempt: number; delayMs: number } | undefined {
    this.failures++;
    if (this.failures >= FILE_READ_ATTEMPTS) return undefined;
    const delayMs = this.delays.next().value;
    this.dueAt = now + delayMs;
    return { attempt: this.failures, delayMs };
  }
}

/** The replays of a FileLineSpout waiting out a backoff after a failed read, by line offset. */
export class ReplayRetries {
  private readonly waiting = new Map<number, ReadBackoff>();
  /** The earliest `dueAt` of `waiting` (Infinity: none), so the common check is one comparison. */
  private nextDueAt = Infinity;

  /** Replays waiting for their next read. */
  get size(): number {
    return this.waiting.size;
  }

  /**
   * A read of the line at `offset` failed at `now`: the delay before it is read again, or
   * undefined when that was its {@link FILE_READ_ATTEMPTS}-th failed read (give up; forgotten).
   */
  failed(offset: number, now: number): { attempt: number; delayMs: number } | undefined {
    let r = this.waiting.get(offset);
    if (r === undefined) {
      r = new ReadBackoff();
      this.waiting.set(offset, r);
    }
    const retry = r.failed(now);
    if (retry === undefined) {
      this.forget(offset);
      return undefined;
    }
    if (r.dueAt < this.nextDueAt) this.nextDueAt = r.dueAt;
    return retry;
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
