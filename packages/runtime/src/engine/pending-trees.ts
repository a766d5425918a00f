import { EMPTY_ROOT, findRootSlot, releaseRootSlot, rootHome } from '../root-slots.js';

/**
 * A spout task's pending trees by root id: the subset of a Map the spout needs (get, set,
 * delete, size, iteration in insertion order), over an open-addressing table (linear probing,
 * backward-shift deletion) like the acker's ledger. Root ids are 53-bit doubles: a JS Map boxes
 * each key in a heap number, and with trees pending for a second (a stateful bolt holds acks until
 * its checkpoint commits) those boxes and the Map's backing stores live long enough to be copied
 * by the GC; a profile of the checkpoint benchmark had the Map's set alone at ~9% of CPU.
 *
 * The trees themselves are columns too (no object per tree): a tree held for a checkpoint
 * interval outlives two scavenges, so an object per tree was copied twice and promoted, and every
 * one of them pointed to from an old-space table cost the scavenger a remembered-set entry.
 * {@link PendingTrees.get} builds a {@link PendingTree} for the rare paths (failures, dead
 * letters, crash reports); acks read the columns. A slot's numbers sit side by side in one
 * Float64Array and its references in one array, so an emit or an ack touches two cache lines of a
 * table of hundreds of thousands of trees, not one per column.
 */

/** A pending tree as {@link PendingTrees.get} returns it: a copy, read-only. */
export interface PendingTree {
  readonly messageId: unknown;
  readonly startedAt: number;
  readonly epoch: number;
  /**
   * Stream and values of the spout emit (the tuples of an `emitTree`), kept to dead-letter them
   * (references, not copies; no values when the spout has no maxRetries).
   */
  readonly stream: string;
  readonly values: readonly unknown[] | TreeTuples;
  /** Set when the message is dead-lettered at emit for its crashes (crash-counts.ts). */
  readonly crashes?: number;
  /**
   * A worker of the topology was lost while this tree was pending, or was still away when it was
   * emitted (SpoutExecutor.setPeersDown): if it times out, the timeout is not charged to maxRetries
   * (crash-reports.ts).
   */
  readonly exposed?: true;
}

/** The tuples of a tree a spout emitted with `emitTree` (SpoutTask), in the values column. */
export class TreeTuples {
  constructor(readonly tuples: readonly (readonly unknown[])[]) {}
}

const EMPTY = EMPTY_ROOT;
const MIN_CAPACITY = 64;
/** Numbers per slot in `nums`: root, order, start time, epoch. */
const N = 4;
const N_ORDER = 1;
const N_STARTED = 2;
const N_EPOCH = 3;
/** References per slot in `refs`: message id, stream, values. */
const R = 3;
/** The values of a tree that will never be dead-lettered (its spout has no maxRetries). */
export const NO_VALUES: readonly unknown[] = Object.freeze([]);

export class PendingTrees {
  /**
   * Per slot: the root (EMPTY: free), the order (insertion sequence × 2, +1 when exposed:
   * iteration follows the sequence, as a Map's does), the start time and the epoch.
   */
  private nums!: Float64Array;
  private refs!: unknown[];
  /** Crash counts of the rare trees that carry one (dead-lettered at emit), by root. */
  private readonly crashes = new Map<number, number>();
  private cap = 0;
  private mask = 0;
  private count = 0;
  private nextSeq = 0;

  constructor() {
    this.allocate(MIN_CAPACITY);
  }

