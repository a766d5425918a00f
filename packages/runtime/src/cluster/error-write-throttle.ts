import { errorRepeatKey, type ReportedError } from '../api/stats.js';

/**
 * Which component errors a worker writes to ZooKeeper for `gale status`: an error storm must not
 * load ZooKeeper, so at most one write per interval — per component, with bad data (`DataError`s)
 * apart, per code (a small fixed set, so the keys stay few). Per component only, a flood of bad
 * data (a DataError per bad value) took every write, and a real error in the same interval was
 * never written. A written error carries how many of ITS OWN repeats (the same message; for bad
 * data, the same code: the entry the errors store folds it into) were not written since, so the
 * store's `count` adds up one error's repeats, never another message's.
 */
/** Distinct errors whose unwritten repeats are counted at once (per worker). */
const MAX_UNWRITTEN = 1000;

export class ErrorWriteThrottle {
  private readonly lastWrite = new Map<string, number>();
  private readonly unwritten = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  /** Undefined: skip `e` (counted for the next write of the same error); else write it with `count`. */
  take(e: ReportedError): { count: number } | undefined {
    const slot = e.data === true ? `${e.component}\u0000${e.code ?? ''}` : e.component;
    const same = `${e.component}\u0000${errorRepeatKey(e)}`;
    const count = (this.unwritten.get(same) ?? 0) + 1;
    const last = this.lastWrite.get(slot);
    if (last !== undefined && e.time - last < this.intervalMs) {
      // Bounded like the errors the engine keeps: an unbounded stream of distinct messages must
      // not grow this map without end (the oldest counts are dropped, under-counting only).
      if (!this.unwritten.has(same) && this.unwritten.size >= MAX_UNWRITTEN) this.unwritten.delete(this.unwritten.keys().next().value!);
      this.unwritten.set(same, count);
      return undefined;
    }
    this.lastWrite.set(slot, e.time);
    this.unwritten.delete(same);
    return { count };
  }
}
