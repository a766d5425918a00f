/**
 * Entries handed out in order with consecutive sequence numbers, acked in any order; tracks the
 * last entry of the acked prefix. That entry's position is the safe resume point of a reader that
 * must not skip an unacked line: everything before it is done, some of what follows may not be.
 * Memory is one map entry per unacked entry (plus acked ones past the first gap).
 */
export class ContiguousAcks<T> {
  private readonly entries = new Map<number, T>();
  private readonly acked = new Set<number>();
  /** Sequence of the first entry not yet in the acked prefix. */
  private low = 1;
  private nextSeq = 1;

  /** Adds an entry; returns its sequence number. */
  add(entry: T): number {
    const seq = this.nextSeq++;
    this.entries.set(seq, entry);
    return seq;
  }

  /** The entry of a sequence not yet acked, or undefined. */
  get(seq: number): T | undefined {
    return this.acked.has(seq) ? undefined : this.entries.get(seq);
  }

  /**
   * Marks `seq` done. Returns the last entry of the acked prefix when the prefix grew (the new
   * resume point), else undefined. Unknown or repeated sequences are ignored.
   */
  ack(seq: number): T | undefined {
    if (!this.entries.has(seq) || this.acked.has(seq)) return undefined;
    this.acked.add(seq);
    let last: T | undefined;
    while (this.acked.has(this.low)) {
      this.acked.delete(this.low);
      last = this.entries.get(this.low);
      this.entries.delete(this.low);
      this.low++;
    }
    return last;
  }

  /** Entries added and not yet in the acked prefix. */
  get pending(): number {
    return this.entries.size;
  }
}
