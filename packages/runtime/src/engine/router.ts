import {
  HELD_ACK_HI, HELD_ACK_LO, HELD_ROOT_HI, HELD_ROOT_LO, HELD_STRIDE, type HeldTuples,
} from '../api/window/held-tuples.js';
import type { TaskChooser } from './groupings.js';
import type { IdSource } from './ids.js';
import type { Plan, PlannedComponent, PlannedInput } from './plan.js';
import { EMPTY_ROOT, rootHome } from '../root-slots.js';
import { joinRoot, rootHigh, rootLow, TrackedTuple, TupleImpl, untrackedTuple, type StreamRef } from './tuple.js';

/**
 * Groupings applied: where one task's tuples on one stream go, and the one fan-out loop every
 * emit uses. What differs between emits is only the tuple each target gets: an untracked tuple of
 * its own over the emit's values ({@link fanOutShared}), or what a {@link TupleMaker} makes: edge ids XORed into the
 * anchors (a bolt's anchored emit). The two commonest tracked emits, a spout's and a bolt's anchored
 * to one input of one tree, have loops of their own (edge-fan-out.ts).
 */

export interface OutRoute {
  readonly ref: StreamRef;
  readonly choosers: readonly TaskChooser[];
  readonly direct: boolean;
  /** Tasks reachable with emitDirect on this stream; null when the stream is not direct. */
  readonly directTargets: ReadonlySet<number> | null;
  /**
   * The fused route: the one chooser of a data stream (not direct, not control) that has exactly
   * one subscription, with a single-target grouping; null otherwise. An untracked emit on it picks
   * its one target task and hands the tuple to the sender, without the fan-out loop
   * (TaskBase.sendUntracked). Fixed at plan time, like the choosers.
   */
  readonly only: TaskChooser | null;
}

/** Takes a tuple for one target task: an executor (data, may hold it back) or the transfer (control). */
export interface Sender {
  send(targetTask: number, tuple: TupleImpl): void;
}

export interface TupleMaker {
  make(): TupleImpl;
}

/** Sends the emit to every target of the route (or to `directTask` when >= 0); returns the deliveries. */
export function fanOut(to: Sender, route: OutRoute, values: readonly unknown[], directTask: number, maker: TupleMaker): number {
  if (directTask >= 0) {
    to.send(directTask, maker.make());
    return 1;
  }
  let n = 0;
  for (const c of route.choosers) {
    if (c.single) {
      to.send(c.chooseOne(values), maker.make());
      n++;
    } else {
      for (const t of c.chooseMany(values)) {
        to.send(t, maker.make());
        n++;
      }
    }
  }
  return n;
}

/**
 * {@link fanOut} for an untracked emit: the first target gets `tuple`, each further target an
 * untracked tuple of its own over the same values array (a `Tuple`'s values are read-only,
 * and every tracked fan-out shares them too). Not one object for all: a tuple's ack state
 * (`TupleImpl.state`, acked or failed once) is per delivery, and with one shared object the first
 * target's ack made every other target's ack or fail a no-op (their counts stayed at 0). Kept
 * apart from the maker-based loop so the most common emit calls no maker (one call site less that
 * sees several classes and cannot be inlined).
 */
export function fanOutShared(to: Sender, route: OutRoute, values: readonly unknown[], directTask: number, tuple: TupleImpl): number {
  if (directTask >= 0) {
    to.send(directTask, tuple);
    return 1;
  }
  const choosers = route.choosers;
  let n = 0;
  for (let i = 0; i < choosers.length; i++) {
    const c = choosers[i]!;
    if (c.single) {
      to.send(c.chooseOne(values), n === 0 ? tuple : untrackedTuple(values, tuple.stream, tuple.sourceTask));
      n++;
    } else {
      for (const t of c.chooseMany(values)) {
        to.send(t, n === 0 ? tuple : untrackedTuple(values, tuple.stream, tuple.sourceTask));
        n++;
      }
    }
  }
  return n;
}

/** Above this many trees, merging an emit's anchors by root looks roots up in an index, not by a scan. */
const MERGE_SCAN_MAX = 16;

/**
 * A bolt's anchored emit: each delivery gets a new edge id, XORed into the ack value of each
 * anchor and recorded for each tree the anchors belong to (one entry per root: edges of anchors
 * in the same tree XOR together).
 */
export class AnchoredEdges implements TupleMaker {
  private values!: readonly unknown[];
  private ref!: StreamRef;
  private anchors!: readonly TupleImpl[] | TupleImpl;
  /** Anchored to a window's held entries instead (windowed-bolt-executor.ts): `entries` of `held`. */
  private held: HeldTuples | null = null;
  private entries: readonly number[] = [];
  /** Flat `[root, edgeHi, edgeLo, ...]` of the tuple being made from several anchors (first `count` used); reused. */
  private readonly merged: number[] = [];
  private count = 0;
  /** Open-addressing index root → entry of `merged`, used above MERGE_SCAN_MAX trees (see root-slots.ts). */
  private keys = new Float64Array(0);
  private entryAt = new Int32Array(0);
  /** The slot of each entry, to empty the index after an emit in O(trees). */
  private slots = new Int32Array(0);
  private mask = 0;
  constructor(private readonly ids: IdSource, private readonly sourceTask: number) {}