  private allocate(cap: number): void {
    this.cap = cap;
    this.mask = cap - 1;
    const nums = new Float64Array(cap * N);
    for (let i = 0; i < cap; i++) nums[i * N] = EMPTY;
    this.nums = nums;
    this.refs = new Array<unknown>(cap * R).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  /** The slot of `root`, or -1: for the column reads below. Valid until the next add or delete. */
  slotOf(root: number): number {
    return findRootSlot(this.nums, this.mask, root, N);
  }

  messageIdAt(slot: number): unknown {
    return this.refs[slot * R];
  }

  startedAtAt(slot: number): number {
    return this.nums[slot * N + N_STARTED]!;
  }

  /** A copy of the tree of `root` (changing it changes nothing here). */
  get(root: number): PendingTree | undefined {
    const i = this.slotOf(root);
    if (i < 0) return undefined;
    const { nums, refs } = this;
    const tree: { -readonly [K in keyof PendingTree]: PendingTree[K] } = {
      messageId: refs[i * R], startedAt: nums[i * N + N_STARTED]!, epoch: nums[i * N + N_EPOCH]!,
      stream: refs[i * R + 1] as string, values: refs[i * R + 2] as readonly unknown[] | TreeTuples,
    };
    if (nums[i * N + N_ORDER]! % 2 === 1) tree.exposed = true;
    const crashes = this.crashes.size === 0 ? undefined : this.crashes.get(root);
    if (crashes !== undefined) tree.crashes = crashes;
    return tree;
  }

  has(root: number): boolean {
    return this.slotOf(root) >= 0;
  }

  /** Adds a tree, or replaces the one of `root` (which keeps its place in the iteration order). */
  set(root: number, tree: PendingTree): this {
    return this.add(root, tree.messageId, tree.startedAt, tree.epoch, tree.stream, tree.values, tree.exposed === true, tree.crashes);
  }

  /** {@link set} without a tree object: what a spout emit calls. */
  add(root: number, messageId: unknown, startedAt: number, epoch: number, stream: string, values: readonly unknown[] | TreeTuples, exposed: boolean, crashes?: number): this {
    const nums = this.nums;
    let i = rootHome(root, this.mask);
    let order: number;
    for (;;) {
      const k = nums[i * N]!;
      if (k === root) {
        order = nums[i * N + N_ORDER]! - (nums[i * N + N_ORDER]! % 2);
        break;
      }
      if (k === EMPTY) {
        if ((this.count + 1) * 2 > this.cap) {
          this.resize(this.cap * 2);
          return this.add(root, messageId, startedAt, epoch, stream, values, exposed, crashes);
        }
        nums[i * N] = root;
        order = this.nextSeq++ * 2;
        this.count++;
        break;
      }
      i = (i + 1) & this.mask;
    }
    nums[i * N + N_ORDER] = exposed ? order + 1 : order;
    nums[i * N + N_STARTED] = startedAt;
    nums[i * N + N_EPOCH] = epoch;
    const refs = this.refs;
    refs[i * R] = messageId;
    refs[i * R + 1] = stream;
    refs[i * R + 2] = values;
    if (crashes !== undefined) this.crashes.set(root, crashes);
    else if (this.crashes.size > 0) this.crashes.delete(root);
    return this;
  }

  /** Restarts the timeout clock of `root`'s tree; false when it is not pending. */
  touch(root: number, epoch: number): boolean {
    const i = this.slotOf(root);
    if (i < 0) return false;
    this.nums[i * N + N_EPOCH] = epoch;
    return true;
  }

  /** Marks every pending tree exposed to a lost worker (crash-reports.ts). */
  exposeAll(): void {
    const nums = this.nums;
    for (let i = 0; i < this.cap; i++) {
      const o = i * N + N_ORDER;
      if (nums[i * N] !== EMPTY && nums[o]! % 2 === 0) nums[o]! += 1;
    }
  }

  delete(root: number): boolean {
    const s = this.slotOf(root);
    if (s < 0) return false;
    this.deleteSlot(s, root);
    return true;
  }

  /**
   * Deletes the tree at `slot` (from {@link slotOf}), whose root is `root`, by backward-shift
   * deletion (root-slots.ts releaseRootSlot, with this table's stride): later members of its
   * probe run move back so lookups stay correct.
   */
  deleteSlot(slot: number, root: number): void {
    this.count--;
    if (this.crashes.size > 0) this.crashes.delete(root);
    const hole = releaseRootSlot(this.nums, this.mask, slot, this.moveSlot, N);
    const refs = this.refs;
    refs[hole * R] = undefined;
    refs[hole * R + 2] = undefined;
  }

  /** Copies slot `from`'s columns but the root to `to` (one closure per table, not per delete). */
  private readonly moveSlot = (from: number, to: number): void => {
    copySlot(this.nums, this.refs, from, this.nums, this.refs, to);
  };

  /**
   * Gives memory back when the table is far larger than what it holds. Not done on delete:
   * trees held for a checkpoint complete in bursts, and a table shrunk after each burst would
   * grow again during the next interval; the spout calls this at each timeout rotation.
   */
  trim(): void {
    const cap = this.cap;
    if (cap <= MIN_CAPACITY || this.count * 8 >= cap) return;
    let next = MIN_CAPACITY;
    while (next < this.count * 4) next <<= 1;
    this.resize(next);
  }

  private resize(cap: number): void {
    const { nums, refs, cap: old } = this;
    this.allocate(cap);
    const nn = this.nums;
    const nr = this.refs;
    const mask = this.mask;
    for (let j = 0; j < old; j++) {
      const k = nums[j * N]!;
      if (k === EMPTY) continue;
      let i = rootHome(k, mask);
      while (nn[i * N] !== EMPTY) i = (i + 1) & mask;
      nn[i * N] = k;
      copySlot(nums, refs, j, nn, nr, i);
    }
  }

  /**
   * The roots of the trees last touched before `epoch` - `keep`, in insertion order. Only those
   * are sorted: timeouts run every rotation over tables of up to hundreds of thousands of trees
   * (with no maxSpoutPending and a checkpoint holding acks), of which few are due.
   */
  expired(epoch: number, keep: number): number[] {
    const slots: number[] = [];
    const nums = this.nums;
    for (let i = 0; i < this.cap; i++) if (nums[i * N] !== EMPTY && epoch - nums[i * N + N_EPOCH]! > keep) slots.push(i);
    if (slots.length > 1) slots.sort((a, b) => nums[a * N + N_ORDER]! - nums[b * N + N_ORDER]!);
    return slots.map((i) => nums[i * N]!);
  }
}

/** Copies a slot's columns but its root from slot `j` of one pair of arrays to slot `i` of another (or the same). */
function copySlot(nums: Float64Array, refs: unknown[], j: number, toNums: Float64Array, toRefs: unknown[], i: number): void {
  toNums[i * N + N_ORDER] = nums[j * N + N_ORDER]!;
  toNums[i * N + N_STARTED] = nums[j * N + N_STARTED]!;
  toNums[i * N + N_EPOCH] = nums[j * N + N_EPOCH]!;
  toRefs[i * R] = refs[j * R];
  toRefs[i * R + 1] = refs[j * R + 1];
  toRefs[i * R + 2] = refs[j * R + 2];
}
