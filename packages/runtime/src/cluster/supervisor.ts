import { fork } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CLUSTER_CONFIG_DEFAULTS, type ClusterConfig } from '../config/cluster-config.js';
import { TOPOLOGY_CONFIG_DEFAULTS, type TopologyConfig } from '../config/topology-config.js';
import { watchWindowMs } from '../engine/crash-journal.js';
import {
  AssignmentStore, CodeStore, ErrorsStore, LeaderElection, SupervisorStore, TopologyStore, WorkerHeartbeatStore, ZkClient,
  ensureLayout, zkPaths, type ZkPaths,
} from '../coord/index.js';
import type { Clock } from '../engine/ports.js';
import { GaleError } from '../errors.js';
import { nodeClock, nodeScheduler } from '../local/node-ports.js';
import { TypedEmitter } from '../transport/events.js';
import { CodeCache } from './code-cache.js';
import type { SupervisorEvents } from './events.js';
import { withDeadline } from './deadline.js';
import { checkHeartbeats } from './hung-workers.js';
import { CrashSweep } from './crash-files.js';
import { LogServer } from './log-server.js';
import { Leader } from './leader.js';
import type { Assignment, SupervisorInfo, WorkerHeartbeat } from './model.js';
import { WorkerReports } from './metrics-channel.js';
import { claimedPort } from './port-claims.js';
import { offerSecret } from './secret-channel.js';
import { workerLogFile } from './rotating-log-file.js';
import { checkPortFree, SupervisorError } from './supervisor-error.js';
import { SlotProcess, workerNodeFlags, type PreparedLaunch, type WorkerChild } from './slot-process.js';
import { SlotReconciler } from './slot-reconciler.js';
import { WorkerExits } from './worker-exit.js';
import type { WorkerLaunch } from './worker.js';
import type { SupervisorOptions } from './supervisor-options.js';

export { SupervisorError } from './supervisor-error.js';

export type { SupervisorOptions } from './supervisor-options.js';

/** The ZooKeeper side of a started supervisor. */
interface Connected {
  zk: ZkClient;
  topologies: TopologyStore;
  assignments: AssignmentStore;
  supervisors: SupervisorStore;
  heartbeats: WorkerHeartbeatStore;
  codes: CodeCache;
  election: LeaderElection;
  leader: Leader;
}

/**
 * A supervisor daemon: registers in ZooKeeper, takes part in the leader election (the leader
 * schedules), and runs the workers assigned to its slots ({@link SlotProcess}) — restarting
 * crashed or hung ones with backoff, stopping unassigned ones. Emits {@link SupervisorEvents};
 * subscribe before {@link start} to see `ready` and the first `leader.elected`.
 */
export class Supervisor extends TypedEmitter<SupervisorEvents> {
  private readonly paths: ZkPaths;
  private readonly slots = new Map<number, SlotProcess>();
  private c: Connected | undefined;
  private starting: Promise<this> | undefined;
  private secret = '';
  private logs: LogServer | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  /** Moves the slots to their assignments; set once connected. */
  private reconciler: SlotReconciler | undefined;
  private closing: Promise<void> | undefined;
  private readonly offs: (() => void)[] = [];
  private readonly cfg: ClusterConfig;
  private readonly clock: Clock;
  /** The stderr tails of the workers, for the record of their deaths. */
  private readonly exits: WorkerExits;
  private readonly reports = new WorkerReports();
  /** Deletes the crash files of killed topologies (crash-files.ts); set once connected. */
  private crashSweep: CrashSweep | undefined;