  begin(values: readonly unknown[], ref: StreamRef, anchors: readonly TupleImpl[] | TupleImpl): this {
    this.values = values;
    this.ref = ref;
    this.anchors = anchors;
    this.held = null;
    return this;
  }

  /** An emit anchored to held window entries (each as its view, when it has one, else its record). */
  beginHeld(values: readonly unknown[], ref: StreamRef, held: HeldTuples, entries: readonly number[]): this {
    this.values = values;
    this.ref = ref;
    this.held = held;
    this.entries = entries;
    return this;
  }

  make(): TupleImpl {
    if (this.held !== null) return this.makeFromHeld(this.held, this.entries);
    const a = this.anchors;
    if (a instanceof TupleImpl) return this.makeFromOne(a);
    if (a.length === 1) return this.makeFromOne(a[0]!);
    return this.makeFromMany(a);
  }

  /** The common case: the new tuple belongs to exactly the anchor's trees, with one new edge id. */
  private makeFromOne(anchor: TupleImpl): TupleImpl {
    if (anchor.rootHi < 0) return untrackedTuple(this.values, this.ref, this.sourceTask);
    const hi = this.ids.next32();
    const lo = this.ids.next32();
    anchor.ackHi ^= hi;
    anchor.ackLo ^= lo;
    return new TrackedTuple(this.values, this.ref, this.sourceTask, anchor.rootHi, anchor.rootLo, hi, lo, anchor.more === null ? null : withEdge(anchor.more, hi, lo));
  }

  private makeFromMany(anchors: readonly TupleImpl[]): TupleImpl {
    let trees = 0;
    for (let k = 0; k < anchors.length; k++) {
      const a = anchors[k]!;
      if (a.rootHi >= 0) trees += a.more === null ? 1 : 1 + a.more.length / 3;
    }
    if (trees === 0) return untrackedTuple(this.values, this.ref, this.sourceTask);
    const indexed = trees > MERGE_SCAN_MAX;
    if (indexed) this.ensureIndex(trees);
    this.count = 0;
    for (let k = 0; k < anchors.length; k++) {
      const anchor = anchors[k]!;
      if (anchor.rootHi < 0) continue;
      const hi = this.ids.next32();
      const lo = this.ids.next32();
      anchor.ackHi ^= hi;
      anchor.ackLo ^= lo;
      this.merge(anchor.root, hi, lo, indexed);
      const more = anchor.more;
      if (more !== null) for (let i = 0; i < more.length; i += 3) this.merge(more[i]!, hi, lo, indexed);
    }
    return this.finishMerged(indexed);
  }

  /** The tuple of the merged trees (empties the index). */
  private finishMerged(indexed: boolean): TupleImpl {
    const m = this.merged;
    const n = this.count;
    if (indexed) for (let e = 0; e < n / 3; e++) this.keys[this.slots[e]!] = EMPTY_ROOT;
    const root = m[0]!;
    const t = new TrackedTuple(this.values, this.ref, this.sourceTask, rootHigh(root), rootLow(root), m[1]!, m[2]!, n > 3 ? m.slice(3, n) : null);
    // A huge emit (a window's) need not keep its scratch for every later small one.
    if (m.length > Math.max(3072, n * 16)) m.length = n;
    return t;
  }

  /** As {@link makeFromMany}, the anchors being window entries: the ack value XORs into the record of one without a view. */
  private makeFromHeld(held: HeldTuples, entries: readonly number[]): TupleImpl {
    const views = held.views as readonly (TupleImpl | undefined)[];
    const r = held.ints;
    const more = held.more.size > 0 ? held.more : null;
    let trees = 0;
    for (let k = 0; k < entries.length; k++) {
      const h = entries[k]!;
      const v = views[h];
      if (v !== undefined) {
        if (v.rootHi >= 0) trees += v.more === null ? 1 : 1 + v.more.length / 3;
      } else if (r[h * HELD_STRIDE + HELD_ROOT_HI]! >= 0) trees += 1 + (more?.get(h)?.length ?? 0) / 3;
    }
    if (trees === 0) return untrackedTuple(this.values, this.ref, this.sourceTask);
    const indexed = trees > MERGE_SCAN_MAX;
    if (indexed) this.ensureIndex(trees);
    this.count = 0;
    for (let k = 0; k < entries.length; k++) {
      const h = entries[k]!;
      const v = views[h];
      let root: number;
      let m: readonly number[] | null | undefined;
      if (v !== undefined) {
        if (v.rootHi < 0) continue;
        root = v.root;
        m = v.more;
      } else {
        const i = h * HELD_STRIDE;
        if (r[i + HELD_ROOT_HI]! < 0) continue;
        root = joinRoot(r[i + HELD_ROOT_HI]!, r[i + HELD_ROOT_LO]!);
        m = more?.get(h);
      }
      const hi = this.ids.next32();
      const lo = this.ids.next32();
      if (v !== undefined) {
        v.ackHi ^= hi;
        v.ackLo ^= lo;
      } else {
        r[h * HELD_STRIDE + HELD_ACK_HI]! ^= hi;
        r[h * HELD_STRIDE + HELD_ACK_LO]! ^= lo;
      }
      this.merge(root, hi, lo, indexed);
      if (m !== null && m !== undefined) for (let i = 0; i < m.length; i += 3) this.merge(m[i]!, hi, lo, indexed);
    }
    return this.finishMerged(indexed);
  }

