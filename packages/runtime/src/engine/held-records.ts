import {
  HELD_ACK_HI, HELD_ACK_LO, HELD_EDGE_HI, HELD_EDGE_LO, HELD_ROOT_HI, HELD_ROOT_LO, HELD_SOURCE_TASK, HELD_STATE, HELD_STRIDE,
  type HeldTuples,
} from '../api/window/held-tuples.js';
import { anchorDone, checkAnchor } from './input-checks.js';
import { joinRoot, TUPLE_ACKED, TUPLE_FAILED, TUPLE_PENDING, TrackedTuple, TreeTuple, type StreamRef, type TupleImpl } from './tuple.js';

/*
 * A tuple's ack record in a window's HeldTuples entry and back (api/window/held-tuples.ts has the
 * layout and why): the engine side of the bolt task's TupleHolder, apart from what it sends.
 */

/** Copies `t`'s values and ack record into a new entry of `store`; returns the entry. */
export function holdRecord(t: TupleImpl, store: HeldTuples): number {
  const h = store.alloc();
  const r = store.ints;
  const i = h * HELD_STRIDE;
  r[i + HELD_ROOT_HI] = t.rootHi;
  r[i + HELD_ROOT_LO] = t.rootLo;
  r[i + HELD_EDGE_HI] = t.edgeHi;
  r[i + HELD_EDGE_LO] = t.edgeLo;
  r[i + HELD_ACK_HI] = t.ackHi;
  r[i + HELD_ACK_LO] = t.ackLo;
  r[i + HELD_SOURCE_TASK] = t.sourceTask;
  r[i + HELD_STATE] = t.state > TUPLE_FAILED ? TUPLE_ACKED : t.state; // a held ack's generation is the tuple's alone
  store.values[h] = t.values;
  store.streams[h] = t.stream;
  if (t.more !== null) store.more.set(h, t.more);
  return h;
}

/** A new tuple with entry `h`'s values and ack record. */
export function recordView(store: HeldTuples, h: number): TupleImpl {
  const r = store.ints;
  const i = h * HELD_STRIDE;
  const more = store.more.size > 0 ? (store.more.get(h) as number[] | undefined) ?? null : null;
  const values = store.values[h]!;
  const stream = store.streams[h] as StreamRef;
  const t = more === null
    ? new TreeTuple(values, stream, r[i + HELD_SOURCE_TASK]!, r[i + HELD_ROOT_HI]!, r[i + HELD_ROOT_LO]!, r[i + HELD_EDGE_HI]!, r[i + HELD_EDGE_LO]!)
    : new TrackedTuple(values, stream, r[i + HELD_SOURCE_TASK]!, r[i + HELD_ROOT_HI]!, r[i + HELD_ROOT_LO]!, r[i + HELD_EDGE_HI]!, r[i + HELD_EDGE_LO]!, more);
  t.ackHi = r[i + HELD_ACK_HI]!;
  t.ackLo = r[i + HELD_ACK_LO]!;
  t.state = r[i + HELD_STATE]!;
  return t;
}

/** Moves entry `h` (one without a view) from pending to `state`; false when it was not pending. */
export function settleRecord(store: HeldTuples, h: number, state: number): boolean {
  const i = h * HELD_STRIDE + HELD_STATE;
  if (store.ints[i] !== TUPLE_PENDING) return false;
  store.ints[i] = state;
  return true;
}

/**
 * Calls `each` with every tree of entry `h` (none when it is untracked): the root, and the edge
 * XOR the ack value, as an ack of the entry sends it.
 */
export function forEachRecordTree(store: HeldTuples, h: number, each: (root: number, hi: number, lo: number) => void): void {
  const r = store.ints;
  const i = h * HELD_STRIDE;
  if (r[i + HELD_ROOT_HI]! < 0) return;
  const ackHi = r[i + HELD_ACK_HI]!;
  const ackLo = r[i + HELD_ACK_LO]!;
  each(joinRoot(r[i + HELD_ROOT_HI]!, r[i + HELD_ROOT_LO]!), r[i + HELD_EDGE_HI]! ^ ackHi, r[i + HELD_EDGE_LO]! ^ ackLo);
  const m = store.more.size > 0 ? store.more.get(h) : undefined;
  if (m !== undefined) for (let j = 0; j < m.length; j += 3) each(m[j]!, m[j + 1]! ^ ackHi, m[j + 2]! ^ ackLo);
}

/** As isTrackedAnchor for window entries: throws for one already acked or failed; whether any is tracked. */
export function checkRecords(store: HeldTuples, hs: readonly number[], component: string): boolean {
  const views = store.views as readonly (TupleImpl | undefined)[];
  const r = store.ints;
  let any = false;
  for (let k = 0; k < hs.length; k++) {
    const h = hs[k]!;
    const v = views[h];
    if (v !== undefined) {
      if (checkAnchor(v, component)) any = true;
      continue;
    }
    const i = h * HELD_STRIDE;
    if (r[i + HELD_ROOT_HI]! < 0) continue;
    if (r[i + HELD_STATE] !== TUPLE_PENDING) throw anchorDone(component, r[i + HELD_STATE]!);
    any = true;
  }
  return any;
}
