import type { FailReason } from '../api/types.js';

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
  /** A tuple of the tree could never be sent: larger than a frame. A failure, with its reason. */
  FAILED_TOO_LARGE: 5,
  /** A tuple of the tree could never be sent: a value the wire cannot carry. A failure, with its reason. */
  FAILED_UNENCODABLE: 6,
  /**
   * Local only (never on the wire): the message's earlier attempts died with their worker
   * `maxRetries + 1` times (crash-counts.ts); it is dead-lettered without being emitted again.
   */
  WORKER_CRASHED: 7,
  /**
   * A crash report (crash-reports.ts): a tuple of the tree was executing when a worker in which the
   * spout does not run died. Sent to every spout task by that worker's next launch; the spout
   * charges the message one failure (reason `worker-crashed`), the one failure a crash costs.
   */
  CRASHED: 8,
  /**
   * A bolt that stops here (a drain, or its executor moving away in a rebalance) failed the inputs
   * it held: its windows will never fire there. A failure (reason `failed`) that the spout replays
   * but does not charge to maxRetries: the tuple did nothing wrong, and a drain may fail what peers
   * keep routing to it again and again (drain.ts).
   */
  FAILED_STOPPED: 9,
} as const;
export type TreeOutcomeCode = (typeof TreeOutcome)[keyof typeof TreeOutcome];

/** Outcomes that may arrive on `__ack_outcome` (WORKER_CRASHED never does). */
export function isTreeOutcome(v: unknown): v is TreeOutcomeCode {
  return v === 1 || v === 2 || v === 3 || v === 4 || v === 5 || v === 6 || v === 8 || v === 9;
}

/** The outcome codes that fail a tree with a reason (what a bolt sends the acker on `__ack_fail`). */
export type FailOutcome =
  | typeof TreeOutcome.FAILED | typeof TreeOutcome.FAILED_TOO_LARGE | typeof TreeOutcome.FAILED_UNENCODABLE | typeof TreeOutcome.FAILED_STOPPED;

export function isFailOutcome(v: unknown): v is FailOutcome {
  return v === 2 || v === 5 || v === 6 || v === 9;
}

/** Why a failed or timed-out tree ended, for `Spout.fail` and dead letters. */
export function failReasonOf(outcome: TreeOutcomeCode): FailReason {
  switch (outcome) {
    case TreeOutcome.TIMED_OUT: return 'timed-out';
    case TreeOutcome.FAILED_TOO_LARGE: return 'too-large';
    case TreeOutcome.FAILED_UNENCODABLE: return 'unencodable';
    default: return 'failed';
  }
}

/** The failure of a tuple that could not be sent, by the transport's error code. */
export function unsendableOutcome(code: unknown): FailOutcome {
  return code === 'GALE_ERR_FRAME_TOO_LARGE' ? TreeOutcome.FAILED_TOO_LARGE : TreeOutcome.FAILED_UNENCODABLE;
}
