/**
 * Promise-based ZooKeeper client over node-zookeeper-client 1.1.3, with the session lifecycle gale
 * needs: connect with a deadline, automatic brand-new session after EXPIRED, typed state events so
 * owners re-create ephemerals and re-arm watches, digest ACLs when a cluster secret is set, and a
 * liveness watchdog the library lacks (it never times out reads: a server that stops answering —
 * frozen, or a connection left attached to a closed session — would otherwise hang every call).
 * See docs/zookeeper.md. The pieces:
 *   zk-options.ts        defaults and checks          zk-session-state.ts  the session state machine (pure)
 *   zk-session.ts        open / close one session     zk-watchdog.ts       when to probe, drop or re-dial (pure)
 *   zk-call.ts           one call with a deadline     zk-multi.ts          transactions on the library
 *   zk-tree.ts           mkdirp, removeRecursive      zk-watchers.ts       watcher wrapping
 */
import type zookeeper from 'node-zookeeper-client';
import { retry } from '../retry.js';
import { TypedEvents } from './events.js';
import { callOnSession, type LibCall } from './zk-call.js';
import { ZkError } from './zk-errors.js';
import { MODES, checkSize, destroyInner, toLibAcl, toStat } from './zk-lib.js';
import { checkMultiSize, runMulti } from './zk-multi.js';
import { resolveZkOptions, type ResolvedZkOptions } from './zk-options.js';
import { closeSession, dropSocket, openSession, probe, rejectPending, type Session } from './zk-session.js';
import type { SessionTransition } from './zk-session-state.js';
import { ZkTransaction } from './zk-transaction.js';
import { mkdirp, removeRecursive } from './zk-tree.js';
import {
  OPEN_ACL, digestAcl,
  type ZkAcl, type ZkClientEvents, type ZkClientOptions, type ZkCreateMode, type ZkOp, type ZkOpResult, type ZkStat, type ZkWatcher,
} from './zk-types.js';
import { watchdogPeriodMs, watchdogVerdict } from './zk-watchdog.js';
import { WatcherWrappers } from './zk-watchers.js';

const CLOSE_GRACE_MS = 2000;

/**
 * A ZooKeeper connection that outlives its sessions. Methods reject with {@link ZkError}; while a new
 * session is being created after an expiry they reject with retriable GALE_ERR_ZK_SESSION_EXPIRED.
 */
export class ZkClient {
  private readonly opts: ResolvedZkOptions;
  private readonly events: TypedEvents<ZkClientEvents>;
  private readonly defaultAcl: readonly ZkAcl[];
  private readonly watchers: WatcherWrappers;
  private readonly abort = new AbortController();
  private session!: Session;
  private watchdog: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  private constructor(opts: ResolvedZkOptions) {
    this.opts = opts;
    this.events = new TypedEvents(opts.log);
    this.defaultAcl = opts.secret !== undefined ? Object.freeze(digestAcl(opts.secret)) : OPEN_ACL;
    this.watchers = new WatcherWrappers(opts.log, () => this.closing !== undefined);
  }

  /**
   * Connects and resolves once the session is established; rejects with retriable
   * GALE_ERR_ZK_UNREACHABLE after `connectTimeoutMs`.
   */
  static async connect(options: ZkClientOptions): Promise<ZkClient> {
    const client = new ZkClient(resolveZkOptions(options));
    client.session = await client.openSession();
    client.startWatchdog();
    client.opts.log.debug({ sessionId: client.sessionId, timeoutMs: client.sessionTimeoutMs }, 'zookeeper session established');
    return client;
  }

  /** Hex id of the current session. */
  get sessionId(): string {
    return this.session.id();
  }

  /** The session timeout the server granted (clamped to [2, 20] x tickTime). */
  get sessionTimeoutMs(): number {
    return this.session.inner.getSessionTimeout();
  }

  get connectString(): string {
    return this.opts.connectString;
  }

  /** `connecting` only between an expiry and the new session; `closed` after close(). */
  get state(): 'connected' | 'disconnected' | 'connecting' | 'closed' {
    if (this.closing) return 'closed';
    const s = this.session.status;
    return s === 'dead' ? 'connecting' : s;
  }

  /** ACL every create uses unless given one: digest ACL with a secret, else world-open. */
  get acl(): readonly ZkAcl[] {
    return this.defaultAcl;
  }

  /** For fault-injection tests: the credentials of the current session. */
  sessionCredentials(): { sessionId: Buffer; password: Buffer } {
    return { sessionId: this.session.inner.getSessionId(), password: this.session.inner.getSessionPassword() };
  }

