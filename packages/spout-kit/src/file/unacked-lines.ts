/**
 * A file spout's emitted, not yet acked lines (or batches), by byte offset: the subset of a Map
 * the spout needs (set, get, has, delete, size), over a ring of offsets in emit order. New
 * emits come in file order, so the offsets in the ring ascend and a lookup is a search instead
 * of a hash. A stateful bolt holds every line's ack until its checkpoint commits (a second of
 * input, hundreds of thousands of lines): a Map of that size, keyed by numbers, grew by rehashing
 * and was a few percent of the checkpoint benchmark's CPU; here growth copies two flat arrays.
 *
 * An acked entry leaves a hole that the head skips once everything before it is acked. A line
 * that stays unacked (replayed again and again) would pin the head while the holes behind it
 * pile up, so the ring is compacted when it is mostly holes: memory stays proportional to the
 * lines actually unacked.
 */

const MIN_CAPACITY = 64;

export class UnackedLines<V> {
  /** Ring of offsets, ascending from `head` for `length` slots (holes included). */
  private offsets: Float64Array;
  /** The entry per slot; undefined: a hole (acked). */
  private values: (V | undefined)[];
  private head = 0;
  private length = 0;
  private mask: number;
  private live = 0;

  constructor() {
    this.offsets = new Float64Array(MIN_CAPACITY);
    this.values = new Array<V | undefined>(MIN_CAPACITY).fill(undefined);
    this.mask = MIN_CAPACITY - 1;
  }

  /** Entries not acked. */
  get size(): number {
    return this.live;
  }

  /** Adds an entry; `offset` must be above every offset added before (file order). */
  push(offset: number, value: V): void {
    if (this.length > 0 && !(offset > this.offsets[(this.head + this.length - 1) & this.mask]!)) {
      throw new RangeError(`UnackedLines.push: offset ${offset} is not above the last one`);
    }
    if (this.length === this.offsets.length) this.resize(this.live * 2 >= this.length ? this.length * 2 : this.length);
    const i = (this.head + this.length) & this.mask;
    this.offsets[i] = offset;
    this.values[i] = value;
    this.length++;
    this.live++;
  }

  get(offset: number): V | undefined {
    const i = this.find(offset);
    return i < 0 ? undefined : this.values[i];
  }

  has(offset: number): boolean {
    const i = this.find(offset);
    return i >= 0 && this.values[i] !== undefined;
  }

  delete(offset: number): boolean {
    const i = this.find(offset);
    if (i < 0 || this.values[i] === undefined) return false;
    this.values[i] = undefined;
    this.live--;
    if (i === this.head) this.skipHoles();
    else if (this.length > 4 * MIN_CAPACITY && this.live * 4 < this.length) this.resize(this.capacityFor(this.live));
    return true;
  }

  /** Drops the holes at the head (the oldest entries are acked). */
  private skipHoles(): void {
    const { values, mask } = this;
    while (this.length > 0 && values[this.head] === undefined) {
      this.head = (this.head + 1) & mask;
      this.length--;
    }
    if (this.length === 0) this.head = 0;
  }

  /**
   * The ring slot of `offset`, or -1. Offsets grow about linearly along the ring (lines of similar
   * length), so each step guesses the position by interpolation, with bisection every other step
   * so that a skewed file still takes O(log n) steps.
   */
  private find(offset: number): number {
    const { offsets, head, mask } = this;
    let lo = 0;
    let hi = this.length - 1;
    let interpolate = true;
    while (lo <= hi) {
      const a = offsets[(head + lo) & mask]!;
      const b = offsets[(head + hi) & mask]!;
      if (offset < a || offset > b) return -1;
      let mid: number;
      if (interpolate && b > a) mid = lo + Math.floor(((offset - a) / (b - a)) * (hi - lo));
      else mid = (lo + hi) >>> 1;
      interpolate = !interpolate;
      const m = offsets[(head + mid) & mask]!;
      if (m === offset) return (head + mid) & mask;
      if (m < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private capacityFor(n: number): number {
    let cap = MIN_CAPACITY;
    while (cap < n * 2) cap <<= 1;
    return cap;
  }

  /** Copies the live entries, in order and without holes, into a ring of `cap` slots. */
  private resize(cap: number): void {
    const { offsets, values, head, mask, length } = this;
    const no = new Float64Array(cap);
    const nv = new Array<V | undefined>(cap).fill(undefined);
    let n = 0;
    for (let k = 0; k < length; k++) {
      const i = (head + k) & mask;
      const v = values[i];
      if (v === undefined) continue;
      no[n] = offsets[i]!;
      nv[n++] = v;
    }
    this.offsets = no;
    this.values = nv;
    this.mask = cap - 1;
    this.head = 0;
    this.length = n;
  }
}
