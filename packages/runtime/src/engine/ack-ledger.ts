import { EMPTY_ROOT, findRootSlot, releaseRootSlot, rootHome } from '../root-slots.js';
/**
 * The acker's state, Storm's algorithm: per tuple tree (root id) the XOR of every edge id
 * seen so far. Each edge id is XORed in twice (once when the tuple is emitted, once when it
 * is acked), so the value returns to zero exactly when every tuple of the tree was acked.
 *
 * Storage is an open-addressing hash table (linear probing, backward-shift deletion) over
 * typed arrays: no Map, no per-tree object. Root ids are 53-bit doubles, which a JS Map would
 * box and hash slowly; a profile of acked word count showed Map.delete alone at 10% of CPU.
 * Acks may arrive before the spout's init (different paths, or bolts run inline by the
 * emitting spout); the entry then waits, unowned, for its init or for expiry.
 */
export const NOT_DONE = -1;

const F_INIT = 1;
const F_FAILED = 2;
const EMPTY = EMPTY_ROOT;

export interface LedgerOutcome {
  /** Owning spout task when the tree finished (acked or failed), else {@link NOT_DONE}. */
  spoutTask: number;
  failed: boolean;
}

export class AckLedger {
  private keys!: Float64Array;
  private hi!: Int32Array;
  private lo!: Int32Array;
  private owner!: Int32Array;
  private flags!: Uint8Array;
  private epoch!: Uint32Array;
  private mask = 0;
  private count = 0;
  private currentEpoch = 0;
  /** Result of the last call; reused to keep the hot path allocation-free. */
  readonly outcome: LedgerOutcome = { spoutTask: NOT_DONE, failed: false };

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap <<= 1;
    this.allocate(cap);
  }

  /** Fresh, empty arrays of `cap` slots (a power of two). */
  private allocate(cap: number): void {
    this.mask = cap - 1;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.hi = new Int32Array(cap);
    this.lo = new Int32Array(cap);
    this.owner = new Int32Array(cap);
    this.flags = new Uint8Array(cap);
    this.epoch = new Uint32Array(cap);
  }

  /** Trees currently tracked. */
  get size(): number {
    return this.count;
  }

  private home(root: number): number {
    return rootHome(root, this.mask);
  }

  private find(root: number): number {
    return findRootSlot(this.keys, this.mask, root);
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
    this.owner[i] = NOT_DONE;
    this.flags[i] = 0;
    this.epoch[i] = this.currentEpoch;
    this.count++;
    return i;
  }

  private grow(): void {
    const { keys, hi, lo, owner, flags, epoch } = this;
    this.allocate(keys.length * 2);
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j]!;
      if (k === EMPTY) continue;
      let i = this.home(k);
      while (this.keys[i] !== EMPTY) i = (i + 1) & this.mask;
      this.keys[i] = k;
      this.hi[i] = hi[j]!;
      this.lo[i] = lo[j]!;
      this.owner[i] = owner[j]!;
      this.flags[i] = flags[j]!;
      this.epoch[i] = epoch[j]!;
    }
  }

  /** Removes slot i, shifting later members of its probe run back so lookups stay correct. */
  private release(i: number): void {
    this.count--;
    releaseRootSlot(this.keys, this.mask, i, this.moveSlot);
  }

  /** Copies slot `from`'s columns to `to` (one closure per ledger, not per release). */
  private readonly moveSlot = (from: number, to: number): void => {
    this.hi[to] = this.hi[from]!;
    this.lo[to] = this.lo[from]!;
    this.owner[to] = this.owner[from]!;
    this.flags[to] = this.flags[from]!;
    this.epoch[to] = this.epoch[from]!;
  };

  private settle(s: number): LedgerOutcome {
    const o = this.outcome;
    o.spoutTask = NOT_DONE;
    o.failed = false;
    const f = this.flags[s]!;
    if ((f & F_INIT) === 0) return o;
    if ((f & F_FAILED) !== 0) {
      o.spoutTask = this.owner[s]!;
      o.failed = true;
      this.release(s);
    } else if ((this.hi[s]! | this.lo[s]!) === 0) {
      o.spoutTask = this.owner[s]!;
      this.release(s);
    }
    return o;
  }

  /** The spout emitted a tree: `hi/lo` is the XOR of the edge ids it sent out. */
  init(root: number, hi: number, lo: number, spoutTask: number): LedgerOutcome {
    if ((hi | lo) === 0 && this.find(root) < 0) {
      // Complete on arrival (its acks were merged into it, Transfer.mergeInit, or it has no
      // edges): the entry slot() would add is released at once; skip both.
      const o = this.outcome;
      o.spoutTask = spoutTask;
      o.failed = false;
      return o;
    }
    const s = this.slot(root);
    this.hi[s]! ^= hi;
    this.lo[s]! ^= lo;
    this.owner[s] = spoutTask;
    this.flags[s]! |= F_INIT;
    return this.settle(s);
  }

  /** A bolt acked a tuple of the tree: `hi/lo` is its edge id XOR the edge ids it emitted anchored. */
  ack(root: number, hi: number, lo: number): LedgerOutcome {
    const s = this.slot(root);
    this.hi[s]! ^= hi;
    this.lo[s]! ^= lo;
    return this.settle(s);
  }

  /** A bolt failed a tuple of the tree: the whole tree fails at once. */
  fail(root: number): LedgerOutcome {
    const s = this.slot(root);
    this.flags[s]! |= F_FAILED;
    return this.settle(s);
  }

  /** Spout task owning a tracked tree, or {@link NOT_DONE}. */
  ownerOf(root: number): number {
    const s = this.find(root);
    return s < 0 ? NOT_DONE : this.owner[s]!;
  }

  /** Restarts the expiry clock of a tree. */
  touch(root: number): void {
    const s = this.find(root);
    if (s >= 0) this.epoch[s] = this.currentEpoch;
  }

  /** Forgets a tree (its spout timed it out). */
  forget(root: number): void {
    const s = this.find(root);
    if (s >= 0) this.release(s);
  }

  /**
   * Advances the epoch and drops trees not touched for `keepEpochs` rotations; returns how many.
   * Driven every `messageTimeoutMs / 2`, so with keepEpochs 2 an entry lives 1x–1.5x the timeout.
   */
  rotate(keepEpochs = 2): number {
    this.currentEpoch++;
    const stale: number[] = [];
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] !== EMPTY && this.currentEpoch - this.epoch[i]! > keepEpochs) stale.push(this.keys[i]!);
    }
    for (const root of stale) this.forget(root);
    return stale.length;
  }
}