  constructor(private readonly opts: SupervisorOptions) {
    super(opts.log);
    this.paths = zkPaths(opts.zkRoot);
    this.cfg = opts.cluster ?? CLUSTER_CONFIG_DEFAULTS;
    this.clock = opts.clock ?? nodeClock;
    this.exits = new WorkerExits(opts.id, (d) => process.stderr.write(d));
    for (const port of opts.ports) {
      this.slots.set(port, new SlotProcess({
        port, cfg: this.cfg, workerTimeoutMs: opts.workerTimeoutMs, defaultDrainTimeoutMs: TOPOLOGY_CONFIG_DEFAULTS.drainTimeoutMs,
        log: opts.log, clock: this.clock, scheduler: opts.scheduler ?? nodeScheduler,
        prepare: (a) => this.prepare(a),
        fork: (a, p, launch) => this.forkWorker(a, p, launch),
        emit: (event, data) => {
          if (event === 'worker.crashed') this.recordExit(data as SupervisorEvents['worker.crashed']);
          // SupervisorEvents extends SlotEvents, so SlotEvents[K] is SupervisorEvents[K]; TS cannot see it through K.
          this.emit(event, data as SupervisorEvents[typeof event]);
        },
      }));
    }
  }

  /** Creates and starts a supervisor (see {@link start}). */
  static start(opts: SupervisorOptions): Promise<Supervisor> {
    return new Supervisor(opts).start();
  }

  /**
   * Checks the ports, connects to ZooKeeper, registers, joins the election and starts
   * reconciling; resolves after `ready`. Rejects (closing what it opened) on a taken port, a
   * duplicate id or an unreachable ZooKeeper. Call once.
   */
  start(): Promise<this> {
    this.starting ??= (async () => {
      const opts = this.opts;
      const bindHost = opts.host === 'localhost' ? '127.0.0.1' : opts.host;
      for (const port of opts.ports) await checkPortFree(bindHost, port);
      const zk = await ZkClient.connect({
        connectString: opts.zk, sessionTimeoutMs: opts.sessionTimeoutMs, connectTimeoutMs: opts.connectTimeoutMs, log: opts.log,
        ...(opts.secret !== undefined ? { auth: { scheme: 'digest' as const, secret: opts.secret } } : {}),
      });
      try {
        await this.init(zk, bindHost);
      } catch (err) {
        await this.logs?.close();
        await zk.close();
        throw err;
      }
      return this;
    })();
    return this.starting;
  }

  get id(): string { return this.opts.id; }

  get isLeader(): boolean { return this.c?.election.isLeader ?? false; }

  /** Ports with a live worker process, and what runs there. */
  workers(): { port: number; topology: string; pid: number }[] {
    const out: { port: number; topology: string; pid: number }[] = [];
    for (const s of this.slots.values()) {
      const w = s.worker;
      if (w !== undefined) out.push({ port: s.port, ...w });
    }
    return out;
  }

  /** The last heartbeat (stats, process, transport) each live worker of this supervisor sent over IPC. */
  workerMetrics(): WorkerHeartbeat[] {
    return this.reports.list();
  }

