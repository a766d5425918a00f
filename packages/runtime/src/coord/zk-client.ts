/**
 * Promise-based ZooKeeper client over node-zookeeper-client 1.1.3, with the session lifecycle gale
 * needs: connect with a deadline, automatic brand-new session after EXPIRED, typed state events so
 * owners re-create ephemerals and re-arm watches, digest ACLs when a cluster secret is set, and a
 * liveness watchdog the library lacks (it never times out reads: a server that stops answering —
 * frozen, or a connection left attached to a closed session — would otherwise hang every call).
 * See docs/zookeeper.md.
 */
import zookeeper from 'node-zookeeper-client';
import { rootLog, type Logger } from '../log.js';
import { retry } from '../retry.js';
import { TypedEvents } from './events.js';
import { ZkError, toZkError } from './zk-errors.js';
import { MODES, checkSize, destroyInner, internals, isServerAnswer, toLibAcl, toStat, EVENT_TYPES } from './zk-lib.js';
import {
  MAX_ZNODE_BYTES, OPEN_ACL, digestAcl, digestAuth,
  type ZkAcl, type ZkClientEvents, type ZkClientOptions, type ZkCreateMode, type ZkOp, type ZkOpResult, type ZkStat, type ZkWatcher,
} from './zk-types.js';
import { ZkTransaction } from './zk-transaction.js';

/** Reconnect spin: node-zookeeper-client waits random(0, spinDelay) between rounds over the servers. */
const SPIN_DELAY_MS = 250;
const CLOSE_GRACE_MS = 2000;

type Status = 'connecting' | 'connected' | 'disconnected' | 'dead';

/** One ZooKeeper session = one library client. A new session gets a new library client. */
interface Session {
  readonly inner: zookeeper.Client;
  readonly id: () => string;
  status: Status;
  /** Rejecters of calls in flight on this session, so an expiry or close never leaves one hanging. */
  readonly pending: Set<(err: ZkError) => void>;
  lastHeardAt: number;
  probing: boolean;
}

interface ResolvedOptions {
  connectString: string;
  sessionTimeoutMs: number;
  connectTimeoutMs: number;
  opTimeoutMs: number;
  secret: string | undefined;
  log: Logger;
}

/**
 * A ZooKeeper connection that outlives its sessions. Methods reject with {@link ZkError}; while a new
 * session is being created after an expiry they reject with retriable GALE_ERR_ZK_SESSION_EXPIRED.
 */
export class ZkClient {
  private readonly opts: ResolvedOptions;
  private readonly events: TypedEvents<ZkClientEvents>;
  private readonly defaultAcl: readonly ZkAcl[];
  private readonly watcherWrappers = new WeakMap<ZkWatcher, (e: zookeeper.Event) => void>();
  private readonly abort = new AbortController();
  private session!: Session;
  private watchdog: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  private constructor(opts: ResolvedOptions) {
    this.opts = opts;
    this.events = new TypedEvents(opts.log);
    this.defaultAcl = opts.secret !== undefined ? Object.freeze(digestAcl(opts.secret)) : OPEN_ACL;
  }

