import { LazyFiring, type Firing } from './firing.js';

/*
 * The buffer of a count window: every `slide`-th tuple fires the window of the last `length`
 * tuples (fewer until that many arrived, as in Storm). After a firing only the newest
 * `length - slide` tuples can be in the next window; the rest leave and are acked.
 * The buffer never holds more than `length` tuples. The undelivered tuples are always the
 * newest ones (at most `slide` of them), so a counter replaces a flag per entry; `items` is
 * replaced rather than written in place while a firing may read it (firing.ts).
 */
export class CountWindowState<T> {
  private items: T[] = [];
  private head = 0;
  /** How many of the newest entries no firing delivered yet. */
  private undelivered = 0;
  private shared = false;
  private pendingExpired: (readonly T[])[] = [];
  private arrived = 0;

  constructor(private readonly length: number, private readonly slide: number) {}

  get size(): number {
    return this.items.length - this.head;
  }

  /** Buffers `item`; returns the firing it completes, if any. Call {@link evict} after executing it. */
  add(item: T): Firing<T> | undefined {
    this.items.push(item);
    this.undelivered++;
    this.arrived++;
    if (this.arrived % this.slide !== 0) return undefined;
    const hi = this.items.length;
    const lo = Math.max(this.head, hi - this.length);
    const freshLo = Math.max(lo, hi - this.undelivered);
    this.undelivered = 0;
    const expired = this.pendingExpired;
    this.pendingExpired = [];
    this.shared = true;
    return new LazyFiring(NaN, NaN, this.items, lo, hi, freshLo, undefined, expired);
  }

  /** After a firing: removes and returns the tuples that cannot be in the next window. */
  evict(): readonly T[] {
    const keep = Math.max(0, this.length - this.slide);
    const n = Math.max(0, this.size - keep);
    if (n === 0) return [];
    const gone = this.items.slice(this.head, this.head + n);
    this.pendingExpired.push(gone);
    this.head += n;
    if (this.head >= 1024 && this.head * 4 >= this.items.length - this.head) {
      this.items = this.items.slice(this.head);
      this.head = 0;
      this.shared = false;
    }
    return gone;
  }

  /** Drops every item (they are failed: the bolt stops) and returns them. */
  takeAll(): T[] {
    const all = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.undelivered = 0;
    this.shared = false;
    return all;
  }

  remove(item: T): boolean {
    const i = this.items.indexOf(item, this.head);
    if (i < 0) return false;
    if (this.shared) {
      this.items = this.items.slice();
      this.shared = false;
    }
    this.items.splice(i, 1);
    if (i >= this.items.length - this.undelivered + 1) this.undelivered--;
    return true;
  }
}