  private async init(zk: ZkClient, bindHost: string): Promise<void> {
    await ensureLayout(zk, this.paths);
    this.secret = this.opts.secret ?? (await this.sharedSecret(zk));
    this.logs = await LogServer.start(bindHost, this.opts.logsPort ?? 0, { dir: this.opts.dir, supervisor: this.opts.id, secret: this.secret, log: this.opts.log });
    const supervisors = new SupervisorStore(zk, this.paths);
    // At start only: a re-registration after a new session keeps the ports it had.
    const claim = claimedPort(this.opts, [...(await supervisors.list()).entries.values()].map((e) => e.value));
    if (claim !== undefined) {
      throw new SupervisorError('GALE_ERR_PORT_CLAIMED', `port ${claim.port} on ${this.opts.host} is already a slot of supervisor "${claim.by.id}" (pid ${claim.by.pid}, registered in ZooKeeper); choose other --ports`);
    }
    await this.register(supervisors);
    const election = await LeaderElection.join({ client: zk, dir: this.paths.leaderDir(), candidateId: this.opts.id, log: this.opts.log });
    const leader = new Leader(zk, this.paths, election, this.opts.log, this.cfg);
    const codeStore = new CodeStore(zk, this.paths);
    this.c = {
      zk, supervisors, election, leader,
      topologies: new TopologyStore(zk, this.paths),
      assignments: new AssignmentStore(zk, this.paths),
      heartbeats: new WorkerHeartbeatStore(zk, this.paths),
      codes: new CodeCache(this.opts.dir, (sha) => codeStore.download(sha)), // download verifies the sha256
    };
    const crashDir = path.join(this.opts.dir, 'crash-counts');
    this.crashSweep = new CrashSweep({ dir: crashDir, clock: this.clock, log: this.opts.log, records: (w) => this.c!.topologies.list(w), running: () => this.runningTopologies() });
    const id = this.opts.id;
    const reconciler = new SlotReconciler({
      id, slots: this.slots, assignments: this.c.assignments, log: this.opts.log, clock: this.clock, sweep: this.crashSweep,
      emit: (event, data) => this.emit(event, data),
    });
    this.reconciler = reconciler;
    // close() during init() found no reconciler to stop: stop it now, as the old reconcile() returned once closing.
    if (this.closing !== undefined) reconciler.stop();
    this.offs.push(leader.on('assignment.written', (e) => this.emit('assignment.written', e)));
    this.offs.push(leader.on('worker.moved', (e) => this.emit('worker.moved', e)));
    this.offs.push(election.on('elected', () => {
      leader.start();
      this.emit('leader.elected', { id });
    }));
    this.offs.push(election.on('lost', () => {
      leader.stop();
      this.emit('leader.lost', { id });
    }));
    if (election.isLeader) {
      leader.start();
      this.emit('leader.elected', { id });
    }
    this.offs.push(zk.on('state', (e) => {
      if (e.state === 'reconnected-new-session') {
        // Ephemerals and watches died with the old session.
        void this.register(supervisors).catch((err: unknown) => this.opts.log.error({ err: (err as Error).message }, 'cannot re-register'));
        reconciler.poke();
      }
    }));
    this.watchTimer = setInterval(() => {
      void reconciler.reconcile();
      void checkHeartbeats(this.slots.values(), this.c!.heartbeats, this.opts.id, this.clock.now());
    }, this.cfg.supervisorPeriodMs);
    reconciler.poke();
    this.opts.log.info({ id, host: this.opts.host, ports: this.opts.ports, leader: election.isLeader }, 'supervisor started');
    this.emit('ready', { id, host: this.opts.host, ports: [...this.opts.ports] });
  }

  /** Without a configured secret, workers authenticate with one generated once per cluster root. */
  private async sharedSecret(zk: ZkClient): Promise<string> {
    const p = `${this.paths.root}/cluster-secret`;
    try {
      await zk.create(p, Buffer.from(randomBytes(32).toString('hex')));
    } catch (err) {
      if ((err as GaleError).code !== 'GALE_ERR_ZK_NODE_EXISTS') throw err;
    }
    return (await zk.getData(p)).data.toString('utf8');
  }

  private async register(supervisors: SupervisorStore): Promise<void> {
    const info: SupervisorInfo = {
      id: this.opts.id, host: this.opts.host, ports: [...this.opts.ports], pid: process.pid, version: this.opts.version, startedAt: Date.now(),
      ...(this.logs !== undefined ? { logsPort: this.logs.port } : {}),
    };
    try {
      await supervisors.register(info, 3 * this.opts.sessionTimeoutMs);
    } catch (err) {
      if ((err as GaleError).code !== 'GALE_ERR_ZK_NODE_EXISTS') throw err;
      throw new SupervisorError('GALE_ERR_DUPLICATE_SUPERVISOR', `another supervisor with id "${this.opts.id}" is registered (ZooKeeper ${this.paths.supervisor(this.opts.id)}); give this one another --id`);
    }
  }

  /** The bundle on disk (errors are recorded for `gale status`) and the topology's drain timeout. */
  private async prepare(a: Assignment): Promise<PreparedLaunch> {
    let bundlePath: string;
    try {
      bundlePath = await this.c!.codes.ensure(a.codeSha256);
    } catch (err) {
      await this.recordError(a.topology, `supervisor ${this.opts.id} cannot get the code of "${a.topology}": ${(err as Error).message}`, err);
      throw err;
    }
    const cfg = (await this.configOf(a.topology)) ?? TOPOLOGY_CONFIG_DEFAULTS;
    return { bundlePath, drainTimeoutMs: cfg.drainTimeoutMs, nodeFlags: workerNodeFlags(cfg) };
  }