  /** Subscribes to connection state changes; returns the unsubscribe. */
  on<K extends keyof ZkClientEvents>(name: K, listener: (event: ZkClientEvents[K]) => void): () => void {
    return this.events.on(name, listener);
  }

  // ---- operations ---------------------------------------------------------------------------------

  /** Creates a znode; returns its actual path (with the sequence suffix for sequential modes). */
  async create(path: string, data: Buffer = Buffer.alloc(0), mode: ZkCreateMode = 'persistent', acl?: readonly ZkAcl[]): Promise<string> {
    checkSize('create', path, data);
    const libAcl = toLibAcl(acl ?? this.defaultAcl);
    return this.call<string>('create', path, (inner, cb) => inner.create(path, data, libAcl, MODES[mode], cb));
  }

  /** Creates `path` and any missing ancestors (persistent, empty, default ACL). */
  mkdirp(path: string): Promise<void> {
    return mkdirp(this, path);
  }

  getData(path: string, watcher?: ZkWatcher): Promise<{ data: Buffer; version: number; stat: ZkStat }> {
    return this.call('getData', path, (inner, cb) => {
      const done = (err: unknown, data: Buffer, stat: zookeeper.Stat): void =>
        cb(err, err ? undefined : { data: data ?? Buffer.alloc(0), version: stat.version, stat: toStat(stat) });
      if (watcher) inner.getData(path, this.watchers.wrap(watcher), done);
      else inner.getData(path, done);
    });
  }

  /** Writes data; with `version` only if the znode is still at that version (else GALE_ERR_ZK_BAD_VERSION). */
  async setData(path: string, data: Buffer, version = -1): Promise<ZkStat> {
    checkSize('setData', path, data);
    return this.call('setData', path, (inner, cb) =>
      inner.setData(path, data, version, (err, stat) => cb(err, err ? undefined : toStat(stat))));
  }

  /** The znode's stat, or null if it does not exist. With a watcher: fires on create, delete or data change. */
  exists(path: string, watcher?: ZkWatcher): Promise<ZkStat | null> {
    return this.call('exists', path, (inner, cb) => {
      const done = (err: unknown, stat: zookeeper.Stat | null): void => cb(err, err ? undefined : stat ? toStat(stat) : null);
      if (watcher) inner.exists(path, this.watchers.wrap(watcher), done);
      else inner.exists(path, done);
    });
  }

  getChildren(path: string, watcher?: ZkWatcher): Promise<string[]> {
    return this.call('getChildren', path, (inner, cb) => {
      const done = (err: unknown, children: string[]): void => cb(err, err ? undefined : children);
      if (watcher) inner.getChildren(path, this.watchers.wrap(watcher), done);
      else inner.getChildren(path, done);
    });
  }

  /** The znode's ACL. */
  getAcl(path: string): Promise<ZkAcl[]> {
    return this.call('getAcl', path, (inner, cb) => inner.getACL(path, (err, acls) => cb(err, err ? undefined : acls.map(a => {
      // The typings say `perms`; node-zookeeper-client 1.1.3 sets `permission`.
      const raw = a as unknown as { permission?: number; perms?: number; id: { scheme: string; id: string } };
      return { scheme: raw.id.scheme, id: raw.id.id, perms: raw.permission ?? raw.perms ?? 0 };
    }))));
  }

  remove(path: string, version = -1): Promise<void> {
    return this.call('remove', path, (inner, cb) => inner.remove(path, version, err => cb(err, undefined)));
  }

  /** Removes `path` and everything under it; a missing node is not an error. */
  removeRecursive(path: string): Promise<void> {
    return removeRecursive(this, path);
  }

  /** A multi-op builder: all operations apply atomically or none does. */
  transaction(): ZkTransaction {
    return new ZkTransaction(this);
  }

  /**
   * Commits operations atomically. On failure rejects with the {@link ZkError} of the first failing
   * operation; `failedOp` is its index and nothing was applied.
   */
  async commit(ops: readonly ZkOp[]): Promise<ZkOpResult[]> {
    if (ops.length === 0) return [];
    checkMultiSize(ops);
    return this.call<ZkOpResult[]>('transaction', ops[0]!.path, (inner, cb) => runMulti(inner, ops, this.defaultAcl, cb));
  }

  /**
   * Reads `path` to prove this client may: a client with a wrong or missing secret stays connected
   * (digest auth never fails the session) and only gets NO_AUTH on protected znodes.
   */
  async verifyAccess(path: string): Promise<void> {
    try {
      await this.getData(path);
    } catch (err) {
      if (err instanceof ZkError && err.code === 'GALE_ERR_ZK_NO_AUTH') {
        throw new ZkError('GALE_ERR_ZK_NO_AUTH', `ZooKeeper denied access to ${path}: the cluster secret is missing or wrong`, { path, zkCode: err.zkCode, cause: err });
      }
      throw err;
    }
  }

