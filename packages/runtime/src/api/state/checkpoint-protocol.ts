import { Fields } from '../fields.js';

/*
 * The wire of the checkpoint protocol (docs/state.md), shared by the coordinator (a system
 * component in engine/) and the stateful-bolt executor that wraps every stateful bolt (here).
 */

/** Component id of the checkpoint coordinator (present only in topologies with stateful bolts). */
export const CHECKPOINT_COMPONENT = '__checkpoint';
/** Coordinator → every stateful bolt task (direct): `[txid, action]`. */
export const CHECKPOINT_STREAM = '__checkpoint';
/** Stateful bolt task → coordinator: `[txid, action, ok]`, the reply to one checkpoint tuple. */
export const CHECKPOINT_REPLY_STREAM = '__checkpoint_reply';

export const CHECKPOINT_FIELDS = new Fields(['txid', 'action']);
export const CHECKPOINT_REPLY_FIELDS = new Fields(['txid', 'action', 'ok']);

/**
 * Storm's checkpoint actions. PREPARE: persist the state as txid's candidate; COMMIT: make that
 * candidate the committed state and ack the tuples it holds; ROLLBACK: drop everything since the
 * last commit and fail those tuples; INITSTATE: load the committed state (after a start or a
 * rollback) and run the tuples buffered meanwhile.
 */
export type CheckpointAction = 'PREPARE' | 'COMMIT' | 'ROLLBACK' | 'INITSTATE';

export const CHECKPOINT_ACTIONS: readonly CheckpointAction[] = Object.freeze(['PREPARE', 'COMMIT', 'ROLLBACK', 'INITSTATE']);

export function isCheckpointAction(x: unknown): x is CheckpointAction {
  return typeof x === 'string' && (CHECKPOINT_ACTIONS as readonly string[]).includes(x);
}
