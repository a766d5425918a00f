/**
 * One ZooKeeper session = one node-zookeeper-client client; a new session gets a new library client.
 * Opening one (with a deadline, digest auth, abortable), feeding its state changes through the pure
 * state machine (zk-session-state.ts), and closing it so its ephemerals go at once.
 */
import zookeeper from 'node-zookeeper-client';
import { ZkError } from './zk-errors.js';
import { destroyInner, internals, isServerAnswer } from './zk-lib.js';
import { sessionTransition, type LibState, type SessionStatus, type SessionTransition } from './zk-session-state.js';
import { digestAuth } from './zk-types.js';

/** Reconnect spin: node-zookeeper-client waits random(0, spinDelay) between rounds over the servers. */
const SPIN_DELAY_MS = 250;

export interface Session {
  readonly inner: zookeeper.Client;
  readonly id: () => string;
  status: SessionStatus;
  /** Rejecters of calls in flight on this session, so an expiry or close never leaves one hanging. */
  readonly pending: Set<(err: ZkError) => void>;
  /** performance.now() (monotonic) of the server's last answer (the watchdog's evidence). */
  lastHeardAt: number;
  probing: boolean;
}

export interface OpenSessionOptions {
  connectString: string;
  sessionTimeoutMs: number;
  connectTimeoutMs: number;
  secret: string | undefined;
  /** Aborting rejects a connecting session with GALE_ERR_ZK_CLOSED. */
  signal: AbortSignal;
  /**
   * State changes after the session was established. Not yet applied: the owner ignores those of a
   * session it replaced or after it closed, else sets `session.status = t.status` and acts on `t.step`.
   */
  onChange: (session: Session, t: SessionTransition) => void;
}

/** Opens a brand-new session: resolves when connected, rejects (and cleans up) after connectTimeoutMs. */
export function openSession(o: OpenSessionOptions): Promise<Session> {
  const inner = zookeeper.createClient(o.connectString, { sessionTimeout: o.sessionTimeoutMs, spinDelay: SPIN_DELAY_MS, retries: 0 });
  if (o.secret !== undefined) inner.addAuthInfo('digest', digestAuth(o.secret));
  const session: Session = {
    inner,
    id: () => inner.getSessionId().toString('hex'),
    status: 'connecting',
    pending: new Set(),
    lastHeardAt: performance.now(),
    probing: false,
  };
  return new Promise<Session>((resolve, reject) => {
    const settle = (): void => {
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
    };
    const fail = (err: ZkError): void => {
      settle();
      session.status = 'dead';
      destroyInner(inner);
      reject(err);
    };
    const onAbort = (): void => fail(new ZkError('GALE_ERR_ZK_CLOSED', 'the ZooKeeper client was closed while connecting'));
    const timer = setTimeout(() => fail(new ZkError(
      'GALE_ERR_ZK_UNREACHABLE',
      `cannot reach ZooKeeper at ${o.connectString} within ${o.connectTimeoutMs} ms`,
      { retriable: true },
    )), o.connectTimeoutMs);
    o.signal.addEventListener('abort', onAbort, { once: true });
    inner.on('state', (state: zookeeper.State) => {
      const wasConnecting = session.status === 'connecting';
      const t = sessionTransition(session.status, libState(state));
      const { status, step } = t;
      if (wasConnecting) {
        if (step === 'established') {
          settle();
          session.status = status;
          session.lastHeardAt = performance.now();
          resolve(session);
        } else if (step === 'rejected') {
          fail(new ZkError('GALE_ERR_ZK_AUTH_FAILED', `ZooKeeper at ${o.connectString} rejected the authentication`));
        }
        return;
      }
      if (step !== 'none') o.onChange(session, t);
    });
    inner.connect();
  });
}

function libState(state: zookeeper.State): LibState {
  if (state === zookeeper.State.SYNC_CONNECTED) return 'sync-connected';
  if (state === zookeeper.State.DISCONNECTED) return 'disconnected';
  if (state === zookeeper.State.EXPIRED) return 'expired';
  if (state === zookeeper.State.AUTH_FAILED) return 'auth-failed';
  return 'other';
}

/** Rejects every call in flight on the session. */
export function rejectPending(session: Session, err: ZkError): void {
  for (const abort of [...session.pending]) abort(err);
}

/** Drops the socket (the library dials again) and restarts the silence count. */
export function dropSocket(session: Session): void {
  session.lastHeardAt = performance.now();
  internals(session.inner).socket?.destroy();
}

/** A cheap read whose answer proves the server is alive. */
export function probe(session: Session): void {
  session.probing = true;
  session.inner.exists('/', (err) => {
    session.probing = false;
    if (isServerAnswer(err)) session.lastHeardAt = performance.now();
  });
}

/** Sends CLOSE_SESSION (so the session's ephemerals go now, not after the timeout), waiting at most `graceMs`. */
export function closeSession(session: Session, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, graceMs);
    timer.unref();
    session.inner.once('disconnected', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      session.inner.close();
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}
