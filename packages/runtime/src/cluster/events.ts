/**
 * The cluster daemons' event tables (STYLE.md rule 9). Tests and tools await these instead of
 * reading log text; `gale supervisor` forwards every supervisor event to its parent process when
 * it has an IPC channel (see cli/commands/supervisor.ts). Payloads are plain JSON so they survive
 * that channel as they are.
 */

/** Why the supervisor ended a worker itself, or could not start one. */
export interface WorkerCause {
  /** A stable error code when there is one (e.g. `ENOSPC`, `GALE_ERR_ZK_...`). */
  readonly code?: string;
  readonly message: string;
}

/** One slot's worker process (cluster/slot-process.ts). */
export interface SlotEvents {
  /** A worker process was forked for `topology` on `port`. */
  'worker.started': { topology: string; port: number; pid: number };
  /** A worker exited cleanly (exit 0) or was stopped on purpose (unassigned, reassigned, shutdown). */
  'worker.stopped': { topology: string; port: number; code: number | null; signal: string | null };
  /**
   * A worker exited unexpectedly, or could not be started (then `code` and `signal` are null and
   * `cause` says why); it is relaunched after `restartInMs` (restart backoff).
   */
  'worker.crashed': {
    topology: string; port: number; code: number | null; signal: string | null; cause?: WorkerCause; restartInMs: number;
  };
  /** A live worker's heartbeat was missing for `silentMs`: it is SIGKILLed (then `worker.crashed`). */
  'worker.hung': { topology: string; port: number; pid: number; silentMs: number };
}

/** The scheduler role (cluster/leader.ts), re-emitted by the supervisor that runs it. */
export interface LeaderEvents {
  /** The leader wrote (created or replaced) the assignment of `topology`. */
  'assignment.written': { topology: string; version: number; workers: { supervisor: string; port: number }[] };
  /**
   * To even out the spread after a supervisor joined, the leader moved one worker of `topology`
   * (same executors) from one slot to another in assignment `version` (cluster/spread.ts); its
   * `assignment.written` follows.
   */
  'worker.moved': { topology: string; version: number; from: { supervisor: string; port: number }; to: { supervisor: string; port: number } };
}

/** A supervisor daemon (cluster/supervisor.ts): its own events, its slots' and its leader role's. */
export interface SupervisorEvents extends SlotEvents, LeaderEvents {
  /** Registered, in the election, reconciling: the supervisor is up. */
  ready: { id: string; host: string; ports: number[] };
  /**
   * What this supervisor must run for `topology` changed: its workers are being (re)started or
   * stopped. `version` is the assignment's version, null when none of its workers is here any more.
   */
  'assignment.changed': { topology: string; version: number | null };
  /** This supervisor became the leader (also at start, when it joins as the only candidate). */
  'leader.elected': { id: string };
  /** This supervisor stopped being the leader (session expired, znode deleted, or shutdown). */
  'leader.lost': { id: string };
}

export type SupervisorEventName = keyof SupervisorEvents;

/** Every supervisor event name, for forwarding them all (e.g. over IPC). */
export const SUPERVISOR_EVENT_NAMES: readonly SupervisorEventName[] = Object.keys({
  ready: true, 'worker.started': true, 'worker.stopped': true, 'worker.crashed': true, 'worker.hung': true,
  'assignment.changed': true, 'assignment.written': true, 'worker.moved': true, 'leader.elected': true, 'leader.lost': true,
} satisfies Record<SupervisorEventName, true>) as SupervisorEventName[];

/** What `gale supervisor` sends its parent over IPC for each event. */
export interface ForwardedEvent<K extends SupervisorEventName = SupervisorEventName> {
  type: 'gale.event';
  event: K;
  data: SupervisorEvents[K];
}
