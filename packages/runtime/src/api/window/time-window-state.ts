import { LazyFiring, takeNextEnd, type Firing } from './firing.js';
import type { ResolvedWindow } from './window-spec.js';

export type { Firing } from './firing.js';

/*
 * The buffer and trigger logic of a duration window, on one clock: processing time (the tick
 * time, every tuple stamped with the latest tick) or event time (the watermark). Pure: no
 * tuples, no collector, no timers, so it is tested on its own with plain numbers.
 *
 * Windows are [end - length, end) with `end` a multiple of the slide (aligned to time 0).
 * A window fires once the clock reaches its end; with allowed lateness it stays open until
 * clock >= end + lateness, and a tuple arriving for it meanwhile fires it again.
 * Entries are kept sorted by timestamp, so "left every window" is always a prefix.
 *
 * Two positions: `clock` (how far time has gone: advance) and `cursor` (how far the windows have
 * fired: only next() moves it, to each regular end it hands out and, once nothing is due, to the
 * clock). So any run of advances before the firing loop fires every window ending in between, in
 * order: moving the cursor in advance() skipped the windows between the previous clock and the
 * new one when two advances came in one tick (the watermark, then the idle flush), and their
 * tuples were acked unseen. Whether a tuple is late, and which passed windows it fires again, is
 * decided against the cursor as well: a window the clock passed but that has not fired yet takes
 * the tuple in its regular firing.
 *
 * Storage: three parallel arrays (item, timestamp, delivered) from `head` on, instead of an
 * object per entry: a window holds up to a million tuples for seconds, and per-entry objects
 * were garbage the old generation had to trace. Evicting moves `head`; the arrays are
 * compacted (replaced, never written in place while a firing may read them) once the dead
 * prefix is a quarter of the live part.
 */

export type AddResult = 'added' | 'late' | 'full';

/** Dead prefix below which the arrays are not compacted (copying small arrays often costs more than it frees). */
const COMPACT_MIN = 1024;
const INITIAL_CAPACITY = 1024;

export class TimeWindowState<T> {
  private items: T[] = [];
  /** Timestamps and delivered flags of `items`, same indices; typed arrays: nothing for the GC to trace. */
  private times = new Float64Array(INITIAL_CAPACITY);
  private delivered = new Uint8Array(INITIAL_CAPACITY);
  private head = 0;
  /** Every live entry below this index is delivered (so a firing scans only the new ones). */
  private firstUndelivered = 0;
  /** A firing handed out may read `items`: write a copy instead of the array itself. */
  private shared = false;
  /** Delivered items evicted since the last firing; reported as its `expired`. */
  private pendingExpired: (readonly T[])[] = [];
  /** Ends of already-passed windows that got a tuple within lateness. */
  private readonly refire = new Set<number>();
  private clock = -Infinity;
  /** Regular windows ending at or before the cursor have fired (or were empty when due); only next() moves it, never past the clock. */
  private cursor = -Infinity;

  constructor(private readonly w: ResolvedWindow) {}

  get size(): number {
    return this.items.length - this.head;
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
    if (last <= this.cursor && last + this.w.allowedLatenessMs <= this.clock) return 'late';
    const n = this.items.length;
    if (n - this.head >= this.w.maxTuples) return 'full';
    if (n === this.times.length) this.grow();
    if (n === this.head || this.times[n - 1]! <= ts) {
      this.items.push(item);
      this.times[n] = ts;
      this.delivered[n] = 0;
    } else {
      // Out of order (event time): inserted after its equals, in arrival order. O(N), as before.
      const i = this.lowerBound(ts, true);
      this.unshare();
      this.items.splice(i, 0, item);
      this.times.copyWithin(i + 1, i, n);
      this.times[i] = ts;
      this.delivered.copyWithin(i + 1, i, n);
      this.delivered[i] = 0;
      if (i < this.firstUndelivered) this.firstUndelivered = i;
    }
    // Windows containing ts that already fired but whose lateness is not over fire again (those the
    // clock passed that have not fired yet take it in their regular firing).
    if (this.w.allowedLatenessMs > 0) {
      // Stepped by window, not by `end += slide`: a bounded loop whatever float rounding does.
      const first = this.firstEnd(ts);
      const top = Math.min(this.cursor, last);
      const windows = this.w.length / this.w.slide;
      for (let k = 0; k < windows; k++) {
        const end = first + k * this.w.slide;
        if (end > top) break;
        if (end + this.w.allowedLatenessMs > this.clock) this.refire.add(end);
      }
    }
    return 'added';
  }

  /**
   * Moves the clock to `t` (never backwards); windows ending in (cursor, t] become due. Advancing
   * again before the firing loop skips nothing: the next {@link next} calls fire them all.
   */
  advance(t: number): void {
    if (t > this.clock) this.clock = t;
  }

