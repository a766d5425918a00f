import { EMPTY_ROOT, findRootSlot, releaseRootSlot, rootHome } from './root-slots.js';

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
 * letters, crash reports); acks read the columns.
 */

/** A pending tree as {@link PendingTrees.get} returns it: a copy, read-only. */
export interface PendingTree {
  readonly messageId: unknown;
  readonly startedAt: number;
  readonly epoch: number;
  /** Stream and values of the spout emit, kept to dead-letter them (references, not copies; no values when the spout has no maxRetries). */
  readonly stream: string;
  readonly values: readonly unknown[];
  /** Set when the message is dead-lettered at emit for its crashes (crash-counts.ts). */
  readonly crashes?: number;
  /**
   * A worker of the topology was lost while this tree was pending, or was still away when it was
   * emitted (SpoutExecutor.setPeersDown): if it times out, the timeout is not charged to maxRetries
   * (crash-reports.ts).
   */
  readonly exposed?: true;
}

const EMPTY = EMPTY_ROOT;
const MIN_CAPACITY = 64;
const EXPOSED = 1;
/** The values of a tree that will never be dead-lettered (its spout has no maxRetries). */
export const NO_VALUES: readonly unknown[] = Object.freeze([]);

export class PendingTrees {
  private keys!: Float64Array;
  /** Insertion sequence per slot: iteration follows it, as a Map's does. */
  private seqs!: Float64Array;
  private started!: Float64Array;
  private epochs!: Float64Array;
  /** EXPOSED per slot. */
  private flags!: Uint8Array;
  private ids!: unknown[];
  private streams!: string[];
  private vals!: (readonly unknown[])[];
  /** Crash counts of the rare trees that carry one (dead-lettered at emit), by root. */
  private readonly crashes = new Map<number, number>();
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
    this.started = new Float64Array(cap);
    this.epochs = new Float64Array(cap);
    this.flags = new Uint8Array(cap);
    this.ids = new Array<unknown>(cap).fill(undefined);
    this.streams = new Array<string>(cap).fill('');
    this.vals = new Array<readonly unknown[]>(cap).fill(NO_VALUES);
  }

  get size(): number {
    return this.count;
  }

  /** The slot of `root`, or -1: for the column reads below. Valid until the next add or delete. */
  slotOf(root: number): number {
    return findRootSlot(this.keys, this.mask, root);
  }

  messageIdAt(slot: number): unknown {
    return this.ids[slot];
  }

  startedAtAt(slot: number): number {
    return this.started[slot]!;
  }

  /** A copy of the tree of `root` (changing it changes nothing here). */
  get(root: number): PendingTree | undefined {
    const i = this.slotOf(root);
    if (i < 0) return undefined;
    const tree: { -readonly [K in keyof PendingTree]: PendingTree[K] } = {
      messageId: this.ids[i], startedAt: this.started[i]!, epoch: this.epochs[i]!, stream: this.streams[i]!, values: this.vals[i]!,
    };
    if (this.flags[i] === EXPOSED) tree.exposed = true;
    const crashes = this.crashes.size === 0 ? undefined : this.crashes.get(root);
    if (crashes !== undefined) tree.crashes = crashes;
    return tree;
  }

  has(root: number): boolean {
    return this.slotOf(root) >= 0;
  }

  /**
   * Adds a tree, or replaces the one of `root` (which keeps its place in the iteration order).
   * `values` may be left out (an empty array is kept) when nothing will dead-letter the tree.
   */
  set(root: number, tree: PendingTree): this {
    return this.add(root, tree.messageId, tree.startedAt, tree.epoch, tree.stream, tree.values, tree.exposed === true, tree.crashes);
  }

  /** {@link set} without a tree object: what a spout emit calls. */
  add(root: number, messageId: unknown, startedAt: number, epoch: number, stream: string, values: readonly unknown[], exposed: boolean, crashes?: number): this {
    const keys = this.keys;
    let i = rootHome(root, this.mask);
    for (;;) {
      const k = keys[i]!;
      if (k === root) break;
      if (k === EMPTY) {
        if ((this.count + 1) * 2 > keys.length) {
          this.resize(keys.length * 2);
          return this.add(root, messageId, startedAt, epoch, stream, values, exposed, crashes);
        }
        keys[i] = root;
        this.seqs[i] = this.nextSeq++;
        this.count++;
        break;
      }
      i = (i + 1) & this.mask;
    }
    this.ids[i] = messageId;
    this.started[i] = startedAt;
    this.epochs[i] = epoch;
    this.streams[i] = stream;
    this.vals[i] = values;
    this.flags[i] = exposed ? EXPOSED : 0;
    if (crashes !== undefined) this.crashes.set(root, crashes);
    else if (this.crashes.size > 0) this.crashes.delete(root);
    return this;
  }

  /** Restarts the timeout clock of `root`'s tree; false when it is not pending. */
  touch(root: number, epoch: number): boolean {
    const i = this.slotOf(root);
    if (i < 0) return false;
    this.epochs[i] = epoch;
    return true;
  }

  /** Marks every pending tree exposed to a lost worker (crash-reports.ts). */
  exposeAll(): void {
    const { keys, flags } = this;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY) flags[i] = EXPOSED;
  }

  delete(root: number): boolean {
    const s = this.slotOf(root);
    if (s < 0) return false;
    this.deleteSlot(s, root);
    return true;
  }

  /** Deletes the tree at `slot` (from {@link slotOf}), whose root is `root`. */
  deleteSlot(slot: number, root: number): void {
    this.count--;
    if (this.crashes.size > 0) this.crashes.delete(root);
    const hole = releaseRootSlot(this.keys, this.mask, slot, this.moveSlot);
    this.ids[hole] = undefined;
    this.vals[hole] = NO_VALUES;
  }

  /** Copies slot `from`'s columns to `to` (one closure per table, not per delete). */
  private readonly moveSlot = (from: number, to: number): void => {
    this.seqs[to] = this.seqs[from]!;
    this.started[to] = this.started[from]!;
    this.epochs[to] = this.epochs[from]!;
    this.flags[to] = this.flags[from]!;
    this.ids[to] = this.ids[from];
    this.streams[to] = this.streams[from]!;
    this.vals[to] = this.vals[from]!;
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
    const { keys, seqs, started, epochs, flags, ids, streams, vals } = this;
    this.allocate(cap);
    const mask = this.mask;
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j]!;
      if (k === EMPTY) continue;
      let i = rootHome(k, mask);
      while (this.keys[i] !== EMPTY) i = (i + 1) & mask;
      this.keys[i] = k;
      this.seqs[i] = seqs[j]!;
      this.started[i] = started[j]!;
      this.epochs[i] = epochs[j]!;
      this.flags[i] = flags[j]!;
      this.ids[i] = ids[j];
      this.streams[i] = streams[j]!;
      this.vals[i] = vals[j]!;
    }
  }

  /**
   * The roots of the trees last touched before `epoch` - `keep`, in insertion order. Only those
   * are sorted: timeouts run every rotation over tables of up to hundreds of thousands of trees
   * (with no maxSpoutPending and a checkpoint holding acks), of which few are due.
   */
  expired(epoch: number, keep: number): number[] {
    const slots: number[] = [];
    const { keys, seqs, epochs } = this;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== EMPTY && epoch - epochs[i]! > keep) slots.push(i);
    if (slots.length > 1) slots.sort((a, b) => seqs[a]! - seqs[b]!);
    return slots.map((i) => keys[i]!);
  }
}
