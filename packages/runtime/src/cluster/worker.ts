import { writeSync } from 'node:fs';
import { ErrorWriteThrottle } from './error-write-throttle.js';
import {
  AssignmentStore, EpochStore, ErrorsStore, TopologyStore, WorkerHeartbeatStore, ZkClient, storedErrorOf, zkPaths, type ZkPaths,
} from '../coord/index.js';
import { CLUSTER_CONFIG_DEFAULTS } from '../config/cluster-config.js';
import { Engine } from '../engine/engine.js';
import type { StateStoreProvider } from '../api/state/state-store.js';
import { createStateStores } from '../state/state-stores.js';
import type { ReportedError } from '../engine/metrics.js';
import type { GaleError } from '../errors.js';
import { CryptoIds, nodeClock, nodeScheduler } from '../local/node-ports.js';
import { ProcessMetrics } from '../local/process-metrics.js';
import { inComponent, type Logger } from '../log.js';
import { scopeTopology } from '../engine/component-scope.js';
import { loadBundle, WorkerError } from './bundle-loader.js';
import type { Assignment, TopologyRecord, WorkerAssignment, WorkerHeartbeat } from './model.js';
import { executorKey } from './model.js';
import { sameExecutors, workerKeepsRunning } from './assignment-diff.js';
import { CrashStore } from './crash-store.js';
import { CrashJournalFile } from './crash-journal-file.js';
import { judgePreviousLaunch, watchWindowMs } from '../engine/crash-journal.js';
import { PeerEpochs } from './peer-epochs.js';
import { WorkerLink } from './worker-link.js';
import { startHopTraceFromEnv } from './hop-trace-file.js';
import { loadTls, type TlsFiles } from '../transport/index.js';
import { LimitedLog, REPEATED_WARNING_WINDOW_MS } from './limited-log.js';
import { withDeadline } from './deadline.js';
import { sendMetrics } from './metrics-channel.js';
import type { PeerRoutes } from './peer-routes.js';

export { WorkerError } from './bundle-loader.js';

/**
 * How long a run of the engine may go on while this worker's spouts have trees pending: their acks
 * from other workers are read only between runs. 1 ms against the engine's 8 ms slice cut the
 * half-load p99 (docs/benchmarks.md, "acks read after 1 ms").
 */
const ACK_SLICE_MS = 1;

/** Where the worker hands its crash recorder to the process's 'exit' handler (worker-main.ts). */
export interface CrashHook {
  record?: (exitCode: number) => void;
  /** Any exit the handler sees (code 0 too): the crash journal marks this launch's end as seen. */
  exited?: () => void;
}

/** What a supervisor tells a worker process it launches (JSON in `GALE_WORKER`; the secret over IPC, secret-channel.ts). */
export interface WorkerLaunch {
  zk: string;
  zkRoot: string;
  zkSessionTimeoutMs: number;
  topology: string;
  supervisor: string;
  host: string;
  port: number;
  assignmentVersion: number;
  /** Verified bundle on local disk. */
  bundlePath: string;
  /** The `@gale` scope directory of this installation (bundles import `@gale/*` from it). */
  galeScopeDir: string;
  heartbeatMs: number;
  /** ZooKeeper digest ACL secret, if the cluster uses one. */
  zkAuth: boolean;
  /** The supervisor's TLS files (paths, not keys): peers talk `wss` (transport/tls.ts). */
  tls?: TlsFiles;
  /** The worker's own log file (rotated by size); absent: stderr. */
  logFile?: string;
  /** Where crash counts of spout messages outlive this process (crash-store.ts); absent: not kept. */
  crashDir?: string;
}

/**
 * One worker process: runs its executors of one topology with the engine, talks to the other
 * workers over authenticated WebSockets, heartbeats to ZooKeeper, and follows the topology's
 * status (activate/deactivate/kill) and assignment (peer moves) until told to stop.
 */
