/*
 * Internal (not in the public barrel): the seam through which the engine asks a bolt that holds
 * the acks of inputs it has executed — the window executors, whose inputs stay un-acked until
 * they leave their last window — to give them up. The engine calls it when the bolt's executor
 * drains (gale kill, a worker stopping, the end of a local run) or moves to another worker in a
 * rebalance: the windows will never fire there, so their inputs' trees are failed at once and
 * their spouts replay them now, instead of after messageTimeoutMs (docs/windowing.md, "When the
 * bolt stops"). A symbol, so no user bolt's method can be taken for it.
 */

/** The method key: `bolt[FAIL_HELD_INPUTS]()` fails every input the bolt holds, returns how many trees' inputs it failed. */
export const FAIL_HELD_INPUTS: unique symbol = Symbol('gale.failHeldInputs');

export interface HoldsInputs {
  /**
   * Fails every input whose ack the bolt holds and forgets them (they leave every window: nothing
   * held is evaluated or acked later). Returns how many it failed. Called outside `execute`, also
   * while an async execute is in flight; may be called again (then it fails what arrived since).
   */
  [FAIL_HELD_INPUTS](): number;
}

/** Whether `bolt` holds inputs' acks ({@link HoldsInputs}). */
export function holdsInputs(bolt: unknown): bolt is HoldsInputs {
  return typeof bolt === 'object' && bolt !== null && typeof (bolt as Partial<HoldsInputs>)[FAIL_HELD_INPUTS] === 'function';
}
