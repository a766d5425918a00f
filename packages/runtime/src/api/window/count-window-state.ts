import type { Firing } from './time-window-state.js';

/*
 * The buffer of a count window: every `slide`-th tuple fires the window of the last `length`
 * tuples (fewer until that many arrived, as in Storm). After a firing only the newest
 * `length - slide` tuples can be in the next window; the rest leave and are acked.
 * The buffer never holds more than `length` tuples.
 */
export class CountWindowState<T> {
  private entries: { item: T; delivered: boolean }[] = [];
  private pendingExpired: T[] = [];
  private arrived = 0;

  constructor(private readonly length: number, private readonly slide: number) {}

  get size(): number {
    return this.entries.length;
  }

  /** Buffers `item`; returns the firing it completes, if any. Call {@link evict} after executing it. */
  add(item: T): Firing<T> | undefined {
    this.entries.push({ item, delivered: false });
    this.arrived++;
    if (this.arrived % this.slide !== 0) return undefined;
    const inWindow = this.entries.slice(-this.length);
    const fresh: T[] = [];
    for (const e of inWindow) {
      if (!e.delivered) {
        e.delivered = true;
        fresh.push(e.item);
      }
    }
    const expired = this.pendingExpired;
    this.pendingExpired = [];
    return { start: NaN, end: NaN, window: inWindow.map((e) => e.item), fresh, expired };
  }

  /** After a firing: removes and returns the tuples that cannot be in the next window. */
  evict(): T[] {
    const keep = Math.max(0, this.length - this.slide);
    const n = Math.max(0, this.entries.length - keep);
    const gone = this.entries.splice(0, n);
    for (const e of gone) this.pendingExpired.push(e.item);
    return gone.map((e) => e.item);
  }

  remove(item: T): boolean {
    const i = this.entries.findIndex((e) => e.item === item);
    if (i < 0) return false;
    this.entries.splice(i, 1);
    return true;
  }
}