export class Worker {
  private engine!: Engine;
  /** Stateful bolts' backend (file or Redis keep state across worker restarts and redeploys). */
  private stateStores: StateStoreProvider | undefined;
  private readonly crashes: CrashStore | undefined;
  /** How the previous launch in this slot ended, and this one's executions after a report-less crash (engine/crash-journal.ts). */
  private readonly journal: CrashJournalFile | undefined;
  private readonly link: WorkerLink;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** Writes the hop trace out (GALE_HOP_TRACE, hop-trace-file.ts); undefined when it is off. */
  private writeHopTrace: (() => void) | undefined;
  private stopping: Promise<void> | undefined;
  private readonly paths: ZkPaths;
  private readonly errors: ErrorsStore;
  /** ZooKeeper warnings that repeat every heartbeat or watch while ZooKeeper is away. */
  private readonly repeated: LimitedLog;
  private myExecutors: Set<string>;
  /** Assignments are followed one at a time, in order (an in-place change awaits its new executors' prepare). */
  private following: Promise<void> = Promise.resolve();
  private readonly errorWrites = new ErrorWriteThrottle(CLUSTER_CONFIG_DEFAULTS.errorWriteIntervalMs);
  private readonly processMetrics = new ProcessMetrics();
  /** Resolves when the worker has stopped (killed topology, lost assignment, or stop()). */
  readonly done: Promise<number>;
  private finish!: (code: number) => void;

  private constructor(
    private readonly launch: WorkerLaunch,
    private readonly zk: ZkClient,
    private record: TopologyRecord,
    private assignment: Assignment,
    private me: WorkerAssignment,
    /** This launch's epoch, from ZooKeeper (never the wall clock: a clock stepped back must not make a new launch look older). */
    private readonly epoch: number,
    secret: string,
    private readonly log: Logger,
    peerRoutes: PeerRoutes | undefined,
  ) {
    this.paths = zkPaths(launch.zkRoot);
    this.repeated = new LimitedLog(log, nodeClock, { limit: 1, windowMs: REPEATED_WARNING_WINDOW_MS });
    this.errors = new ErrorsStore(zk, this.paths);
    this.myExecutors = new Set(me.executors);
    this.crashes = launch.crashDir === undefined ? undefined : CrashStore.open(launch.crashDir, record.name, log, launch.port);
    this.journal = launch.crashDir === undefined ? undefined : CrashJournalFile.open(launch.crashDir, record.name, launch.port, log);
    this.link = new WorkerLink({
      supervisor: launch.supervisor, host: launch.host, port: launch.port, topology: record.name, secret, epoch: this.epoch, log,
      verifyEpoch: new PeerEpochs(zk, this.paths, record.name, log).verify,
      ...(peerRoutes !== undefined && peerRoutes.size > 0 ? { peerRoutes } : {}),
      // Read here, at start: a certificate renewed on disk takes effect at the next launch.
      ...(launch.tls ? { tls: loadTls(launch.tls) } : {}),
    });
    this.done = new Promise((r) => (this.finish = r));
  }

