/**
 * The session state machine, pure: what a library state change means for one ZooKeeper session.
 * A session is `connecting` until the server first accepts it, then moves between `connected` and
 * `disconnected` (the library re-dials; the server keeps the session for its timeout), and is `dead`
 * for good after an expiry or an authentication failure — the client then opens a brand-new session.
 */

export type SessionStatus = 'connecting' | 'connected' | 'disconnected' | 'dead';

/** node-zookeeper-client's states, as zk-session.ts names them. */
export type LibState = 'sync-connected' | 'disconnected' | 'expired' | 'auth-failed' | 'other';

/** What the owner must do for a state change (after setting the session's status to `status`). */
export type SessionStep =
  /** Nothing changed. */
  | 'none'
  /** The first connection: the session exists. */
  | 'established'
  /** Refused before the session existed. */
  | 'rejected'
  /** The library re-dialled in time; the session, its ephemerals and watches are kept. */
  | 'reconnected'
  /** The connection dropped; the session lives on the server until its timeout. */
  | 'disconnected'
  /** The server dropped the session: ephemerals and watches are gone; open a new one. */
  | 'expired'
  /** Authentication failed on an existing session: the client gives up. */
  | 'auth-failed';

export interface SessionTransition {
  status: SessionStatus;
  step: SessionStep;
}

export function sessionTransition(status: SessionStatus, state: LibState): SessionTransition {
  const stay: SessionTransition = { status, step: 'none' };
  switch (status) {
    case 'dead':
      return stay;
    case 'connecting':
      // DISCONNECTED while connecting: the library keeps trying until the owner's deadline
      if (state === 'sync-connected') return { status: 'connected', step: 'established' };
      if (state === 'auth-failed') return { status: 'dead', step: 'rejected' };
      return stay;
    case 'connected':
    case 'disconnected':
      if (state === 'sync-connected') return status === 'disconnected' ? { status: 'connected', step: 'reconnected' } : stay;
      if (state === 'disconnected') return status === 'connected' ? { status: 'disconnected', step: 'disconnected' } : stay;
      if (state === 'expired') return { status: 'dead', step: 'expired' };
      if (state === 'auth-failed') return { status: 'dead', step: 'auth-failed' };
      return stay;
  }
}
