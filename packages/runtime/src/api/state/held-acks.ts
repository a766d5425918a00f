import { EMPTY_ROOT, findRootSlot, rootHome } from '../../root-slots.js';
import type { Tuple } from '../types.js';

/*
 * The acks a stateful bolt holds until a checkpoint commits (docs/state.md), kept as what the
 * acker will be told rather than as the tuples: per tree (root id) the XOR of the held inputs'
 * ack values. A line's N word tuples become one entry, and the tuples themselves die young
 * instead of living (and being copied by the GC) for a checkpoint interval. Open addressing over
 * typed arrays, as the acker's ledger (ack-ledger.ts): no object per tree, no boxed 53-bit keys.
 */

/** Entry flag: the tree was failed while held; it is neither acked nor failed again. */
const DEAD = 1;

/** The last generation handed out (see {@link HeldAcks.gen}); never 0, which marks a tuple no table held. */
let generations = 0;

export class HeldAcks {
  /**
   * 16 bytes per slot, key and value side by side (one cache line per lookup in a table of
   * hundreds of thousands of trees): `keys[2i]` the root, `words[4i + 2]` / `words[4i + 3]` the
   * XOR halves, both views over one buffer.
   */
  private keys!: Float64Array;
  private words!: Int32Array;
  /** DEAD per slot; zero for empty slots (cleared only when something was killed). */
  private flags!: Uint8Array;
  private cap = 0;
  private mask = 0;
  private count = 0;
  private killed = 0;
  /** The last tree added to, and its slot: a line's words tend to come one after another. */
  private lastRoot = EMPTY_ROOT;
  private lastSlot = 0;
  /** `lastRoot` as {@link addSplit} gets roots: its two halves (-1: none). */
  private lastHi = -1;
  private lastLo = 0;
  /** Inputs recorded (acked by the bolt) since the last clear: what the task's `acked` counter gains at commit. */
  tuples = 0;
  /**
   * Which inputs' acks are in this table, by generation: the bolt task stamps each input it records
   * with `gen` (AckHolder.holdAck), and the table holds the acks of the inputs stamped
   * `firstGen..gen`. A fresh or {@link renew}ed table holds one generation, its own, new in the
   * process; {@link moveInto} adds the range of the table moved in; {@link clear} (the acks were
   * applied or their trees failed) makes it hold none. So an input acked into a table whose acks
   * went out since is told apart from one whose ack is still held (AckHolder.failTuple), whatever
   * other inputs of its trees are held. The owner must renew a cleared table before recording into it.
   */
  gen = ++generations;
  private firstGen = this.gen;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap <<= 1;
    this.allocate(cap);
  }

  /** Whether the ack of an input stamped `gen` (AckHolder.holdAck) is in this table. */
  holdsGeneration(gen: number): boolean {
    return gen >= this.firstGen && gen <= this.gen;
  }

  /** Takes a new generation (newer than every one before): inputs recorded from now on are told apart from those of before. Only when empty. */
  renew(): void {
    this.gen = this.firstGen = ++generations;
  }

  private allocate(cap: number): void {
    this.cap = cap;
    this.mask = cap - 1;
    const buf = new ArrayBuffer(cap * 16);
    const keys = new Float64Array(buf);
    for (let i = 0; i < cap; i++) keys[i * 2] = EMPTY_ROOT;
    this.keys = keys;
    this.words = new Int32Array(buf);
    this.flags = new Uint8Array(cap);
    this.forgetLast();
  }

  private forgetLast(): void {
    this.lastRoot = EMPTY_ROOT;
    this.lastHi = -1;
  }

  /**
   * Makes room for `trees` entries without growing: an empty table about to record an interval's
   * acks is sized for as many trees as the last interval held, so it does not grow through every
   * doubling (rehashing each time) while a second of input arrives.
   */
  reserve(trees: number): void {
    if (this.count > 0 || this.cap >= trees * 2) return;
    let cap = this.cap;
    while (cap < trees * 2) cap <<= 1;
    this.allocate(cap);
  }

  /** Slots of the table (for tests of its memory). */
  get capacity(): number {
    return this.cap;
  }

  /** Trees held (failed ones included). */
  get size(): number {
    return this.count;
  }

  private slot(root: number): number {
    if (root === this.lastRoot) return this.lastSlot;
    const keys = this.keys;
    let i = rootHome(root, this.mask);
    for (;;) {
      const k = keys[i * 2]!;
      if (k === root) break;
      if (k === EMPTY_ROOT) {
        if ((this.count + 1) * 2 > this.cap) {
          this.grow();
          return this.slot(root);
        }
        keys[i * 2] = root;
        this.words[i * 4 + 2] = 0;
        this.words[i * 4 + 3] = 0;
        this.count++;
        break;
      }
      i = (i + 1) & this.mask;
    }
    this.lastRoot = root;
    this.lastHi = -1; // addSplit sets the halves when it is the caller
    this.lastSlot = i;
    return i;
  }

  private grow(): void {
    const { keys, words, flags, cap } = this;
    this.allocate(cap * 2);
    const nk = this.keys;
    const nw = this.words;
    const nf = this.flags;
    const mask = this.mask;
    for (let j = 0; j < cap; j++) {
      const k = keys[j * 2]!;
      if (k === EMPTY_ROOT) continue;
      let i = rootHome(k, mask);
      while (nk[i * 2] !== EMPTY_ROOT) i = (i + 1) & mask;
      nk[i * 2] = k;
      nw[i * 4 + 2] = words[j * 4 + 2]!;
      nw[i * 4 + 3] = words[j * 4 + 3]!;
      nf[i] = flags[j]!;
    }
  }

  /**
   * {@link add} for a root given as a tuple holds it (high 21 bits `rootHi` >= 0, low 32 bits
   * `rootLo` as an int32): the last tree is recognised from the two ints, so the joined root, a
   * double beyond the small-integer range, is made (and boxed) once per tree rather than once
   * per input: a heap number per held ack was most of what a stateful count allocated per tuple.
   */
  addSplit(rootHi: number, rootLo: number, hi: number, lo: number): void {
    let s: number;
    if (rootHi === this.lastHi && rootLo === this.lastLo) s = this.lastSlot * 4;
    else {
      s = this.slot(rootHi * 4294967296 + (rootLo >>> 0)) * 4;
      this.lastHi = rootHi;
      this.lastLo = rootLo;
    }
    this.words[s + 2]! ^= hi;
    this.words[s + 3]! ^= lo;
  }

  /** XORs an ack value `hi/lo` into tree `root`'s entry. */
  add(root: number, hi: number, lo: number): void {
    const s = this.slot(root) * 4;
    this.words[s + 2]! ^= hi;
    this.words[s + 3]! ^= lo;
  }

  /** 0: tree `root` is not held here; 1: held (acks to apply); 2: held but killed (failed while held). Inserts nothing. */
  holds(root: number): 0 | 1 | 2 {
    const i = findRootSlot(this.keys, this.mask, root, 2);
    if (i < 0) return 0;
    return this.flags[i] === 0 ? 1 : 2;
  }

  /** The tree failed: its entry stays (so later acks of it are dropped too) but is skipped by {@link forEach}. */
  kill(root: number): void {
    this.flags[this.slot(root)] = DEAD;
    this.killed++;
  }

  /** Calls `fn` for every tree held and not killed. */
  forEach(fn: (root: number, hi: number, lo: number) => void): void {
    const { keys, words, flags, cap } = this;
    for (let i = 0; i < cap; i++) {
      const k = keys[i * 2]!;
      if (k !== EMPTY_ROOT && flags[i] === 0) fn(k, words[i * 4 + 2]!, words[i * 4 + 3]!);
    }
  }

  /**
   * Moves every entry into `other` (XORed into its entries; killed stays killed), and the
   * generations with them, and clears this. `other` must hold older generations than this (or
   * none): its range grows to this one's end, and no generation in between was recorded
   * anywhere else (StatefulBoltExecutor renews the table it records into at every PREPARE).
   */
  moveInto(other: HeldAcks): void {
    const { keys, words, flags, cap } = this;
    for (let i = 0; i < cap; i++) {
      const k = keys[i * 2]!;
      if (k === EMPTY_ROOT) continue;
      if (flags[i] !== 0) other.kill(k);
      else other.add(k, words[i * 4 + 2]!, words[i * 4 + 3]!);
    }
    other.tuples += this.tuples;
    if (this.firstGen <= this.gen) {
      if (other.firstGen > other.gen) other.firstGen = this.firstGen;
      other.gen = this.gen;
    }
    this.clear();
  }

  clear(): void {
    // Kept at its size: the next interval holds about as many trees (no regrowth every interval,
    // and reserve() sizes the other table from this one's count). A table far larger than what it
    // held gives memory back, a quarter per clear: also when it held nothing, or the two tables a
    // burst grew would stay at the burst's size through every idle interval after it (each is
    // cleared every other interval: the executor swaps them at PREPARE).
    if (this.cap > 65_536 && this.count * 32 < this.cap) this.allocate(this.cap >>> 2);
    else if (this.count > 0) {
      const keys = this.keys;
      for (let i = 0; i < this.cap; i++) keys[i * 2] = EMPTY_ROOT;
      if (this.killed > 0) this.flags.fill(0);
    }
    this.count = 0;
    this.killed = 0;
    this.tuples = 0;
    this.forgetLast();
    this.firstGen = this.gen + 1; // holds no generation
  }
}

