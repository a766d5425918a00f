import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { CLUSTER_CONFIG_DEFAULTS, killAfterMs, type ClusterConfig } from '../config/cluster-config.js';
import { TOPOLOGY_CONFIG_DEFAULTS } from '../config/topology-config.js';
import {
  AssignmentStore, CodeStore, ErrorsStore, LeaderElection, SupervisorStore, TopologyStore, WorkerHeartbeatStore, ZkClient,
  ensureLayout, zkPaths, type ZkPaths,
} from '../coord/index.js';
import { GaleError } from '../errors.js';
import { backoffDelays } from '../retry.js';
import type { Logger } from '../log.js';
import { Leader } from './leader.js';
import type { Assignment, SupervisorInfo, WorkerAssignment } from './model.js';
import type { WorkerLaunch } from './worker.js';

export interface SupervisorOptions {
  /** ZooKeeper connect string `host:port[,host:port]`. */
  zk: string;
  zkRoot: string;
  /** Stable id of this supervisor (default: host + first port). */
  id: string;
  /** Host name or address peers use to reach this supervisor's workers. */
  host: string;
  /** Worker ports (slots). */
  ports: readonly number[];
  /** Working directory (code cache). */
  dir: string;
  /** Cluster secret; when given, ZooKeeper nodes get a digest ACL. Otherwise a generated one is kept in ZooKeeper. */
  secret?: string;
  sessionTimeoutMs: number;
  connectTimeoutMs: number;
  /** Worker heartbeat period. */
  heartbeatMs: number;
  /** A running worker without a heartbeat znode for this long is killed and restarted (hung). */
  workerTimeoutMs: number;
  /** The worker entry script (dist/cluster/worker-main.js). */
  workerMain: string;
  /** The `@gale` scope directory workers resolve `@gale/*` imports from. */
  galeScopeDir: string;
  version: string;
  log: Logger;
  /** Periods, backoff and grace times; default {@link CLUSTER_CONFIG_DEFAULTS}. */
  cluster?: ClusterConfig;
}

export class SupervisorError extends GaleError {}

interface SlotState {
  port: number;
  /** What runs here: topology + executors + parallelism + code (a change means relaunch). */
  identity?: string;
  topology?: string;
  child?: ChildProcess;
  launchedAt: number;
  /** Last time the worker's heartbeat znode was seen (monotonic ms). */
  seenAt: number;
  /** Relaunch delays since the last clean start (retry.ts backoff); undefined starts over. */
  backoff?: Generator<number, never, undefined>;
  /** The topology's drainTimeoutMs (read at launch): how long a stop may take before SIGKILL. */
  drainTimeoutMs: number;
  retryTimer?: NodeJS.Timeout;
  /** Set while we stop the child on purpose (no restart). */
  stopping: boolean;
}

function identityOf(a: Assignment, w: WorkerAssignment): string {
  return JSON.stringify([a.topology, a.codeSha256, [...w.executors].sort(), a.parallelism]);
}

/** Fails fast with GALE_ERR_PORT_IN_USE if a slot port cannot be bound. */
async function checkPortFree(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const s = createServer();
    s.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE'
        ? new SupervisorError('GALE_ERR_PORT_IN_USE', `port ${port} on ${host} is already in use; choose other --ports`)
        : err);
    });
    s.listen(port, host, () => s.close(() => resolve()));
  });
}

/**
 * A supervisor daemon: registers in ZooKeeper, takes part in the leader election (the leader
 * schedules), and runs the workers assigned to its slots as child processes — restarting
 * crashed or hung ones with backoff, stopping unassigned ones.
 */
export class Supervisor {
  private readonly paths: ZkPaths;
  private readonly slots = new Map<number, SlotState>();
  private election!: LeaderElection;
  private leader!: Leader;
  private secret = '';
  private watchTimer: NodeJS.Timeout | undefined;
  private reconciling = false;
  private again = false;
  private closing: Promise<void> | undefined;
  private readonly offs: (() => void)[] = [];
  /** Re-arm the assignment watches on the next reconcile (see Leader.rearm). */
  private rearm = true;
  private readonly cfg: ClusterConfig;
  private readonly topologies: TopologyStore;
  private readonly assignments: AssignmentStore;
  private readonly supervisors: SupervisorStore;
  private readonly heartbeats: WorkerHeartbeatStore;

