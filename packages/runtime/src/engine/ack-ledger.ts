/**
 * The acker's state, Storm's algorithm: per tuple tree (root id) the XOR of every edge id
 * seen so far. Each edge id is XORed in twice (once when the tuple is emitted, once when it
 * is acked), so the value returns to zero exactly when every tuple of the tree was acked.
 *
 * Entries live in typed-array slots found through a Map keyed by the root id (a number): 2x
 * faster than a Map of BigInts (MEASUREMENTS.md). Acks may arrive before the spout's init
 * (different network paths); the entry then waits, unowned, for its init or for expiry.
 */
export const NOT_DONE = -1;

const F_INIT = 1;
const F_FAILED = 2;

export interface LedgerOutcome {
  /** Owning spout task when the tree finished (acked or failed), else {@link NOT_DONE}. */
  spoutTask: number;
  failed: boolean;
}

export class AckLedger {
  private readonly slotOf = new Map<number, number>();
  private hi: Int32Array;
  private lo: Int32Array;
  private owner: Int32Array;
  private flags: Uint8Array;
  private epoch: Uint32Array;
  private roots: Float64Array;
  private free: number[] = [];
  private used = 0;
  private currentEpoch = 0;
  /** Result of the last call; reused to keep the hot path allocation-free. */
  readonly outcome: LedgerOutcome = { spoutTask: NOT_DONE, failed: false };

  constructor(initialSlots = 1024) {
    this.hi = new Int32Array(initialSlots);
    this.lo = new Int32Array(initialSlots);
    this.owner = new Int32Array(initialSlots);
    this.flags = new Uint8Array(initialSlots);
    this.epoch = new Uint32Array(initialSlots);
    this.roots = new Float64Array(initialSlots);
  }

  /** Trees currently tracked. */
  get size(): number {
    return this.slotOf.size;
  }

  private slot(root: number): number {
    let s = this.slotOf.get(root);
    if (s !== undefined) return s;
    s = this.free.length > 0 ? this.free.pop()! : this.used++;
    if (s >= this.hi.length) this.grow();
    this.hi[s] = 0;
    this.lo[s] = 0;
    this.owner[s] = NOT_DONE;
    this.flags[s] = 0;
    this.epoch[s] = this.currentEpoch;
    this.roots[s] = root;
    this.slotOf.set(root, s);
    return s;
  }

  private grow(): void {
    const n = this.hi.length * 2;
    const g = <A extends Int32Array | Uint8Array | Uint32Array | Float64Array>(a: A, make: new (n: number) => A): A => {
      const b = new make(n);
      b.set(a as never);
      return b;
    };
    this.hi = g(this.hi, Int32Array);
    this.lo = g(this.lo, Int32Array);
    this.owner = g(this.owner, Int32Array);
    this.flags = g(this.flags, Uint8Array);
    this.epoch = g(this.epoch, Uint32Array);
    this.roots = g(this.roots, Float64Array);
  }

  private release(root: number, s: number): void {
    this.slotOf.delete(root);
    this.free.push(s);
  }

  private settle(root: number, s: number): LedgerOutcome {
    const o = this.outcome;
    o.spoutTask = NOT_DONE;
    o.failed = false;
    const f = this.flags[s]!;
    if ((f & F_INIT) === 0) return o;
    if ((f & F_FAILED) !== 0) {
      o.spoutTask = this.owner[s]!;
      o.failed = true;
      this.release(root, s);
    } else if ((this.hi[s]! | this.lo[s]!) === 0) {
      o.spoutTask = this.owner[s]!;
      this.release(root, s);
    }
    return o;
  }

  /** The spout emitted a tree: `hi/lo` is the XOR of the edge ids it sent out. */
  init(root: number, hi: number, lo: number, spoutTask: number): LedgerOutcome {
    const s = this.slot(root);
    this.hi[s]! ^= hi;
    this.lo[s]! ^= lo;
    this.owner[s] = spoutTask;
    this.flags[s]! |= F_INIT;
    return this.settle(root, s);
  }

  /** A bolt acked a tuple of the tree: `hi/lo` is its edge id XOR the edge ids it emitted anchored. */
  ack(root: number, hi: number, lo: number): LedgerOutcome {
    const s = this.slot(root);
    this.hi[s]! ^= hi;
    this.lo[s]! ^= lo;
    return this.settle(root, s);
  }

  /** A bolt failed a tuple of the tree: the whole tree fails at once. */
  fail(root: number): LedgerOutcome {
    const s = this.slot(root);
    this.flags[s]! |= F_FAILED;
    return this.settle(root, s);
  }

  /** Restarts the expiry clock of a tree. */
  touch(root: number): void {
    const s = this.slotOf.get(root);
    if (s !== undefined) this.epoch[s] = this.currentEpoch;
  }

  /** Forgets a tree (its spout timed it out). */
  forget(root: number): void {
    const s = this.slotOf.get(root);
    if (s !== undefined) this.release(root, s);
  }

  /**
   * Advances the epoch and drops trees not touched for `keepEpochs` rotations; returns how many.
   * Driven every `messageTimeoutMs / 2`, so with keepEpochs 2 an entry lives 1x–1.5x the timeout.
   */
  rotate(keepEpochs = 2): number {
    this.currentEpoch++;
    let dropped = 0;
    for (const [root, s] of this.slotOf) {
      if (this.currentEpoch - this.epoch[s]! > keepEpochs) {
        this.release(root, s);
        dropped++;
      }
    }
    return dropped;
  }
}