/**
 * What the stateful-bolt executor needs of its task's collector besides the public API (the
 * engine's bolt task implements it; internal, reached by `'holdAck' in collector`).
 */
export interface AckHolder {
  /**
   * The bolt acked `tuple`: mark it acked (so it can no longer be acked, failed or anchored to),
   * stamp it with `into.gen`, and record its ack value per tree in `into`, without telling the
   * acker. False when the tuple was already acked or failed.
   */
  holdAck(tuple: Tuple, into: HeldAcks): boolean;
  /**
   * The bolt failed `tuple`. Pending, or acked with its own ack still in one of `held` (its
   * generation: HeldAcks.holdsGeneration): fail its trees now (once: not a tree already killed in
   * `held`), and kill them in every table so that no held ack of them reaches the acker after the
   * failure; a held tuple is taken off its table's `tuples` count. Acked with its ack no longer held
   * (applied at a COMMIT, or its trees failed at a ROLLBACK): like a fail after a plain ack, a
   * no-op, even while acks of other inputs of its trees are still held. True when the tuple was
   * failed.
   */
  failTuple(tuple: Tuple, held: readonly HeldAcks[]): boolean;
  /** Tells the acker every held ack (one message per tree) and counts the inputs acked. */
  applyHeld(held: HeldAcks): void;
  /** Fails every held tree and counts the inputs failed. */
  failHeld(held: HeldAcks): void;
  /** Restarts the timeout of every held tree. */
  resetHeld(held: HeldAcks): void;
}
