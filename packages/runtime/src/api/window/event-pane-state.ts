/*
 * The trigger logic of an event-time window in panes (event-pane-window-executor.ts): the same
 * clock, cursor and re-firing rules as TimeWindowState (time-window-state.ts) on the watermark,
 * but over panes instead of tuples. Pure: no tuples, no collector, tested with plain numbers.
 *
 * Why panes give the tuple window's windows exactly: with the length a multiple of the slide,
 * every timestamp in pane i ([i × slide, (i + 1) × slide)) belongs to the same windows, those
 * ending (i + 1) × slide … (i + length / slide) × slide. Everything TimeWindowState decides for a
 * tuple (late or not, which passed windows fire again, when it has left every window) depends only
 * on its first and last window, so it is the same for the whole pane; and its entries are sorted
 * by timestamp, so "the prefix that left every window" is a prefix of the panes in index order.
 *
 * What the tuple window tracks per tuple and a pane cannot: whether an evaluation delivered it
 * (getNew()). A pane can gain inputs after it was delivered (a late tuple within the lateness, or
 * one for a pane the watermark passed that is still in later windows), so a pane is a list of
 * segments: inputs go to its newest segment until an evaluation delivers that, then to a new one.
 * A window's fresh() is its undelivered segments; expired() the delivered segments of panes that
 * left, exactly the tuple window's getNew() and getExpired() summed per segment.
 */
import { takeNextEnd } from './firing.js';

/** One run of a pane's inputs between two evaluations that delivered it. */
export interface Segment<P> {
  readonly agg: P;
  inputs: number;
  delivered: boolean;
}

/** A pane: [index × slide, (index + 1) × slide) of event time; `hold` is what the executor keeps per pane (held acks). */
export interface EventPane<P, H> {
  readonly index: number;
  readonly segments: Segment<P>[];
  readonly hold: H;
  /** Inputs over its segments; a pane with none is removed. */
  inputs: number;
}

/** One window due for evaluation: its panes' aggregates, as PaneWindow shows them. */
export interface PaneFiring<P> {
  readonly start: number;
  readonly end: number;
  readonly all: readonly P[];
  readonly fresh: readonly P[];
  readonly expired: readonly P[];
}

export interface EventPaneWindow {
  readonly length: number;
  readonly slide: number;
  readonly allowedLatenessMs: number;
}

export class EventPaneState<P, H> {
  private readonly panes = new Map<number, EventPane<P, H>>();
  /** Indices of `panes`, ascending. */
  private readonly order: number[] = [];
  private readonly span: number;
  /** Ends of already-passed windows that got an input within lateness (fire again). */
  private readonly refire = new Set<number>();
  /** Delivered segments of panes that left since the previous evaluation. */
  private pendingExpired: P[] = [];
  /** The pane the previous input went to (inputs mostly come in runs per pane: one lookup per run). */
  private last: EventPane<P, H> | undefined;
  private clock = -Infinity;
  /** Regular windows ending at or before the cursor have fired (or were empty when due); only next() moves it (time-window-state.ts says why). */
  private cursor = -Infinity;

  constructor(private readonly w: EventPaneWindow, private readonly create: () => { agg: P; hold: H }, private readonly createAgg: () => P) {
    this.span = w.length / w.slide;
  }

  /** The watermark: -Infinity before the first advance. */
  get now(): number {
    return this.clock;
  }

  /** Panes holding inputs. */
  get size(): number {
    return this.panes.size;
  }

  private lastEnd(index: number): number {
    return (index + this.span) * this.w.slide;
  }

  /** Whether every window containing `ts` has closed (the tuple goes to the late stream). */
  isLate(ts: number): boolean {
    const last = this.lastEnd(Math.floor(ts / this.w.slide));
    return last <= this.cursor && last + this.w.allowedLatenessMs <= this.clock;
  }

  /** The pane and segment an input at `ts` goes to (created if needed): commit with {@link added} or undo with {@link abandon}. */
  slot(ts: number): { pane: EventPane<P, H>; seg: Segment<P> } {
    const index = Math.floor(ts / this.w.slide);
    let pane = this.last !== undefined && this.last.index === index ? this.last : this.panes.get(index);
    if (pane === undefined) {
      const { agg, hold } = this.create();
      pane = { index, segments: [{ agg, inputs: 0, delivered: false }], hold, inputs: 0 };
      this.panes.set(index, pane);
      this.insert(index);
    }
    this.last = pane;
    let seg = pane.segments[pane.segments.length - 1]!;
    if (seg.delivered) pane.segments.push((seg = { agg: this.createAgg(), inputs: 0, delivered: false }));
    return { pane, seg };
  }

  /** An input was added to `seg`: windows of its pane that fired, still within lateness, fire again. */
  added(pane: EventPane<P, H>, seg: Segment<P>): void {
    seg.inputs++;
    pane.inputs++;
    const lateness = this.w.allowedLatenessMs;
    if (lateness <= 0) return;
    // Windows the watermark passed that have not fired yet (beyond the cursor) take it in their regular firing.
    const top = Math.min(this.cursor, this.lastEnd(pane.index));
    // Loops here count windows or panes (at most span), never step a float until it passes a bound.
    for (let k = 1; k <= this.span; k++) {
      const end = (pane.index + k) * this.w.slide;
      if (end > top) break;
      if (end + lateness > this.clock) this.refire.add(end);
    }
  }

