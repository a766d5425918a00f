/**
 * The liveness watchdog node-zookeeper-client lacks. The library pings every third of the session
 * timeout but never notices unanswered pings, and never times out reads, so a frozen server (or a
 * connection left attached to a closed session) would hang every call. If the server has said nothing
 * for 2/3 of the timeout (as the Java client's read timeout), drop the socket: the library reconnects
 * and the server then either resumes the session or reports it expired. An idle session is probed
 * with `exists('/')` after 1/3 of the timeout so that silence means a dead server, not a quiet one.
 */
import type { SessionStatus } from './zk-session-state.js';

export type WatchdogVerdict =
  /** Nothing to do. */
  | 'ok'
  /** Ask the server something so that its answer refreshes `lastHeardAt`. */
  | 'probe'
  /** A connected session's server stopped answering: drop the socket. */
  | 'drop'
  /**
   * A re-dial stalled: the library stops its connect timer once TCP is up and starts its socket timer
   * only after the handshake, so a handshake a restarting server never answers waits forever. Drop
   * the socket so the library dials again (as the Java client does).
   */
  | 'redial';

export interface WatchdogInput {
  status: SessionStatus;
  /** Time since the server last answered. */
  silentMs: number;
  /** The session timeout the server granted. */
  timeoutMs: number;
  /** A probe is already in flight. */
  probing: boolean;
}

export function watchdogVerdict({ status, silentMs, timeoutMs, probing }: WatchdogInput): WatchdogVerdict {
  const tooSilent = silentMs > (timeoutMs * 2) / 3;
  if (status === 'disconnected') return tooSilent ? 'redial' : 'ok';
  if (status !== 'connected') return 'ok';
  if (tooSilent) return 'drop';
  return silentMs >= timeoutMs / 3 && !probing ? 'probe' : 'ok';
}

/** How often the watchdog looks: often enough to act within the thirds above. */
export function watchdogPeriodMs(requestedSessionTimeoutMs: number): number {
  return Math.max(100, Math.floor(requestedSessionTimeoutMs / 6));
}
