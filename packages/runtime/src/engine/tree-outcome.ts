/**
 * What became of a tuple tree, as the acker tells its spout task. The one numbering of tree
 * outcomes: it travels unchanged as a value of the acker's `__ack_outcome` tuples, so the wire
 * needs no mapping of its own.
 */
export const TreeOutcome = {
  /** Every tuple of the tree was acked. */
  ACKED: 1,
  /** A tuple of the tree was failed. */
  FAILED: 2,
  /** The spout task's timer expired the tree (never sent by the acker). */
  TIMED_OUT: 3,
  /** A bolt called resetTimeout on a tuple of the tree: restart its timeout at the spout. */
  RESET: 4,
} as const;
export type TreeOutcomeCode = (typeof TreeOutcome)[keyof typeof TreeOutcome];

export function isTreeOutcome(v: unknown): v is TreeOutcomeCode {
  return v === 1 || v === 2 || v === 3 || v === 4;
}