  private constructor(private readonly opts: SupervisorOptions, private readonly zk: ZkClient) {
    this.paths = zkPaths(opts.zkRoot);
    this.cfg = opts.cluster ?? CLUSTER_CONFIG_DEFAULTS;
    this.topologies = new TopologyStore(zk, this.paths);
    this.assignments = new AssignmentStore(zk, this.paths);
    this.supervisors = new SupervisorStore(zk, this.paths);
    this.heartbeats = new WorkerHeartbeatStore(zk, this.paths);
    const drainTimeoutMs = TOPOLOGY_CONFIG_DEFAULTS.drainTimeoutMs;
    for (const port of opts.ports) this.slots.set(port, { port, launchedAt: 0, seenAt: 0, drainTimeoutMs, stopping: false });
  }

  static async start(opts: SupervisorOptions): Promise<Supervisor> {
    const bindHost = opts.host === 'localhost' ? '127.0.0.1' : opts.host;
    for (const port of opts.ports) await checkPortFree(bindHost, port);
    const zk = await ZkClient.connect({
      connectString: opts.zk, sessionTimeoutMs: opts.sessionTimeoutMs, connectTimeoutMs: opts.connectTimeoutMs, log: opts.log,
      ...(opts.secret !== undefined ? { auth: { scheme: 'digest' as const, secret: opts.secret } } : {}),
    });
    const s = new Supervisor(opts, zk);
    try {
      await s.init();
    } catch (err) {
      await zk.close();
      throw err;
    }
    return s;
  }

  get id(): string {
    return this.opts.id;
  }

  get isLeader(): boolean {
    return this.election.isLeader;
  }

  /** Ports with a live worker process, and what runs there. */
  workers(): { port: number; topology: string; pid: number }[] {
    return [...this.slots.values()].filter((s) => s.child?.pid !== undefined && s.child.exitCode === null)
      .map((s) => ({ port: s.port, topology: s.topology!, pid: s.child!.pid! }));
  }

  private async init(): Promise<void> {
    await ensureLayout(this.zk, this.paths);
    this.secret = this.opts.secret ?? (await this.sharedSecret());
    await this.register();
    this.election = await LeaderElection.join({ client: this.zk, dir: this.paths.leaderDir(), candidateId: this.opts.id, log: this.opts.log });
    this.leader = new Leader(this.zk, this.paths, this.election, this.opts.log, this.cfg);
    this.offs.push(this.election.on('elected', () => this.leader.start()));
    this.offs.push(this.election.on('lost', () => this.leader.stop()));
    if (this.election.isLeader) this.leader.start();
    this.offs.push(this.zk.on('state', (e) => {
      if (e.state === 'reconnected-new-session') {
        // Ephemerals and watches died with the old session.
        void this.register().catch((err: unknown) => this.opts.log.error({ err: (err as Error).message }, 'cannot re-register'));
        this.poke();
      }
    }));
    this.watchTimer = setInterval(() => {
      void this.reconcile();
      void this.checkHeartbeats();
    }, this.cfg.supervisorPeriodMs);
    this.poke();
    this.opts.log.info({ id: this.opts.id, host: this.opts.host, ports: this.opts.ports, leader: this.election.isLeader }, 'supervisor started');
  }

  /** Without a configured secret, workers authenticate with one generated once per cluster root. */
  private async sharedSecret(): Promise<string> {
    const p = `${this.paths.root}/cluster-secret`;
    try {
      await this.zk.create(p, Buffer.from(randomBytes(32).toString('hex')));
    } catch (err) {
      if ((err as GaleError).code !== 'GALE_ERR_ZK_NODE_EXISTS') throw err;
    }
    return (await this.zk.getData(p)).data.toString('utf8');
  }

  private async register(): Promise<void> {
    const info: SupervisorInfo = {
      id: this.opts.id, host: this.opts.host, ports: [...this.opts.ports], pid: process.pid, version: this.opts.version, startedAt: Date.now(),
    };
    try {
      await this.supervisors.register(info, 3 * this.opts.sessionTimeoutMs);
    } catch (err) {
      if ((err as GaleError).code !== 'GALE_ERR_ZK_NODE_EXISTS') throw err;
      throw new SupervisorError('GALE_ERR_DUPLICATE_SUPERVISOR', `another supervisor with id "${this.opts.id}" is registered (ZooKeeper ${this.paths.supervisor(this.opts.id)}); give this one another --id`);
    }
  }

  /** A watch fired: reconcile and re-arm watches. */
  private readonly poke = (): void => {
    this.rearm = true;
    void this.reconcile();
  };