  /** The input was refused: drops what {@link slot} created for it; returns the pane when it was removed (its hold is empty). */
  abandon(pane: EventPane<P, H>, seg: Segment<P>): EventPane<P, H> | undefined {
    if (seg.inputs === 0 && pane.segments.length > 1 && pane.segments[pane.segments.length - 1] === seg) pane.segments.pop();
    if (pane.inputs > 0) return undefined;
    this.remove(pane.index);
    return pane;
  }

  /** Moves the watermark to `t` (never backwards); windows ending in (cursor, t] become due, however many advances come before the firing loop. */
  advance(t: number): void {
    if (t > this.clock) this.clock = t;
  }

  /** The next window due, in end order, or undefined (then the cursor moves to the watermark). Call {@link evict} after evaluating it. */
  next(): PaneFiring<P> | undefined {
    for (;;) {
      const due = takeNextEnd(this.nextRegularEnd(), this.refire);
      if (due === undefined) {
        if (this.cursor < this.clock) this.cursor = this.clock;
        return undefined;
      }
      const end = due.end;
      if (!due.refire) this.cursor = end;
      const all: P[] = [];
      const fresh: P[] = [];
      const first = end / this.w.slide - this.span;
      for (let k = 0; k < this.span; k++) {
        const p = this.panes.get(first + k);
        if (p === undefined) continue;
        for (const s of p.segments) {
          if (s.inputs === 0) continue;
          all.push(s.agg);
          if (!s.delivered) {
            s.delivered = true;
            fresh.push(s.agg);
          }
        }
      }
      // Only a re-firing can find its window empty (its panes were dropped by a failed evaluation
      // since): skipped, as an empty window is in the processing-time panes.
      if (all.length === 0) continue;
      const expired = this.pendingExpired;
      this.pendingExpired = [];
      return { start: end - this.w.length, end, all, fresh, expired };
    }
  }

  /** Removes the panes that left every window (all fired, none due again, lateness over), oldest first. */
  evict(): EventPane<P, H>[] {
    let minRefire = Infinity;
    for (const r of this.refire) if (r < minRefire) minRefire = r;
    const gone: EventPane<P, H>[] = [];
    const lateness = this.w.allowedLatenessMs;
    while (this.order.length > 0) {
      const last = this.lastEnd(this.order[0]!);
      if (last > this.cursor || last >= minRefire || last + lateness > this.clock) break;
      const p = this.panes.get(this.order.shift()!)!;
      this.panes.delete(p.index);
      if (this.last === p) this.last = undefined;
      for (const s of p.segments) if (s.delivered && s.inputs > 0) this.pendingExpired.push(s.agg);
      gone.push(p);
    }
    return gone;
  }

  /** Removes the panes of the window [start, end) (its evaluation failed): they leave every window, unreported. */
  drop(start: number, end: number): EventPane<P, H>[] {
    const out: EventPane<P, H>[] = [];
    const first = start / this.w.slide;
    const n = (end - start) / this.w.slide;
    for (let k = 0; k < n; k++) {
      const p = this.panes.get(first + k);
      if (p === undefined) continue;
      this.remove(p.index);
      out.push(p);
    }
    return out;
  }

  /** Removes every pane (their inputs are failed: the bolt stops) and returns them; re-firings due are forgotten. */
  dropAll(): EventPane<P, H>[] {
    const out = [...this.panes.values()];
    this.panes.clear();
    this.order.length = 0;
    this.refire.clear();
    this.last = undefined;
    return out;
  }

  private remove(index: number): void {
    if (this.last?.index === index) this.last = undefined;
    this.panes.delete(index);
    const k = this.firstAtOrAfter(index);
    if (this.order[k] === index) this.order.splice(k, 1);
  }

  /** Keeps `order` sorted; panes mostly come in index order, so the scan is from the end. */
  private insert(index: number): void {
    let k = this.order.length;
    while (k > 0 && this.order[k - 1]! > index) k--;
    this.order.splice(k, 0, index);
  }

  /** The position in `order` of the first index >= `index`. */
  private firstAtOrAfter(index: number): number {
    const order = this.order;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order[mid]! >= index) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private nextRegularEnd(): number | undefined {
    const s = this.w.slide;
    let end = this.cursor === -Infinity ? -Infinity : Math.floor(this.cursor / s) * s + s;
    // The first pane with an input at or after end - length (all of a pane's inputs are in it).
    const from = end - this.w.length;
    // Binary search, not a scan from the front: a watermark jump over k windows of n panes would
    // scan the evicted-later prefix once per firing (O(k·n)).
    const k = this.firstAtOrAfter(Math.ceil(from / s));
    if (k === this.order.length) return undefined;
    const first = this.order[k]!;
    end = Math.max(end, (first + 1) * s);
    // end > cursor always holds below 2^53 (event-time.ts caps timestamps); checked anyway so that
    // no rounding can make the firing loop fire one window forever.
    return end <= this.clock && end > this.cursor ? end : undefined;
  }
}
