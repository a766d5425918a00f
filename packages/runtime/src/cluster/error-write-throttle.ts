import type { ReportedError } from '../api/stats.js';

/**
 * Which component errors a worker writes to ZooKeeper for `gale status`: an error storm must not
 * load ZooKeeper, so at most one write per interval — per component, with bad data (`DataError`s)
 * apart, per code (a small fixed set, so the keys stay few). Per component only, a flood of bad
 * data (a DataError per bad value) took every write, and a real error in the same interval was
 * never written. A written error carries how many of its key were not written since.
 */
export class ErrorWriteThrottle {
  private readonly lastWrite = new Map<string, number>();
  private readonly unwritten = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  /** Undefined: skip `e` (counted for the next write of its key); else write it with `count`. */
  take(e: ReportedError): { count: number } | undefined {
    const key = e.data === true ? `${e.component}\u0000${e.code ?? ''}` : e.component;
    const count = (this.unwritten.get(key) ?? 0) + 1;
    const last = this.lastWrite.get(key);
    if (last !== undefined && e.time - last < this.intervalMs) {
      this.unwritten.set(key, count);
      return undefined;
    }
    this.lastWrite.set(key, e.time);
    this.unwritten.delete(key);
    return { count };
  }
}