  /**
   * Connects and resolves once the session is established; rejects with retriable
   * GALE_ERR_ZK_UNREACHABLE after `connectTimeoutMs`.
   */
  static async connect(options: ZkClientOptions): Promise<ZkClient> {
    const sessionTimeoutMs = options.sessionTimeoutMs ?? 6000;
    const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    if (!options.connectString || !/^[^,\s]+(,[^,\s]+)*$/.test(options.connectString)) {
      throw new ZkError('GALE_ERR_ZK_BAD_ARGUMENT', `bad ZooKeeper connect string "${options.connectString}" (want host:port[,host:port...])`);
    }
    for (const [key, v] of [['sessionTimeoutMs', sessionTimeoutMs], ['connectTimeoutMs', connectTimeoutMs], ['opTimeoutMs', options.opTimeoutMs ?? 1]] as const) {
      if (!Number.isFinite(v) || v <= 0) throw new ZkError('GALE_ERR_ZK_BAD_ARGUMENT', `${key} must be a positive number of ms (got ${v})`);
    }
    if (options.auth && (options.auth.scheme !== 'digest' || !options.auth.secret)) {
      throw new ZkError('GALE_ERR_ZK_BAD_ARGUMENT', 'auth needs scheme "digest" and a non-empty secret');
    }
    const client = new ZkClient({
      connectString: options.connectString,
      sessionTimeoutMs,
      connectTimeoutMs,
      opTimeoutMs: options.opTimeoutMs ?? 2 * sessionTimeoutMs,
      secret: options.auth?.secret,
      log: (options.log ?? rootLog).child({ component: 'zk' }),
    });
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
  async mkdirp(path: string): Promise<void> {
    if (path === '/' || (await this.exists(path))) return;
    const parts = path.split('/').filter(Boolean);
    let current = '';
    for (const part of parts) {
      current += `/${part}`;
      try {
        await this.create(current);
      } catch (err) {
        if (!(err instanceof ZkError && err.code === 'GALE_ERR_ZK_NODE_EXISTS')) throw err;
      }
    }
  }

  getData(path: string, watcher?: ZkWatcher): Promise<{ data: Buffer; version: number; stat: ZkStat }> {
    return this.call('getData', path, (inner, cb) => {
      const done = (err: unknown, data: Buffer, stat: zookeeper.Stat): void =>
        cb(err, err ? undefined : { data: data ?? Buffer.alloc(0), version: stat.version, stat: toStat(stat) });
      if (watcher) inner.getData(path, this.wrapWatcher(watcher), done);
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
      if (watcher) inner.exists(path, this.wrapWatcher(watcher), done);
      else inner.exists(path, done);
    });
  }

  getChildren(path: string, watcher?: ZkWatcher): Promise<string[]> {
    return this.call('getChildren', path, (inner, cb) => {
      const done = (err: unknown, children: string[]): void => cb(err, err ? undefined : children);
      if (watcher) inner.getChildren(path, this.wrapWatcher(watcher), done);
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
  async removeRecursive(path: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.removeTree(path);
        return;
      } catch (err) {
        // Someone added a child meanwhile: walk again (a few times; then it is a real conflict).
        if (!(err instanceof ZkError && err.code === 'GALE_ERR_ZK_NOT_EMPTY') || attempt >= 4) throw err;
      }
    }
  }

  private async removeTree(path: string): Promise<void> {
    let children: string[];
    try {
      children = await this.getChildren(path);
    } catch (err) {
      if (err instanceof ZkError && err.code === 'GALE_ERR_ZK_NO_NODE') return;
      throw err;
    }
    const base = path === '/' ? '' : path;
    await Promise.all(children.map(c => this.removeTree(`${base}/${c}`)));
    if (path === '/') return;
    try {
      await this.remove(path);
    } catch (err) {
      if (!(err instanceof ZkError && err.code === 'GALE_ERR_ZK_NO_NODE')) throw err;
    }
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
    let total = 0;
    for (const o of ops) {
      if (o.op === 'create' || o.op === 'setData') {
        checkSize(`transaction ${o.op}`, o.path, o.data);
        total += o.data?.length ?? 0;
      }
    }
    if (total > MAX_ZNODE_BYTES) {
      throw new ZkError('GALE_ERR_ZK_TOO_LARGE', `transaction: ${total} bytes of data is over the ${MAX_ZNODE_BYTES}-byte packet limit`);
    }
    const label = `transaction(${ops.map(o => `${o.op} ${o.path}`).join(', ')})`;
    return this.call<ZkOpResult[]>('transaction', ops[0]!.path, (inner, cb) => {
      const tx = inner.transaction();
      for (const o of ops) {
        switch (o.op) {
          case 'check': tx.check(o.path, o.version ?? -1); break;
          case 'create': tx.create(o.path, o.data ?? Buffer.alloc(0), toLibAcl(o.acl ?? this.defaultAcl), MODES[o.mode ?? 'persistent']); break;
          case 'setData': tx.setData(o.path, o.data, o.version ?? -1); break;
          case 'remove': tx.remove(o.path, o.version ?? -1); break;
        }
      }
      // node-zookeeper-client 1.1.3 does `version = version || -1` in Transaction, turning an
      // expected version 0 into "any version"; put the exact versions back.
      const libOps = (tx as unknown as { ops: Array<{ version?: number }> }).ops;
      ops.forEach((o, i) => {
        if ('version' in o && o.version !== undefined) libOps[i]!.version = o.version;
      });
      tx.commit((err, results: Array<{ type: number; path?: string; stat?: zookeeper.Stat; err?: number }> | undefined) => {
        if (err) {
          const failedOp = results?.findIndex(r => r.err !== undefined && r.err !== 0 && r.err !== zookeeper.Exception.RUNTIME_INCONSISTENCY) ?? -1;
          const at = failedOp >= 0 ? ops[failedOp]! : undefined;
          const e = toZkError(err, at ? `transaction op ${failedOp} (${at.op})` : label, at?.path ?? ops[0]!.path);
          cb(failedOp >= 0 ? new ZkError(e.code, e.message, { path: e.path, zkCode: e.zkCode, retriable: e.retriable, failedOp, cause: err }) : e, undefined);
          return;
        }
        cb(null, ops.map((o, i): ZkOpResult => {
          const r = results?.[i];
          switch (o.op) {
            case 'create': return { op: 'create', path: r?.path ?? o.path };
            case 'setData': return { op: 'setData', version: r?.stat?.version ?? -1 };
            default: return { op: o.op };
          }
        }));
      });
    });
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

  private wrapWatcher(watcher: ZkWatcher): (e: zookeeper.Event) => void {
    let wrapped = this.watcherWrappers.get(watcher);
    if (!wrapped) {
      wrapped = (e: zookeeper.Event) => {
        const type = EVENT_TYPES[e.getType()];
        if (!type || this.closing) return;
        try {
          watcher({ type, path: e.getPath() });
        } catch (err) {
          this.opts.log.error({ err, path: e.getPath() }, 'zookeeper watcher threw');
        }
      };
      this.watcherWrappers.set(watcher, wrapped);
    }
    return wrapped;
  }

  private call<T>(op: string, path: string, run: (inner: zookeeper.Client, cb: (err: unknown, value: T | undefined) => void) => void): Promise<T> {
    if (this.closing) return Promise.reject(new ZkError('GALE_ERR_ZK_CLOSED', `${op} ${path}: the ZooKeeper client is closed`, { path }));
    const session = this.session;
    if (session.status === 'dead') {
      return Promise.reject(new ZkError('GALE_ERR_ZK_SESSION_EXPIRED', `${op} ${path}: ZooKeeper session expired; a new session is being created`, { path, retriable: true }));
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (err: ZkError | undefined, value?: T): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        session.pending.delete(abort);
        if (err) reject(err);
        else resolve(value as T);
      };
      const abort = (err: ZkError): void => finish(err);
      const timer = setTimeout(() => finish(new ZkError(
        'GALE_ERR_ZK_TIMEOUT',
        `${op} ${path}: no answer from ZooKeeper within ${this.opts.opTimeoutMs} ms (it may still be applied)`,
        { path, retriable: true },
      )), this.opts.opTimeoutMs);
      session.pending.add(abort);
      try {
        run(session.inner, (err, value) => {
          if (isServerAnswer(err)) session.lastHeardAt = Date.now();
          finish(err ? toZkError(err, op, path) : undefined, value);
        });
      } catch (err) {
        finish(toZkError(err, op, path));
      }
    });
  }

  /** Opens a brand-new session: resolves when connected, rejects (and cleans up) after connectTimeoutMs. */
  private openSession(): Promise<Session> {
    const { connectString, sessionTimeoutMs, connectTimeoutMs, secret } = this.opts;
    const inner = zookeeper.createClient(connectString, { sessionTimeout: sessionTimeoutMs, spinDelay: SPIN_DELAY_MS, retries: 0 });
    if (secret !== undefined) inner.addAuthInfo('digest', digestAuth(secret));
    const session: Session = {
      inner,
      id: () => inner.getSessionId().toString('hex'),
      status: 'connecting',
      pending: new Set(),
      lastHeardAt: Date.now(),
      probing: false,
    };
    return new Promise<Session>((resolve, reject) => {
      const fail = (err: ZkError): void => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', onAbort);
        session.status = 'dead';
        destroyInner(inner);
        reject(err);
      };
      const onAbort = (): void => fail(new ZkError('GALE_ERR_ZK_CLOSED', 'the ZooKeeper client was closed while connecting'));
      const timer = setTimeout(() => fail(new ZkError(
        'GALE_ERR_ZK_UNREACHABLE',
        `cannot reach ZooKeeper at ${connectString} within ${connectTimeoutMs} ms`,
        { retriable: true },
      )), connectTimeoutMs);
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
      inner.on('state', (state: zookeeper.State) => {
        if (session.status === 'connecting') {
          if (state === zookeeper.State.SYNC_CONNECTED) {
            clearTimeout(timer);
            this.abort.signal.removeEventListener('abort', onAbort);
            session.status = 'connected';
            session.lastHeardAt = Date.now();
            resolve(session);
          } else if (state === zookeeper.State.AUTH_FAILED) {
            fail(new ZkError('GALE_ERR_ZK_AUTH_FAILED', `ZooKeeper at ${connectString} rejected the authentication`));
          }
          // DISCONNECTED while connecting: the library keeps trying until our deadline.
          return;
        }
        this.onSessionState(session, state);
      });
      inner.connect();
    });
  }