  /**
   * Connects, reads its assignment, and runs its executors. `dying.record` is set as soon as the
   * engine exists (before start resolves: a poison tuple can kill the worker while it starts), for
   * the process's 'exit' handler ({@link recordCrash}).
   */
  static async start(launch: WorkerLaunch, secret: string, log: Logger, dying: CrashHook = {}, peerRoutes?: PeerRoutes): Promise<Worker> {
    const zk = await ZkClient.connect({
      connectString: launch.zk, sessionTimeoutMs: launch.zkSessionTimeoutMs, log,
      ...(launch.zkAuth ? { auth: { scheme: 'digest' as const, secret } } : {}),
    });
    const paths = zkPaths(launch.zkRoot);
    try {
      const { value: record } = await new TopologyStore(zk, paths).read(launch.topology);
      // A restart racing with `gale kill` must not run the components again: a sink's cleanup()
      // would overwrite the output the killed run wrote.
      if (record.status === 'killed') throw new WorkerError('GALE_ERR_TOPOLOGY_KILLED', `topology "${launch.topology}" is being killed; worker not started`);
      const { value: assignment } = await new AssignmentStore(zk, paths).read(launch.topology);
      const me = assignment.workers.find((w) => w.supervisor === launch.supervisor && w.port === launch.port);
      if (me === undefined) throw new WorkerError('GALE_ERR_NOT_ASSIGNED', `no executors of "${launch.topology}" are assigned to ${launch.supervisor}:${launch.port}`);
      const epoch = await new EpochStore(zk, paths).next(launch.topology);
      const w = new Worker(launch, zk, record, assignment, me, epoch, secret, log, peerRoutes);
      dying.record = (code) => w.recordCrash(code);
      dying.exited = () => w.journal?.clean();
      await w.run();
      return w;
    } catch (err) {
      if ((err as GaleError).code !== 'GALE_ERR_TOPOLOGY_KILLED') await recordWorkerError(zk, paths, launch, err).catch(() => {});
      await zk.close();
      throw err;
    }
  }

  private async run(): Promise<void> {
    // Component calls run in a scope, so their console output is logged with component and task.
    const topology = scopeTopology(await loadBundle(this.launch, this.record), inComponent);
    this.stateStores = createStateStores(this.record.config);
    const watchMs = this.judgePreviousLaunch();
    this.engine = new Engine({
      topology: { ...topology, name: this.record.name },
      config: this.record.config,
      clock: nodeClock,
      scheduler: nodeScheduler,
      ids: new CryptoIds(),
      random: Math.random,
      log: this.log,
      onError: (e) => this.onComponentError(e),
      stateStores: this.stateStores,
      // A queue or store server that is down at start must not turn into a worker restart loop.
      retryOpen: true,
      // Acks from other workers are socket reads: a spout's run yields for them after 1 ms, not 8 (engine-options.ts).
      ackSliceMs: ACK_SLICE_MS,
      ...(this.crashes !== undefined ? { crashCounts: this.crashes } : {}),
      worker: `${this.launch.host}:${this.launch.port}`,
      processStats: () => this.processMetrics.snapshot(false),
      placement: {
        isLocal: (component, index) => this.myExecutors.has(executorKey(component, index)),
        parallelism: this.assignment.parallelism,
        link: this.link,
      },
    });
    this.writeHopTrace = startHopTraceFromEnv(process.env, this.log);
    await this.link.listen(this.engine);
    // Publish the epoch before dialling peers: they admit our handshake only with the epoch our heartbeat lists.
    await this.beat('starting', true);
    this.link.route(this.assignment);
    await this.engine.start();
    if (watchMs > 0) this.engine.watchExecutions(this.journal!, nodeClock.now() + watchMs);
    // The trees the previous launch died executing, for spouts elsewhere (engine/crash-reports.ts).
    const reported = this.engine.reportCrashes(this.crashes?.rootsToReport() ?? []);
    if (reported > 0) this.log.info({ reports: reported }, 'crash of the previous launch reported to the spouts');
    if (this.record.status !== 'active') this.engine.deactivate();
    await this.beat('running', false);
    this.heartbeatTimer = setInterval(() => void this.beat('running', false), this.launch.heartbeatMs);
    this.watchTopology();
    this.watchAssignment();
    this.zk.on('state', (e) => {
      // A new session lost our ephemeral heartbeat and watches: re-create and re-arm them.
      if (e.state === 'reconnected-new-session') {
        void this.beat('running', true);
        this.watchTopology();
        this.watchAssignment();
      }
    });
    this.log.info({ executors: this.me.executors, port: this.launch.port, epoch: this.epoch }, 'worker running');
  }

