import type { IdSource } from './ids.js';
import type { OutRoute, Sender } from './router.js';
import { TreeTuple, type TupleImpl } from './tuple.js';

/*
 * The two tracked emits of the hot path — a spout's new tree, and a bolt's emit anchored to one
 * input of one tree — as plain loops, each delivery a tuple of the tree with a fresh random edge
 * id. router.ts's TupleMakers do the same for any emit, but a maker is kept by its task, so
 * every emit stored its values and anchor into an old object (a write barrier each, taken since
 * the values are young) and each delivery was one more polymorphic call.
 */

/** The XOR of the edge ids a spout's emit sent out (what its acker init carries). */
export class EdgeXor {
  hi = 0;
  lo = 0;
}

/** A spout's tracked emit of tree (`rootHi`, `rootLo`); the XOR of its edge ids is left in `xor`. */
export function fanOutNewTree(
  to: Sender, route: OutRoute, values: readonly unknown[], directTask: number,
  rootHi: number, rootLo: number, ids: IdSource, sourceTask: number, xor: EdgeXor,
): number {
  const ref = route.ref;
  let xhi = 0;
  let xlo = 0;
  let n = 0;
  if (directTask >= 0) {
    xhi = ids.next32();
    xlo = ids.next32();
    to.send(directTask, new TreeTuple(values, ref, sourceTask, rootHi, rootLo, xhi, xlo));
    n = 1;
  } else {
    const choosers = route.choosers;
    for (let i = 0; i < choosers.length; i++) {
      const c = choosers[i]!;
      if (c.single) {
        const task = c.chooseOne(values);
        const hi = ids.next32();
        const lo = ids.next32();
        xhi ^= hi;
        xlo ^= lo;
        to.send(task, new TreeTuple(values, ref, sourceTask, rootHi, rootLo, hi, lo));
        n++;
      } else {
        for (const task of c.chooseMany(values)) {
          const hi = ids.next32();
          const lo = ids.next32();
          xhi ^= hi;
          xlo ^= lo;
          to.send(task, new TreeTuple(values, ref, sourceTask, rootHi, rootLo, hi, lo));
          n++;
        }
      }
    }
  }
  xor.hi = xhi;
  xor.lo = xlo;
  return n;
}

/**
 * A bolt's emit anchored to `anchor` alone, a tracked input of one tree (`more === null`): each
 * delivery's edge id is XORed into the anchor's ack value before the tuple goes (it may run
 * inline and ack at once).
 */
export function fanOutOneTree(
  to: Sender, route: OutRoute, values: readonly unknown[], directTask: number, anchor: TupleImpl, ids: IdSource, sourceTask: number,
): number {
  const ref = route.ref;
  const rootHi = anchor.rootHi;
  const rootLo = anchor.rootLo;
  if (directTask >= 0) {
    const hi = ids.next32();
    const lo = ids.next32();
    anchor.ackHi ^= hi;
    anchor.ackLo ^= lo;
    to.send(directTask, new TreeTuple(values, ref, sourceTask, rootHi, rootLo, hi, lo));
    return 1;
  }
  const choosers = route.choosers;
  let n = 0;
  for (let i = 0; i < choosers.length; i++) {
    const c = choosers[i]!;
    if (c.single) {
      const task = c.chooseOne(values);
      const hi = ids.next32();
      const lo = ids.next32();
      anchor.ackHi ^= hi;
      anchor.ackLo ^= lo;
      to.send(task, new TreeTuple(values, ref, sourceTask, rootHi, rootLo, hi, lo));
      n++;
    } else {
      for (const task of c.chooseMany(values)) {
        const hi = ids.next32();
        const lo = ids.next32();
        anchor.ackHi ^= hi;
        anchor.ackLo ^= lo;
        to.send(task, new TreeTuple(values, ref, sourceTask, rootHi, rootLo, hi, lo));
        n++;
      }
    }
  }
  return n;
}
