import { EMPTY_ROOT, findRootSlot, releaseRootSlot, rootHome } from './root-slots.js';

/**
 * A spout task's pending trees by root id: the subset of a Map the spout needs (get, set,
 * delete, size, iteration in insertion order), over an open-addressing table (linear probing,
 * backward-shift deletion) like the acker's ledger. Root ids are 53-bit doubles: a JS Map boxes
 * each key in a heap number, and with trees pending for a second (a stateful bolt holds acks until
 * its checkpoint commits) those boxes and the Map's backing stores live long enough to be copied
 * by the GC; a profile of the checkpoint benchmark had the Map's set alone at ~9% of CPU.
 */

export interface PendingTree {
  readonly messageId: unknown;
  readonly startedAt: number;
  epoch: number;
  /** Stream and values of the spout emit, kept to dead-letter them (references, not copies). */
  readonly stream: string;
  readonly values: readonly unknown[];
  /** Set when the message is dead-lettered at emit for its crashes (crash-counts.ts). */
  readonly crashes?: number;
  /**
   * A worker of the topology was lost while this tree was pending, or was still away when it was
   * emitted (SpoutExecutor.setPeersDown): if it times out, the timeout is not charged to maxRetries
   * (crash-reports.ts).
   */
  exposed?: true;
}

const EMPTY = EMPTY_ROOT;
const MIN_CAPACITY = 64;

export class PendingTrees {
  private keys!: Float64Array;
  /** Insertion sequence per slot: iteration follows it, as a Map's does. */
  private seqs!: Float64Array;
  private vals!: (PendingTree | undefined)[];
  private mask = 0;
  private count = 0;
  private nextSeq = 0;

  constructor() {
    this.allocate(MIN_CAPACITY);
  }

  private allocate(cap: number): void {
    this.mask = cap - 1;
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.seqs = new Float64Array(cap);
    this.vals = new Array<PendingTree | undefined>(cap).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  private home(root: number): number {
    return rootHome(root, this.mask);
  }

  private find(root: number): number {
    return findRootSlot(this.keys, this.mask, root);
  }

  get(root: number): PendingTree | undefined {
    const i = this.find(root);
    return i < 0 ? undefined : this.vals[i];
  }

  has(root: number): boolean {
    return this.find(root) >= 0;
  }

  /** Adds or replaces; a replaced tree keeps its place in the iteration order. */
  set(root: number, tree: PendingTree): this {
    const keys = this.keys;
    let i = this.home(root);
    for (;;) {
      const k = keys[i]!;
      if (k === root) {
        this.vals[i] = tree;
        return this;
      }
      if (k === EMPTY) break;
      i = (i + 1) & this.mask;
    }
    if ((this.count + 1) * 2 > keys.length) {
      this.resize(keys.length * 2);
      return this.set(root, tree);
    }
    keys[i] = root;
    this.seqs[i] = this.nextSeq++;
    this.vals[i] = tree;
    this.count++;
    return this;
  }

  delete(root: number): boolean {
    const s = this.find(root);
    if (s < 0) return false;
    this.count--;
    this.vals[releaseRootSlot(this.keys, this.mask, s, this.moveSlot)] = undefined;
    return true;
  }

  /** Copies slot `from`'s sequence and tree to `to` (one closure per table, not per delete). */
  private readonly moveSlot = (from: number, to: number): void => {
    this.seqs[to] = this.seqs[from]!;
    this.vals[to] = this.vals[from];
  };

  /**
   * Gives memory back when the table is far larger than what it holds. Not done on delete:
   * trees held for a checkpoint complete in bursts, and a table shrunk after each burst would
   * grow again during the next interval; the spout calls this at each timeout rotation.
   */
  trim(): void {
    const cap = this.keys.length;
    if (cap <= MIN_CAPACITY || this.count * 8 >= cap) return;
    let next = MIN_CAPACITY;
    while (next < this.count * 4) next <<= 1;
    this.resize(next);
  }

  private resize(cap: number): void {
    const { keys, seqs, vals } = this;
    this.allocate(cap);
    const nk = this.keys;
    const ns = this.seqs;
    const nv = this.vals;
    const mask = this.mask;
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j]!;
      if (k === EMPTY) continue;
      let i = this.home(k);
      while (nk[i] !== EMPTY) i = (i + 1) & mask;
      nk[i] = k;
      ns[i] = seqs[j]!;
      nv[i] = vals[j];
    }
  }

  /** The entries in insertion order (a snapshot: changes while iterating do not show). */
  /**
   * The trees `pred` picks, in insertion order. Only the picked are sorted: timeouts run every
   * rotation over tables of up to hundreds of thousands of trees (with no maxSpoutPending and a
   * checkpoint holding acks), of which few are due.
   */
  select(pred: (tree: PendingTree) => boolean): [number, PendingTree][] {
    const slots: number[] = [];
    const { keys, seqs, vals } = this;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY && pred(vals[i]!)) slots.push(i);
    if (slots.length > 1) slots.sort((a, b) => seqs[a]! - seqs[b]!);
    return slots.map((i) => [keys[i]!, vals[i]!]);
  }

  /** Calls `fn` with every tree, in no particular order (no copy, no sort); `fn` must not add or delete. */
  forEachTree(fn: (tree: PendingTree) => void): void {
    const { keys, vals } = this;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) fn(vals[i]!);
  }

  *[Symbol.iterator](): IterableIterator<[number, PendingTree]> {
    const slots: number[] = [];
    const { keys, seqs, vals } = this;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) slots.push(i);
    slots.sort((a, b) => seqs[a]! - seqs[b]!);
    const out: [number, PendingTree][] = slots.map((i) => [keys[i]!, vals[i]!]);
    yield* out;
  }
}