  private onSessionState(session: Session, state: zookeeper.State): void {
    if (session !== this.session || session.status === 'dead' || this.closing) return;
    const log = this.opts.log;
    if (state === zookeeper.State.SYNC_CONNECTED) {
      if (session.status === 'disconnected') {
        session.status = 'connected';
        session.lastHeardAt = Date.now();
        session.probing = false;
        log.info({ sessionId: session.id() }, 'zookeeper reconnected, session kept');
        this.events.emit('state', { state: 'connected', sessionId: session.id() });
      }
    } else if (state === zookeeper.State.DISCONNECTED) {
      if (session.status === 'connected') {
        session.status = 'disconnected';
        log.warn({ sessionId: session.id() }, 'zookeeper disconnected');
        this.events.emit('state', { state: 'disconnected', sessionId: session.id() });
      }
    } else if (state === zookeeper.State.EXPIRED) {
      this.onExpired(session);
    } else if (state === zookeeper.State.AUTH_FAILED) {
      session.status = 'dead';
      log.error({ sessionId: session.id() }, 'zookeeper authentication failed');
      this.rejectPending(session, new ZkError('GALE_ERR_ZK_AUTH_FAILED', 'ZooKeeper rejected the authentication'));
      destroyInner(session.inner);
      void this.close();
    }
  }