  private forkWorker(a: Assignment, port: number, { bundlePath, nodeFlags }: PreparedLaunch): WorkerChild {
    const launch: WorkerLaunch = {
      zk: this.opts.zk, zkRoot: this.opts.zkRoot, zkSessionTimeoutMs: this.opts.sessionTimeoutMs, topology: a.topology,
      supervisor: this.opts.id, host: this.opts.host, port, assignmentVersion: a.version, bundlePath,
      galeScopeDir: this.opts.galeScopeDir, heartbeatMs: this.opts.heartbeatMs, zkAuth: this.opts.secret !== undefined,
      ...(this.opts.tls ? { tls: this.opts.tls } : {}),
      logFile: workerLogFile(this.opts.dir, a.topology, port), crashDir: path.join(this.opts.dir, 'crash-counts'),
    };
    // The secret goes over IPC, never in the environment (readable in /proc/<pid>/environ); the
    // supervisor's own may have come from $GALE_CLUSTER_SECRET, which the child must not inherit.
    const env: NodeJS.ProcessEnv = { ...process.env, GALE_WORKER: JSON.stringify(launch) };
    delete env.GALE_CLUSTER_SECRET;
    // stderr goes through us (to our own stderr) so that its last lines can be recorded when the
    // worker dies; worker logging survives our death (pino stops on EPIPE, see worker-main.ts).
    const child = fork(this.opts.workerMain, [], { env, execArgv: [...process.execArgv, ...nodeFlags], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    this.exits.attach(port, child);
    offerSecret(child, this.secret);
    this.reports.track(child, { topology: a.topology, supervisor: this.opts.id, port });
    return child;
  }

  /** A worker that died (not a launch that failed before the fork) leaves how, and its stderr tail, in `errors/<topology>/__worker`. */
  private recordExit(e: SupervisorEvents['worker.crashed']): void {
    if (e.code === null && e.signal === null) return;
    void this.configOf(e.topology).then((c) => this.exits.message({ ...e, ...(c !== undefined ? { watchMs: watchWindowMs(c) } : {}) }))
      .then((message) => this.recordError(e.topology, message, { code: 'GALE_ERR_WORKER_EXITED', message }, '__worker', e.port, false));
  }

  /** The topologies a slot here runs, drains, or is assigned (their crash files stay). */
  private runningTopologies(): Set<string> {
    return new Set([...[...this.slots.values()].flatMap((s) => s.topology ?? []), ...(this.reconciler?.followed() ?? [])]);
  }

  /** The topology's config; undefined when its record cannot be read. */
  private async configOf(topology: string): Promise<TopologyConfig | undefined> {
    return (await this.c!.topologies.get(topology).catch(() => undefined))?.value.config;
  }

  private async recordError(topology: string, message: string, err: unknown, component = '__supervisor', port?: number, log = true): Promise<void> {
    if (log) this.opts.log.error({ topology, err: (err as Error).message, code: (err as GaleError).code }, message);
    if (this.c === undefined) return;
    await new ErrorsStore(this.c.zk, this.paths).append(topology, component, {
      timeMs: Date.now(), message, code: (err as GaleError).code, host: this.opts.host, ...(port !== undefined ? { port } : {}),
    }).catch(() => {});
  }

  /** Drains and stops every worker, leaves the election, unregisters. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.watchTimer);
      this.reconciler?.stop();
      this.crashSweep?.stop();
      const c = this.c;
      c?.leader.stop();
      await Promise.all([...this.slots.values()].map((s) => s.close()));
      await this.crashSweep?.idle(); // before ZooKeeper closes under it
      await this.logs?.close();
      if (c === undefined) return; // never started
      // A courtesy (our ephemerals expire with the session anyway): all at once, under one deadline.
      const cleaned = await withDeadline([c.election.close(), c.supervisors.unregister(this.opts.id)], this.cfg.shutdownZkDeadlineMs);
      for (const off of this.offs) off();
      await withDeadline([c.zk.close()], this.cfg.shutdownZkDeadlineMs);
      this.opts.log.info({ id: this.opts.id, zkCleanup: cleaned ? 'done' : 'cut short' }, 'supervisor stopped');
    })();
    return this.closing;
  }
}