  private async reconcile(): Promise<void> {
    if (this.closing !== undefined) return;
    if (this.reconciling) {
      this.again = true;
      return;
    }
    this.reconciling = true;
    try {
      const desired = await this.desiredSlots();
      const changed: SlotState[] = [];
      for (const slot of this.slots.values()) {
        const want = desired.get(slot.port);
        const wantId = want === undefined ? undefined : identityOf(want.a, want.w);
        if (wantId !== slot.identity) changed.push(slot);
        else if (want !== undefined && slot.child === undefined && slot.retryTimer === undefined) void this.launch(slot, want.a);
      }
      // Stop every changed worker at once (each drains), then launch the new ones.
      await Promise.all(changed.map((slot) => this.stopChild(slot)));
      for (const slot of changed) {
        const want = desired.get(slot.port);
        clearTimeout(slot.retryTimer);
        slot.retryTimer = undefined;
        slot.identity = want === undefined ? undefined : identityOf(want.a, want.w);
        slot.topology = want?.a.topology;
        slot.backoff = undefined;
        if (want !== undefined) void this.launch(slot, want.a);
      }
    } catch (err) {
      this.rearm = true;
      this.opts.log.warn({ err: (err as Error).message }, 'supervisor: cannot read assignments; will retry');
    } finally {
      this.reconciling = false;
      if (this.again) {
        this.again = false;
        void this.reconcile();
      }
    }
  }

  private async desiredSlots(): Promise<Map<number, { a: Assignment; w: WorkerAssignment }>> {
    const out = new Map<number, { a: Assignment; w: WorkerAssignment }>();
    const watcher = this.rearm ? this.poke : undefined;
    this.rearm = false;
    // A vanished or unreadable assignment means "not wanted"; a ZooKeeper hiccup must not stop
    // healthy workers: it aborts this reconcile instead (the caller retries).
    const { entries, bad } = await this.assignments.list(watcher);
    for (const err of bad) this.opts.log.warn({ path: err.path, err: err.message }, 'supervisor: unreadable assignment skipped');
    for (const { value: a } of entries.values()) {
      for (const w of a.workers) if (w.supervisor === this.opts.id && this.slots.has(w.port)) out.set(w.port, { a, w });
    }
    return out;
  }

