import type { HeldAcks } from '../api/state/held-acks.js';
import type { Tuple } from '../api/types.js';
import { ComponentError } from '../errors.js';
import { TUPLE_FAILED, TUPLE_PENDING, TupleImpl } from './tuple.js';

/*
 * What a bolt task checks of the tuples a bolt hands back to it (ack, fail, anchors), apart from
 * bolt-task.ts to keep it small.
 */

/** The table holding the ack of an input stamped `gen` (AckHolder.holdAck), if one still does. */
export function heldIn(gen: number, held: readonly HeldAcks[]): HeldAcks | undefined {
  for (const h of held) if (h.holdsGeneration(gen)) return h;
  return undefined;
}

export function asInput(tuple: Tuple, component: string, call: string): TupleImpl {
  if (tuple instanceof TupleImpl) return tuple;
  throw new ComponentError('GALE_ERR_BAD_TUPLE', `component "${component}" called ${call}() with ${tuple === null ? 'null' : typeof tuple}, not an input tuple it received`);
}

export function isTrackedAnchor(list: readonly TupleImpl[] | TupleImpl, component: string): boolean {
  if (list instanceof TupleImpl) return checkAnchor(list, component);
  let any = false;
  for (const a of list) if (checkAnchor(a, component)) any = true;
  return any;
}

export function checkAnchor(a: TupleImpl, component: string): boolean {
  if (!(a instanceof TupleImpl)) {
    throw new ComponentError('GALE_ERR_BAD_ANCHOR', `component "${component}" anchored an emit to something that is not an input tuple`);
  }
  if (a.rootHi < 0) return false;
  if (a.state !== TUPLE_PENDING) throw anchorDone(component, a.state);
  return true;
}

export function anchorDone(component: string, state: number): ComponentError {
  return new ComponentError('GALE_ERR_ANCHOR_DONE', `component "${component}" emitted anchored to a tuple it already ${state === TUPLE_FAILED ? 'failed' : 'acked'}; emit before acking`);
}