  private watchTopology(): void {
    new TopologyStore(this.zk, this.paths).read(this.record.name, () => this.watchTopology()).then(({ value }) => {
      this.record = value;
      if (this.record.status === 'killed') void this.stop(0);
      else if (this.record.status === 'active') this.engine.activate();
      else this.engine.deactivate();
    }, (err: unknown) => {
      if ((err as GaleError).code === 'GALE_ERR_ZK_NO_NODE') void this.stop(0);
      else this.repeated.warn({ err: (err as Error).message }, 'cannot read topology record');
    });
  }

  private watchAssignment(): void {
    new AssignmentStore(this.zk, this.paths).read(this.record.name, () => this.watchAssignment()).then(({ value: a }) => {
      this.following = this.following.then(() => this.follow(a));
    }, (err: unknown) => {
      if ((err as GaleError).code === 'GALE_ERR_ZK_NO_NODE') void this.stop(0);
      else this.repeated.warn({ err: (err as Error).message }, 'cannot read assignment');
    });
  }

  /**
   * A new assignment: only peers moved (re-route), a change this worker applies in place (same
   * worker slots: stop the executors that went, open the ones that came, everything else keeps
   * running), or any other change of its executors (stop; the supervisor launches the new one).
   */
  private async follow(a: Assignment): Promise<void> {
    if (this.stopping !== undefined || a.version <= this.assignment.version) return;
    const slot = { supervisor: this.launch.supervisor, port: this.launch.port };
    const mine = a.workers.find((w) => w.supervisor === slot.supervisor && w.port === slot.port);
    if (mine === undefined || !workerKeepsRunning(this.assignment, a, slot)) {
      this.log.info({ version: a.version }, 'assignment changed for this worker, stopping');
      void this.stop(0);
      return;
    }
    const inPlace = !sameExecutors(this.assignment, this.me, a, mine);
    this.assignment = a;
    this.me = mine;
    this.myExecutors = new Set(mine.executors);
    // Route first: tuples for tasks that left go to their new workers from now on; tuples for
    // tasks coming here wait in their senders' outboxes until the executors are open.
    this.link.route(a);
    if (!inPlace) return;
    try {
      const diff = await this.engine.reassign({ isLocal: (c, i) => this.myExecutors.has(executorKey(c, i)), parallelism: a.parallelism });
      this.log.info({ version: a.version, kept: diff.kept.length, added: diff.added.map((e) => `${e.component.id}#${e.index}`), removed: diff.removed.map((e) => `${e.component.id}#${e.index}`) },
        'assignment changed: executors moved in place');
      // New spout executors follow the topology's status (Engine.reassign); publish the new executors now.
      await this.beat('running', false);
    } catch (err) {
      // A new executor failed to open: start over from the whole assignment (the supervisor relaunches).
      this.log.error({ err: (err as Error).message, version: a.version }, 'cannot apply the new assignment in place; exiting');
      void this.stop(1, 0);
    }
  }

  private async beat(state: WorkerHeartbeat['state'], create: boolean): Promise<void> {
    const hb: WorkerHeartbeat = {
      topology: this.record.name, supervisor: this.launch.supervisor, host: this.launch.host, port: this.launch.port,
      pid: process.pid, assignmentVersion: this.assignment.version, state, time: Date.now(), epoch: this.epoch, executors: this.me.executors,
      stats: this.engine.stats(), process: this.processMetrics.snapshot(), transport: this.link.transportStats(),
    };
    // The supervisor's /metrics gets it over IPC (metrics-channel.ts); ZooKeeper serves everyone else.
    sendMetrics(process, hb);
    try {
      await new WorkerHeartbeatStore(this.zk, this.paths).publish(hb, create);
    } catch (err) {
      this.repeated.warn({ err: (err as Error).message }, 'heartbeat failed');
    }
  }

  private onComponentError(e: ReportedError): void {
    // An error storm must not load ZooKeeper: at most one write per component (and bad-data code) per interval.
    const write = this.errorWrites.take(e);
    if (write === undefined) return;
    this.errors.append(this.record.name, e.component, storedErrorOf(e, this.launch.host, this.launch.port, write.count)).catch((err: unknown) => this.repeated.warn({ err: (err as Error).message }, 'cannot record error in ZooKeeper'));
  }