  /**
   * The next window due at the current clock, in end order, or undefined: then every window ending
   * by the clock has fired (or was empty) and the cursor moves to the clock. Call {@link evict}
   * after executing a firing.
   */
  next(): Firing<T> | undefined {
    const due = takeNextEnd(this.nextRegularEnd(), this.refire);
    if (due === undefined) {
      if (this.cursor < this.clock) this.cursor = this.clock;
      return undefined;
    }
    const end = due.end;
    if (!due.refire) this.cursor = end;
    const lo = this.lowerBound(end - this.w.length, false);
    const hi = this.lowerBound(end, false);
    const { freshLo, freshList } = this.deliver(lo, hi);
    const expired = this.pendingExpired;
    this.pendingExpired = [];
    this.shared = true;
    return new LazyFiring(end - this.w.length, end, this.items, lo, hi, freshLo, freshList, expired);
  }

  /**
   * Marks `[lo, hi)` delivered; the newly delivered are `items[freshLo, hi)` when they are one
   * run at the end (always, but for out-of-order inserts), else listed in `freshList`.
   */
  private deliver(lo: number, hi: number): { freshLo: number; freshList: T[] | undefined } {
    const d = this.delivered;
    let from = this.firstUndelivered > lo ? this.firstUndelivered : lo;
    while (from < hi && d[from]) from++;
    let run = true;
    for (let i = from; i < hi; i++) if (d[i]) { run = false; break; }
    let freshList: T[] | undefined;
    if (run) {
      d.fill(1, from, hi);
    } else {
      freshList = [];
      for (let i = from; i < hi; i++) {
        if (!d[i]) {
          d[i] = 1;
          freshList.push(this.items[i]!);
        }
      }
    }
    // Entries below lo left undelivered (if any) keep the mark where it is.
    if (this.firstUndelivered >= lo) this.firstUndelivered = Math.max(this.firstUndelivered, hi);
    else while (this.firstUndelivered < hi && d[this.firstUndelivered]) this.firstUndelivered++;
    return { freshLo: run ? from : hi, freshList };
  }

  /**
   * Removes the entries that left every window (all their windows fired, none is due to fire
   * again, and their lateness is over) and returns their items, to be acked.
   */
  evict(): readonly T[] {
    let minRefire = Infinity;
    for (const r of this.refire) if (r < minRefire) minRefire = r;
    const start = this.head;
    const len = this.items.length;
    const lateness = this.w.allowedLatenessMs;
    let i = start;
    for (; i < len; i++) {
      const last = this.lastEnd(this.times[i]!);
      if (last > this.cursor || last >= minRefire || last + lateness > this.clock) break;
    }
    if (i === start) return EMPTY;
    const gone = this.items.slice(start, i);
    let allDelivered = true;
    for (let j = start; j < i; j++) if (!this.delivered[j]) { allDelivered = false; break; }
    if (allDelivered) this.pendingExpired.push(gone);
    else this.pendingExpired.push(gone.filter((_, j) => this.delivered[start + j]));
    this.head = i;
    if (this.firstUndelivered < i) this.firstUndelivered = i;
    this.compact();
    return gone;
  }

  /**
   * Drops every item from every window and returns them (they are failed: the bolt stops); windows
   * due to fire again within lateness are forgotten too. The evicted items still to be reported
   * as expired (already acked) stay for the next firing.
   */
  takeAll(): T[] {
    const all = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.firstUndelivered = 0;
    this.shared = false;
    this.refire.clear();
    return all;
  }

  /** Drops one item from every window (it was failed). */
  remove(item: T): boolean {
    const i = this.items.indexOf(item, this.head);
    if (i < 0) return false;
    this.unshare();
    const n = this.items.length;
    this.items.splice(i, 1);
    this.times.copyWithin(i, i + 1, n);
    this.delivered.copyWithin(i, i + 1, n);
    if (i < this.firstUndelivered) this.firstUndelivered--;
    return true;
  }

  /** Doubles the capacity of the typed arrays. */
  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const delivered = new Uint8Array(this.delivered.length * 2);
    delivered.set(this.delivered);
    this.delivered = delivered;
  }

  /** Before writing `items` in place: copy it if a firing may read it. */
  private unshare(): void {
    if (!this.shared) return;
    this.items = this.items.slice();
    this.shared = false;
  }

  private compact(): void {
    const dead = this.head;
    if (dead < COMPACT_MIN || dead * 4 < this.items.length - dead) return;
    const n = this.items.length;
    this.items = this.items.slice(dead);
    this.times.copyWithin(0, dead, n);
    this.delivered.copyWithin(0, dead, n);
    this.firstUndelivered -= dead;
    this.head = 0;
    this.shared = false;
  }

  private nextRegularEnd(): number | undefined {
    const s = this.w.slide;
    let end = this.cursor === -Infinity ? -Infinity : Math.floor(this.cursor / s) * s + s;
    const i = this.lowerBound(end === -Infinity ? -Infinity : end - this.w.length, false);
    if (i >= this.items.length) return undefined;
    end = Math.max(end, this.firstEnd(this.times[i]!));
    // end > cursor always holds below 2^53 (event-time.ts caps timestamps); checked anyway so that
    // no rounding can make the firing loop fire one window forever.
    return end <= this.clock && end > this.cursor ? end : undefined;
  }

  /** First live index whose ts is >= t (or > t when `after`). */
  private lowerBound(t: number, after: boolean): number {
    let lo = this.head;
    let hi = this.items.length;
    const times = this.times;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ts = times[mid]!;
      if (after ? ts <= t : ts < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const EMPTY: readonly never[] = Object.freeze([]);