  /** XORs edge (hi, lo) into `root`'s entry of `merged`, adding the entry when new. */
  private merge(root: number, hi: number, lo: number, indexed: boolean): void {
    const m = this.merged;
    const c = this.count;
    let j = -1;
    if (indexed) {
      const keys = this.keys;
      const mask = this.mask;
      let i = rootHome(root, mask);
      for (; ; i = (i + 1) & mask) {
        const k = keys[i]!;
        if (k === root) {
          j = this.entryAt[i]!;
          break;
        }
        if (k === EMPTY_ROOT) break;
      }
      if (j < 0) {
        keys[i] = root;
        this.entryAt[i] = c;
        this.slots[c / 3] = i;
      }
    } else {
      for (let i = 0; i < c; i += 3) {
        if (m[i] === root) {
          j = i;
          break;
        }
      }
    }
    if (j >= 0) {
      m[j + 1]! ^= hi;
      m[j + 2]! ^= lo;
      return;
    }
    m[c] = root;
    m[c + 1] = hi;
    m[c + 2] = lo;
    this.count = c + 3;
  }

  /** An empty index for `trees` roots, at most half full; a much larger one left by a big emit is given back. */
  private ensureIndex(trees: number): void {
    const size = this.keys.length;
    if (size >= trees * 2 && size <= Math.max(1024, trees * 16)) return;
    let want = 16;
    while (want < trees * 2) want *= 2;
    this.keys = new Float64Array(want).fill(EMPTY_ROOT);
    this.entryAt = new Int32Array(want);
    this.slots = new Int32Array(want >> 1);
    this.mask = want - 1;
  }
}

/** The other trees of a multi-root anchor, each with the new tuple's edge (hi, lo). */
function withEdge(more: readonly number[], hi: number, lo: number): number[] {
  const out = more.slice();
  for (let i = 1; i < out.length; i += 3) {
    out[i] = hi;
    out[i + 1] = lo;
  }
  return out;
}

/** Who subscribes to each (component, stream): `component\u0000stream` → subscriptions. */
export type Subscribers = ReadonlyMap<string, readonly { target: PlannedComponent; input: PlannedInput }[]>;

export function subscribersOf(plan: Plan): Subscribers {
  const out = new Map<string, { target: PlannedComponent; input: PlannedInput }[]>();
  for (const c of plan.components.values()) {
    for (const input of c.inputs) {
      const key = `${input.component}\u0000${input.stream}`;
      const list = out.get(key) ?? [];
      list.push({ target: c, input });
      out.set(key, list);
    }
  }
  return out;
}

export interface RouteContext {
  readonly plan: Plan;
  readonly subscribers: Subscribers;
  readonly random: () => number;
  readonly isLocalTask: (task: number) => boolean;
}

/** The routes of one task: one per output stream of its component. */
export function buildRoutes(rc: RouteContext, component: PlannedComponent, sourceTask: number): Map<string, OutRoute> {
  const refs = new Map<string, StreamRef>();
  for (const r of rc.plan.streamTable) if (r.component === component.id) refs.set(r.id, r);
  const routes = new Map<string, OutRoute>();
  for (const stream of component.streams.values()) {
    const choosers: TaskChooser[] = [];
    const directTargets = new Set<number>();
    for (const sub of rc.subscribers.get(`${component.id}\u0000${stream.id}`) ?? []) {
      const targetTasks = sub.target.tasks;
      if (sub.input.chooser === null) {
        for (const t of targetTasks) directTargets.add(t);
        continue;
      }
      choosers.push(sub.input.chooser({
        sourceComponent: component.id, sourceTask, streamId: stream.id, targetComponent: sub.target.id,
        targetTasks, localTasks: targetTasks.filter(rc.isLocalTask), fields: stream.fields, random: rc.random,
      }));
    }
    const ref = refs.get(stream.id)!;
    const only = choosers.length === 1 && choosers[0]!.single && !stream.direct && !ref.control ? choosers[0]! : null;
    routes.set(stream.id, { ref, choosers, direct: stream.direct, directTargets: stream.direct ? directTargets : null, only });
  }
  return routes;
}
