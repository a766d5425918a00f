import type { Tuple } from '../types.js';

/*
 * The acks a stateful bolt holds until a checkpoint commits (docs/state.md), kept as what the
 * acker will be told rather than as the tuples: per tree (root id) the XOR of the held inputs'
 * ack values. A line's N word tuples become one entry, and the tuples themselves die young
 * instead of living (and being copied by the GC) for a checkpoint interval. Open addressing over
 * typed arrays, as the acker's ledger (ack-ledger.ts): no object per tree, no boxed 53-bit keys.
 */

const EMPTY = -1;
/** Entry flag: the tree was failed while held; it is neither acked nor failed again. */
const DEAD = 1;

export class HeldAcks {
  private keys!: Float64Array;
  private hi!: Int32Array;
  private lo!: Int32Array;
  private flags!: Uint8Array;
  private mask = 0;
  private count = 0;
  /** Inputs recorded (acked by the bolt) since the last clear: what the task's `acked` counter gains at commit. */
  tuples = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap <<= 1;
    this.allocate(cap);
  }

  private allocate(cap: number): void {
    this.mask = cap - 1;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.hi = new Int32Array(cap);
    this.lo = new Int32Array(cap);
    this.flags = new Uint8Array(cap);
  }

  /** Trees held (failed ones included). */
  get size(): number {
    return this.count;
  }

  private home(root: number): number {
    return Math.imul(root >>> 0, 0x9e3779b1) >>> 0 & this.mask;
  }

  private slot(root: number): number {
    const keys = this.keys;
    let i = this.home(root);
    for (;;) {
      const k = keys[i]!;
      if (k === root) return i;
      if (k === EMPTY) break;
      i = (i + 1) & this.mask;
    }
    if ((this.count + 1) * 2 > keys.length) {
      this.grow();
      return this.slot(root);
    }
    keys[i] = root;
    this.hi[i] = 0;
    this.lo[i] = 0;
    this.flags[i] = 0;
    this.count++;
    return i;
  }

  private grow(): void {
    const { keys, hi, lo, flags } = this;
    this.allocate(keys.length * 2);
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j]!;
      if (k === EMPTY) continue;
      let i = this.home(k);
      while (this.keys[i] !== EMPTY) i = (i + 1) & this.mask;
      this.keys[i] = k;
      this.hi[i] = hi[j]!;
      this.lo[i] = lo[j]!;
      this.flags[i] = flags[j]!;
    }
  }

  /** XORs an ack value `hi/lo` into tree `root`'s entry. */
  add(root: number, hi: number, lo: number): void {
    const s = this.slot(root);
    this.hi[s]! ^= hi;
    this.lo[s]! ^= lo;
  }

  /** The tree failed: its entry stays (so later acks of it are dropped too) but is skipped by {@link forEach}. */
  kill(root: number): void {
    this.flags[this.slot(root)] = DEAD;
  }

  /** Calls `fn` for every tree held and not killed. */
  forEach(fn: (root: number, hi: number, lo: number) => void): void {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k !== EMPTY && this.flags[i] === 0) fn(k, this.hi[i]!, this.lo[i]!);
    }
  }

  /** Moves every entry into `other` (XORed into its entries; killed stays killed) and clears this. */
  moveInto(other: HeldAcks): void {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k === EMPTY) continue;
      if (this.flags[i] !== 0) other.kill(k);
      else other.add(k, this.hi[i]!, this.lo[i]!);
    }
    other.tuples += this.tuples;
    this.clear();
  }

  clear(): void {
    if (this.count > 0) {
      // Kept at its size: the next interval holds about as many trees (no regrowth every
      // interval); a table far larger than what it held (after a burst) gives memory back.
      if (this.keys.length > 65_536 && this.count * 32 < this.keys.length) this.allocate(this.keys.length >>> 2);
      else this.keys.fill(EMPTY);
    }
    this.count = 0;
    this.tuples = 0;
  }
}

/**
 * What the stateful-bolt executor needs of its task's collector besides the public API (the
 * engine's bolt task implements it; internal, reached by `'holdAck' in collector`).
 */
export interface AckHolder {
  /**
   * The bolt acked `tuple`: mark it acked (so it can no longer be acked, failed or anchored to)
   * and record its ack value per tree in `into`, without telling the acker. False when the tuple
   * was already acked or failed.
   */
  holdAck(tuple: Tuple, into: HeldAcks): boolean;
  /**
   * The bolt failed `tuple`, pending or acked (held): fail its trees now (once), and kill them in
   * `held` so that no held ack of them reaches the acker after the failure.
   */
  failTuple(tuple: Tuple, held: readonly HeldAcks[]): void;
  /** Tells the acker every held ack (one message per tree) and counts the inputs acked. */
  applyHeld(held: HeldAcks): void;
  /** Fails every held tree and counts the inputs failed. */
  failHeld(held: HeldAcks): void;
  /** Restarts the timeout of every held tree. */
  resetHeld(held: HeldAcks): void;
}