  /**
   * Before the engine exists: a previous launch that died without its 'exit' handler (SIGKILL,
   * OOM kill, abort) while this slot watched its executions is charged here, as that handler would
   * have (crash-journal.ts); after any such death this launch watches. Returns the watch window
   * in ms (0: not watching).
   */
  private judgePreviousLaunch(): number {
    if (this.journal === undefined || this.crashes === undefined) return 0;
    const { charge, watch } = judgePreviousLaunch(this.journal.previous);
    if (charge !== undefined) {
      this.crashes.recordCrash(charge);
      this.log.warn({ suspects: charge.suspects.map((s) => `${s.spout}#${s.spoutTask} ${s.key.slice(2)} (crash ${s.crashes}) in ${s.bolt}#${s.boltTask}`), remoteRoots: charge.remoteRoots.length },
        'the previous launch died without an exit handler (SIGKILL, OOM kill, abort) while executing these; charged to them');
    }
    this.journal.running();
    const ms = watch ? watchWindowMs(this.record.config) : 0;
    if (ms === 0) return 0;
    this.log.warn({ watchMs: ms }, 'the previous launch died without an exit handler; recording executions to find the culprit if it happens again');
    return ms;
  }

  /**
   * From the process's 'exit' handler when the worker dies (synchronous: nothing async runs any
   * more): counts the crash against the spout messages whose tuples bolts were executing, and says
   * which on stderr (the supervisor records its last lines for `gale status`).
   */
  recordCrash(exitCode: number): void {
    if (this.engine === undefined || this.crashes === undefined) return;
    const report = this.engine.crashReport();
    if (report.suspects.length + report.remoteRoots.length + report.counts.length === 0) return;
    this.crashes.recordCrash(report);
    if (report.remoteRoots.length > 0) writeSync(2, `gale worker: exiting with code ${exitCode} while bolts executed ${report.remoteRoots.length} tuple tree(s) of spouts in other workers (reported to them by the next launch)\n`);
    for (const s of report.suspects.slice(0, 5)) {
      writeSync(2, `gale worker: exiting with code ${exitCode} while bolt "${s.bolt}" task ${s.boltTask} executed a tuple of spout "${s.spout}" message ${s.key.slice(2)} (crash ${s.crashes} of that message)\n`);
    }
  }

  /** Drains (deactivated spouts, in-flight trees complete up to drainTimeoutMs), then closes everything. */
  stop(code = 0, drainMs?: number): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.heartbeatTimer);
      this.processMetrics.close();
      this.writeHopTrace?.();
      try {
        await this.engine.close(drainMs ?? (this.record.status === 'killed' ? 0 : this.record.config.drainTimeoutMs));
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'engine close failed');
      }
      await this.stateStores?.close().catch(() => {});
      await this.link.close();
      this.repeated.close();
      // Bounded: with ZooKeeper unreachable the heartbeat (ephemeral) goes with the session anyway.
      const deadline = CLUSTER_CONFIG_DEFAULTS.shutdownZkDeadlineMs;
      await withDeadline([this.zk.remove(this.paths.worker(this.record.name, this.launch.supervisor, this.launch.port))], deadline);
      await withDeadline([this.zk.close()], deadline);
      this.finish(code);
    })();
    return this.stopping;
  }
}

/** Records why a worker could not start under `errors/<topology>/__worker` (shown by `gale status`). */
async function recordWorkerError(zk: ZkClient, paths: ZkPaths, launch: WorkerLaunch, err: unknown): Promise<void> {
  await new ErrorsStore(zk, paths).append(launch.topology, '__worker', {
    timeMs: Date.now(), message: `worker ${launch.supervisor}:${launch.port} failed to start: ${(err as Error).message ?? String(err)}`,
    code: (err as GaleError).code, host: launch.host, port: launch.port,
  });
}