  /** Downloads (and verifies) the bundle once, then forks the worker process. */
  private async launch(slot: SlotState, a: Assignment): Promise<void> {
    const identity = slot.identity;
    let bundlePath: string;
    try {
      bundlePath = await this.ensureCode(a.codeSha256);
    } catch (err) {
      await this.recordError(a.topology, `supervisor ${this.opts.id} cannot get the code of "${a.topology}": ${(err as Error).message}`, err);
      this.scheduleRetry(slot, a);
      return;
    }
    slot.drainTimeoutMs = await this.drainTimeoutOf(a.topology);
    if (slot.identity !== identity || this.closing !== undefined || slot.child !== undefined) return;
    const launch: WorkerLaunch = {
      zk: this.opts.zk, zkRoot: this.opts.zkRoot, zkSessionTimeoutMs: this.opts.sessionTimeoutMs, topology: a.topology,
      supervisor: this.opts.id, host: this.opts.host, port: slot.port, assignmentVersion: a.version, bundlePath,
      galeScopeDir: this.opts.galeScopeDir, heartbeatMs: this.opts.heartbeatMs, zkAuth: this.opts.secret !== undefined,
    };
    const child = fork(this.opts.workerMain, [], {
      env: { ...process.env, GALE_WORKER: JSON.stringify(launch), GALE_CLUSTER_SECRET: this.secret },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    slot.child = child;
    slot.launchedAt = performance.now();
    slot.seenAt = 0;
    slot.stopping = false;
    this.opts.log.info({ topology: a.topology, port: slot.port, pid: child.pid, version: a.version }, 'worker launched');
    child.once('exit', (code, signal) => {
      if (slot.child !== child) return;
      slot.child = undefined;
      if (slot.stopping || this.closing !== undefined) return;
      // Exit 0 is a worker stopping on purpose (its assignment or topology changed): the next
      // reconcile decides; relaunching it is only a fallback, after the usual backoff.
      if (code === 0) this.opts.log.info({ topology: a.topology, port: slot.port }, 'worker stopped');
      else this.opts.log.warn({ topology: a.topology, port: slot.port, code, signal }, 'worker exited; restarting');
      // A worker that ran for longer than the longest backoff starts the backoff over.
      if (performance.now() - slot.launchedAt > this.cfg.restartBackoffMaxMs) slot.backoff = undefined;
      this.scheduleRetry(slot, a);
    });
  }

  private scheduleRetry(slot: SlotState, a: Assignment): void {
    slot.backoff ??= backoffDelays({ initialMs: this.cfg.restartBackoffInitialMs, maxMs: this.cfg.restartBackoffMaxMs });
    const delay = slot.backoff.next().value;
    const identity = slot.identity;
    clearTimeout(slot.retryTimer);
    slot.retryTimer = setTimeout(() => {
      slot.retryTimer = undefined;
      if (slot.identity === identity && this.closing === undefined) void this.launch(slot, a);
    }, delay);
  }

  /** The topology's own drain timeout; the default when its record cannot be read. */
  private async drainTimeoutOf(topology: string): Promise<number> {
    const r = await this.topologies.get(topology).catch(() => undefined);
    return r?.value.config.drainTimeoutMs ?? TOPOLOGY_CONFIG_DEFAULTS.drainTimeoutMs;
  }

  private async ensureCode(sha: string): Promise<string> {
    const dir = path.join(this.opts.dir, 'code', sha);
    const file = path.join(dir, 'topology.mjs');
    if (existsSync(file)) return file;
    const code = await new CodeStore(this.zk, this.paths).download(sha); // verifies the sha256
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(tmp, code);
      await rename(tmp, file);
    } catch (err) {
      // A partial temp file (e.g. ENOSPC) would only eat the space the next attempt needs.
      await rm(tmp, { force: true }).catch(() => {});
      throw err;
    }
    return file;
  }

  private async recordError(topology: string, message: string, err: unknown): Promise<void> {
    this.opts.log.error({ topology, err: (err as Error).message, code: (err as GaleError).code }, message);
    await new ErrorsStore(this.zk, this.paths).append(topology, '__supervisor', {
      timeMs: Date.now(), message, code: (err as GaleError).code, host: this.opts.host,
    }).catch(() => {});
  }

  /** A worker whose heartbeat znode is gone while its process lives is hung (e.g. SIGSTOP): kill it. */
  private async checkHeartbeats(): Promise<void> {
    const now = performance.now();
    for (const slot of this.slots.values()) {
      const child = slot.child;
      if (child === undefined || slot.topology === undefined || slot.stopping) continue;
      let present = false;
      try {
        // The heartbeat must be this child's: a killed predecessor's node lingers until its session expires.
        present = (await this.heartbeats.get(slot.topology, this.opts.id, slot.port))?.value.pid === child.pid;
      } catch (err) {
        if ((err as GaleError).code !== 'GALE_ERR_ZK_BAD_DATA') continue; // ZooKeeper unreachable: judge nothing
      }
      if (present) slot.seenAt = now;
      const since = slot.seenAt === 0 ? slot.launchedAt : slot.seenAt;
      const limit = slot.seenAt === 0 ? this.opts.workerTimeoutMs * 4 : this.opts.workerTimeoutMs;
      if (!present && now - since > limit && slot.child === child) {
        this.opts.log.warn({ topology: slot.topology, port: slot.port, pid: child.pid }, 'worker heartbeat missing; killing it');
        child.kill('SIGKILL');
      }
    }
  }

  private stopChild(slot: SlotState): Promise<void> {
    const child = slot.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
      slot.child = undefined;
      return Promise.resolve();
    }
    slot.stopping = true;
    return new Promise((resolve) => {
      // The worker drains for its topology's drainTimeoutMs, then closes; past the grace it is stuck.
      const t = setTimeout(() => child.kill('SIGKILL'), killAfterMs(slot.drainTimeoutMs, this.cfg));
      child.once('exit', () => {
        clearTimeout(t);
        if (slot.child === child) slot.child = undefined;
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  /** Drains and stops every worker, leaves the election, unregisters. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.watchTimer);
      this.leader?.stop();
      for (const s of this.slots.values()) clearTimeout(s.retryTimer);
      await Promise.all([...this.slots.values()].map((s) => this.stopChild(s)));
      for (const off of this.offs) off();
      await this.election?.close().catch(() => {});
      await this.supervisors.unregister(this.opts.id);
      await this.zk.close();
      this.opts.log.info({ id: this.opts.id }, 'supervisor stopped');
    })();
    return this.closing;
  }
}
