import type { ResolvedWindow } from './window-spec.js';

/*
 * The buffer and trigger logic of a duration window, on one clock: processing time (the tick
 * time, every tuple stamped with the latest tick) or event time (the watermark). Pure: no
 * tuples, no collector, no timers, so it is tested on its own with plain numbers.
 *
 * Windows are [end - length, end) with `end` a multiple of the slide (aligned to time 0).
 * A window fires once the clock reaches its end; with allowed lateness it stays open until
 * clock >= end + lateness, and a tuple arriving for it meanwhile fires it again.
 * Entries are kept sorted by timestamp, so "left every window" is always a prefix.
 */

/** One buffered item and its timestamp. */
export interface WindowEntry<T> {
  readonly item: T;
  readonly ts: number;
  delivered: boolean;
}

/** One window evaluation. */
export interface Firing<T> {
  readonly start: number;
  readonly end: number;
  readonly window: readonly T[];
  readonly fresh: readonly T[];
  readonly expired: readonly T[];
}

export type AddResult = 'added' | 'late' | 'full';

export class TimeWindowState<T> {
  private readonly entries: WindowEntry<T>[] = [];
  /** Items evicted since the last firing; reported as its `expired`. */
  private pendingExpired: T[] = [];
  /** Ends of already-passed windows that got a tuple within lateness. */
  private readonly refire = new Set<number>();
  private clock = -Infinity;
  /** Regular windows ending at or before the cursor have fired (or were empty when due). */
  private cursor = -Infinity;

  constructor(private readonly w: ResolvedWindow) {}

  get size(): number {
    return this.entries.length;
  }

  /** Current clock: the tick time, or the watermark. -Infinity before the first advance. */
  get now(): number {
    return this.clock;
  }

  private lastEnd(ts: number): number {
    return Math.floor((ts + this.w.length) / this.w.slide) * this.w.slide;
  }

  private firstEnd(ts: number): number {
    return Math.floor(ts / this.w.slide) * this.w.slide + this.w.slide;
  }

  /** Buffers `item` at `ts`; `late` when every window containing `ts` has closed, `full` at `maxTuples`. */
  add(item: T, ts: number): AddResult {
    const last = this.lastEnd(ts);
    if (last + this.w.allowedLatenessMs <= this.clock) return 'late';
    if (this.entries.length >= this.w.maxTuples) return 'full';
    const e = this.entries;
    // In-order arrival appends; an out-of-order one is inserted after its equals (arrival order).
    const i = e.length > 0 && e[e.length - 1]!.ts > ts ? this.lowerBound(ts, true) : e.length;
    e.splice(i, 0, { item, ts, delivered: false });
    // Windows containing ts that the clock already passed but whose lateness is not over fire again.
    for (let end = this.firstEnd(ts); end <= Math.min(this.clock, last); end += this.w.slide) {
      if (end + this.w.allowedLatenessMs > this.clock) this.refire.add(end);
    }
    return 'added';
  }

  /** Moves the clock to `t` (never backwards); windows ending in (previous clock, t] become due. */
  advance(t: number): void {
    if (this.cursor < this.clock) this.cursor = this.clock;
    if (t > this.clock) this.clock = t;
  }

  /** The next window due at the current clock, in end order, or undefined. Call {@link evict} after executing it. */
  next(): Firing<T> | undefined {
    const regular = this.nextRegularEnd() ?? Infinity;
    let refire = Infinity;
    for (const end of this.refire) if (end < refire) refire = end;
    const end = Math.min(regular, refire);
    if (end === Infinity) return undefined;
    if (end === refire) this.refire.delete(end);
    else this.cursor = end;
    const lo = this.lowerBound(end - this.w.length, false);
    const hi = this.lowerBound(end, false);
    const window: T[] = [];
    const fresh: T[] = [];
    for (let i = lo; i < hi; i++) {
      const entry = this.entries[i]!;
      window.push(entry.item);
      if (!entry.delivered) {
        entry.delivered = true;
        fresh.push(entry.item);
      }
    }
    const expired = this.pendingExpired;
    this.pendingExpired = [];
    return { start: end - this.w.length, end, window, fresh, expired };
  }

  /**
   * Removes the entries that left every window (all their windows fired, none is due to fire
   * again, and their lateness is over) and returns their items, to be acked.
   */
  evict(): T[] {
    let minRefire = Infinity;
    for (const r of this.refire) if (r < minRefire) minRefire = r;
    let n = 0;
    for (const e of this.entries) {
      const last = this.lastEnd(e.ts);
      if (last > this.cursor || last >= minRefire || last + this.w.allowedLatenessMs > this.clock) break;
      n++;
    }
    const gone = this.entries.splice(0, n);
    for (const e of gone) if (e.delivered) this.pendingExpired.push(e.item);
    return gone.map((e) => e.item);
  }

  /** Drops one item from every window (it was failed). */
  remove(item: T): boolean {
    const i = this.entries.findIndex((e) => e.item === item);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    return true;
  }

  private nextRegularEnd(): number | undefined {
    const s = this.w.slide;
    let end = this.cursor === -Infinity ? -Infinity : Math.floor(this.cursor / s) * s + s;
    const i = this.lowerBound(end === -Infinity ? -Infinity : end - this.w.length, false);
    if (i >= this.entries.length) return undefined;
    end = Math.max(end, this.firstEnd(this.entries[i]!.ts));
    return end <= this.clock ? end : undefined;
  }

  /** First index whose ts is >= t (or > t when `after`). */
  private lowerBound(t: number, after: boolean): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ts = this.entries[mid]!.ts;
      if (after ? ts <= t : ts < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