  /** Closes the session (its ephemerals go at once) and stops reconnecting. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  // ---- internals ----------------------------------------------------------------------------------

  private call<T>(op: string, path: string, run: LibCall<T>): Promise<T> {
    if (this.closing) return Promise.reject(new ZkError('GALE_ERR_ZK_CLOSED', `${op} ${path}: the ZooKeeper client is closed`, { path }));
    return callOnSession(this.session, op, path, this.opts.opTimeoutMs, run);
  }

  private openSession(): Promise<Session> {
    const { connectString, sessionTimeoutMs, connectTimeoutMs, secret } = this.opts;
    return openSession({
      connectString, sessionTimeoutMs, connectTimeoutMs, secret, signal: this.abort.signal, onChange: (s, t) => this.onSessionChange(s, t),
    });
  }

  private onSessionChange(session: Session, { status, step }: SessionTransition): void {
    if (session !== this.session || session.status === 'dead' || this.closing) return;
    const log = this.opts.log;
    session.status = status;
    const sessionId = session.id();
    switch (step) {
      case 'reconnected':
        session.lastHeardAt = performance.now();
        session.probing = false;
        log.info({ sessionId }, 'zookeeper reconnected, session kept');
        this.events.emit('state', { state: 'connected', sessionId });
        return;
      case 'disconnected':
        log.warn({ sessionId }, 'zookeeper disconnected');
        this.events.emit('state', { state: 'disconnected', sessionId });
        return;
      case 'expired':
        log.warn({ sessionId }, 'zookeeper session expired; creating a new session');
        rejectPending(session, new ZkError('GALE_ERR_ZK_SESSION_EXPIRED', 'ZooKeeper session expired; a new session is being created', { retriable: true }));
        destroyInner(session.inner);
        this.events.emit('state', { state: 'expired', sessionId });
        this.renewing = this.renewSession();
        return;
      case 'auth-failed':
        log.error({ sessionId }, 'zookeeper authentication failed');
        rejectPending(session, new ZkError('GALE_ERR_ZK_AUTH_FAILED', 'ZooKeeper rejected the authentication'));
        destroyInner(session.inner);
        void this.close();
        return;
      default:
        return;
    }
  }

  private async renewSession(): Promise<void> {
    try {
      const session = await retry(() => this.openSession(), {
        retries: Infinity,
        initialMs: 100,
        maxMs: 5000,
        signal: this.abort.signal,
        onRetry: ({ error, delayMs }) => this.opts.log.warn({ err: error, delayMs }, 'zookeeper new session failed; retrying'),
      });
      if (this.closing) {
        destroyInner(session.inner);
        return;
      }
      this.session = session;
      this.opts.log.info({ sessionId: session.id() }, 'zookeeper new session established');
      this.events.emit('state', { state: 'reconnected-new-session', sessionId: session.id() });
    } catch (err) {
      if (!this.abort.signal.aborted) this.opts.log.error({ err }, 'zookeeper new session: gave up');
    } finally {
      this.renewing = undefined;
    }
  }

  /** See zk-watchdog.ts: drop a silent connection, re-dial a stalled one, probe an idle one. */
  private startWatchdog(): void {
    const tick = (): void => {
      const s = this.session;
      if (this.closing) return;
      const silentMs = performance.now() - s.lastHeardAt; // monotonic: a clock step must not look like a silent server
      const verdict = watchdogVerdict({ status: s.status, silentMs, timeoutMs: s.inner.getSessionTimeout(), probing: s.probing });
      if (verdict === 'redial') {
        this.opts.log.warn({ sessionId: s.id(), silentMs }, 'zookeeper reconnect stalled; dialling again');
        dropSocket(s);
      } else if (verdict === 'drop') {
        this.opts.log.warn({ sessionId: s.id(), silentMs }, 'no answer from zookeeper; dropping the connection');
        dropSocket(s);
      } else if (verdict === 'probe') {
        probe(s);
      }
    };
    this.watchdog = setInterval(tick, watchdogPeriodMs(this.opts.sessionTimeoutMs));
    this.watchdog.unref();
  }

  private async doClose(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    this.abort.abort();
    await this.renewing;
    const session = this.session;
    const wasLive = session.status === 'connected';
    const sessionId = session.id();
    session.status = 'dead';
    rejectPending(session, new ZkError('GALE_ERR_ZK_CLOSED', 'the ZooKeeper client was closed'));
    if (wasLive) await closeSession(session, CLOSE_GRACE_MS);
    destroyInner(session.inner);
    this.events.emit('state', { state: 'closed', sessionId });
    this.events.clear();
  }
}