  private rejectPending(session: Session, err: ZkError): void {
    for (const abort of [...session.pending]) abort(err);
  }

  private onExpired(session: Session): void {
    const sessionId = session.id();
    session.status = 'dead';
    this.opts.log.warn({ sessionId }, 'zookeeper session expired; creating a new session');
    this.rejectPending(session, new ZkError('GALE_ERR_ZK_SESSION_EXPIRED', 'ZooKeeper session expired; a new session is being created', { retriable: true }));
    destroyInner(session.inner);
    this.events.emit('state', { state: 'expired', sessionId });
    this.renewing = this.renewSession();
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

  /**
   * The library pings every third of the session timeout but never notices unanswered pings. If the
   * server has said nothing for 2/3 of the timeout (as the Java client's read timeout), drop the
   * socket: the library reconnects and the server then either resumes the session or reports it expired.
   */
  private startWatchdog(): void {
    const tick = (): void => {
      const s = this.session;
      if (this.closing) return;
      const timeoutMs = s.inner.getSessionTimeout();
      const silentMs = Date.now() - s.lastHeardAt;
      if (s.status === 'disconnected') {
        // The library stops its connect timer once TCP is up and starts its socket timer only
        // after the handshake, so a handshake a restarting server never answers waits forever.
        // Drop such a socket so the library dials again (as the Java client does).
        if (silentMs > (timeoutMs * 2) / 3) {
          this.opts.log.warn({ sessionId: s.id(), silentMs }, 'zookeeper reconnect stalled; dialling again');
          s.lastHeardAt = Date.now();
          internals(s.inner).socket?.destroy();
        }
        return;
      }
      if (s.status !== 'connected') return;
      if (silentMs > (timeoutMs * 2) / 3) {
        this.opts.log.warn({ sessionId: s.id(), silentMs }, 'no answer from zookeeper; dropping the connection');
        s.lastHeardAt = Date.now();
        internals(s.inner).socket?.destroy();
        return;
      }
      if (silentMs >= timeoutMs / 3 && !s.probing) {
        s.probing = true;
        s.inner.exists('/', err => {
          s.probing = false;
          if (isServerAnswer(err)) s.lastHeardAt = Date.now();
        });
      }
    };
    this.watchdog = setInterval(tick, Math.max(100, Math.floor(this.opts.sessionTimeoutMs / 6)));
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
    this.rejectPending(session, new ZkError('GALE_ERR_ZK_CLOSED', 'the ZooKeeper client was closed'));
    if (wasLive) {
      // CLOSE_SESSION, so our ephemerals go now rather than after the session timeout.
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, CLOSE_GRACE_MS);
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
    destroyInner(session.inner);
    this.events.emit('state', { state: 'closed', sessionId });
    this.events.clear();
  }
}
