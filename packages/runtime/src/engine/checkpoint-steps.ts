import type { CheckpointAction } from '../api/state/checkpoint-protocol.js';

/**
 * The coordinator's persisted phase (Storm's CheckPointState): `committed` txid N is durable;
 * `preparing` N+1 was started (a restart rolls it back); `committing` N+1 was decided (a restart
 * commits it again: bolts' commits are idempotent).
 */
export type CheckpointPhase = 'committed' | 'preparing' | 'committing';

export interface NextStep {
  readonly action: CheckpointAction;
  readonly txid: number;
  /** The phase to persist before sending, if it changes. */
  readonly persist?: { readonly phase: CheckpointPhase; readonly txid: number };
}

/**
 * What to send next (Storm's CheckPointState.nextAction). Recovering (after a start or a failed
 * step): finish or undo what the persisted phase says, then INITSTATE; else the next PREPARE.
 */
export function nextStep(phase: CheckpointPhase, txid: number, recovering: boolean): NextStep {
  if (recovering) {
    if (phase === 'preparing') return { action: 'ROLLBACK', txid };
    if (phase === 'committing') return { action: 'COMMIT', txid };
    return { action: 'INITSTATE', txid };
  }
  if (phase === 'committed') return { action: 'PREPARE', txid: txid + 1, persist: { phase: 'preparing', txid: txid + 1 } };
  // `committing` right after a PREPARE succeeded: COMMIT, as in recovery.
  return nextStep(phase, txid, true);
}
