/*
 * One window evaluation, with its three tuple lists built only when read. A sliding window of N
 * tuples fires every slide; copying the whole window into a fresh array each time was the biggest
 * single cost of window evaluation, while many bolts (an incremental count) read only the new and
 * expired tuples. The buffers (time-window-state.ts, count-window-state.ts) never write into an
 * array a firing may still read: they replace it (copy on write), so a firing read later, after
 * evictions and further firings, still shows what it showed when it fired.
 */

/** One window evaluation. */
export interface Firing<T> {
  readonly start: number;
  readonly end: number;
  /** Items in the window, oldest first. */
  readonly window: readonly T[];
  /** Items of the window no earlier firing delivered. */
  readonly fresh: readonly T[];
  /** Delivered items that left every window since the previous firing. */
  readonly expired: readonly T[];
  /** `window.length`, without building the list. */
  readonly size: number;
}

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * The end of the next window due in a time window's state (time-window-state.ts and
 * event-pane-state.ts): the earliest of the next regular end and the pending re-fires (allowed
 * lateness). A re-fire taken is removed from `refire`; on a tie the re-fire is taken (`refire:
 * true`), so the caller advances its cursor only past a regular end.
 */
export function takeNextEnd(regular: number | undefined, refire: Set<number>): { end: number; refire: boolean } | undefined {
  let earliest = Infinity;
  for (const end of refire) if (end < earliest) earliest = end;
  const end = Math.min(regular ?? Infinity, earliest);
  if (end === Infinity) return undefined;
  if (end !== earliest) return { end, refire: false };
  refire.delete(end);
  return { end, refire: true };
}

/** Concatenation of the chunks, without copying when there is at most one. */
export function joinChunks<T>(chunks: readonly (readonly T[])[]): readonly T[] {
  if (chunks.length === 0) return EMPTY;
  if (chunks.length === 1) return chunks[0]!;
  const out: T[] = [];
  for (const c of chunks) for (const x of c) out.push(x);
  return out;
}

/**
 * A firing over `buf[lo, hi)`; fresh is `buf[freshLo, hi)`, or `freshList` when the new items
 * are not one run (an out-of-order insert). `buf` must not be written while this is reachable.
 */
export class LazyFiring<T> implements Firing<T> {
  private w: readonly T[] | undefined;
  private f: readonly T[] | undefined;
  private x: readonly T[] | undefined;

  constructor(
    readonly start: number,
    readonly end: number,
    private readonly buf: readonly T[],
    private readonly lo: number,
    private readonly hi: number,
    private readonly freshLo: number,
    freshList: readonly T[] | undefined,
    private readonly expiredChunks: readonly (readonly T[])[],
  ) {
    this.f = freshList;
  }

  get size(): number {
    return this.hi - this.lo;
  }

  get window(): readonly T[] {
    return (this.w ??= this.buf.slice(this.lo, this.hi));
  }

  get fresh(): readonly T[] {
    return (this.f ??= this.freshLo >= this.hi ? EMPTY : this.buf.slice(this.freshLo, this.hi));
  }

  get expired(): readonly T[] {
    return (this.x ??= joinChunks(this.expiredChunks));
  }
}
