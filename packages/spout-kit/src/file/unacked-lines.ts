/**
 * A file spout's emitted, not yet acked lines (or batches) by byte offset, each with the offset
 * just past it (its end): the subset of a Map the spout needs, over a ring of typed arrays in emit
 * order. No line text is kept: a replay reads the range again from the file, so a line held for a
 * checkpoint interval is not a string the GC copies twice and promotes. New
 * emits come in file order, so the offsets in the ring ascend and a lookup is a search instead
 * of a hash. A stateful bolt holds every line's ack until its checkpoint commits (a second of
 * input, hundreds of thousands of lines): a Map of that size, keyed by numbers, grew by rehashing
 * and was a few percent of the checkpoint benchmark's CPU; here growth copies two flat arrays.
 *
 * An acked entry leaves a hole that the head skips once everything before it is acked. A line
 * that stays unacked (replayed again and again) would pin the head while the holes behind it
 * pile up, so the ring is compacted when it is mostly holes. And a ring that grew for a burst
 * (a checkpoint interval of a million lines) shrinks again as its lines are acked: once fewer than
 * an eighth of its slots are live it is copied into one 2-4 times the live count, so growing (when
 * full) and shrinking are a factor 2 apart and a steady number in flight never thrashes; each copy
 * is paid for by the pushes or acks since the last one (O(1) amortised). So memory stays
 * proportional to the lines actually unacked.
 */

const MIN_CAPACITY = 64;

export class UnackedLines {
  /** Ring of offsets, ascending from `head` for `length` slots (holes included). */
  private offsets: Float64Array;
  /** The end offset per slot; -1: a hole (acked). */
  private ends: Float64Array;
  private head = 0;
  private length = 0;
  private mask: number;
  private live = 0;

  constructor() {
    this.offsets = new Float64Array(MIN_CAPACITY);
    this.ends = new Float64Array(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
  }

  /** Slots of the ring (for tests of its memory). */
  get capacity(): number {
    return this.offsets.length;
  }

  /** Entries not acked. */
  get size(): number {
    return this.live;
  }

  /** Adds the entry `[offset, end)`; `offset` must be above every offset added before (file order). */
  push(offset: number, end: number): void {
    if (this.length > 0 && !(offset > this.offsets[(this.head + this.length - 1) & this.mask]!)) {
      throw new RangeError(`UnackedLines.push: offset ${offset} is not above the last one`);
    }
    if (this.length === this.offsets.length) this.resize(this.live * 2 >= this.length ? this.length * 2 : this.length);
    const i = (this.head + this.length) & this.mask;
    this.offsets[i] = offset;
    this.ends[i] = end;
    this.length++;
    this.live++;
  }

  /** The end of the entry at `offset`, or -1 when there is none (acked, or never emitted). */
  endOf(offset: number): number {
    const i = this.find(offset);
    return i < 0 ? -1 : this.ends[i]!;
  }

  has(offset: number): boolean {
    return this.endOf(offset) >= 0;
  }

  delete(offset: number): boolean {
    const i = this.find(offset);
    if (i < 0 || this.ends[i]! < 0) return false;
    this.ends[i] = -1;
    this.live--;
    if (i === this.head) this.skipHoles();
    const cap = this.offsets.length;
    if ((cap > MIN_CAPACITY && this.live * 8 < cap) || (this.length > 4 * MIN_CAPACITY && this.live * 4 < this.length)) {
      this.resize(this.capacityFor(this.live));
    }
    return true;
  }

  /** Drops the holes at the head (the oldest entries are acked). */
  private skipHoles(): void {
    const { ends, mask } = this;
    while (this.length > 0 && ends[this.head]! < 0) {
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
    const { offsets, ends, head, mask, length } = this;
    const no = new Float64Array(cap);
    const ne = new Float64Array(cap);
    let n = 0;
    for (let k = 0; k < length; k++) {
      const i = (head + k) & mask;
      const e = ends[i]!;
      if (e < 0) continue;
      no[n] = offsets[i]!;
      ne[n++] = e;
    }
    this.offsets = no;
    this.ends = ne;
    this.mask = cap - 1;
    this.head = 0;
    this.length = n;
  }
}
