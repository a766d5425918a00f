import {
  AssignmentStore, EpochStore, ErrorsStore, TopologyStore, WorkerHeartbeatStore, ZkClient, zkPaths, type ZkPaths,
} from '../coord/index.js';
import { CLUSTER_CONFIG_DEFAULTS } from '../config/cluster-config.js';
import { Engine } from '../engine/engine.js';
import type { ReportedError } from '../engine/metrics.js';
import type { GaleError } from '../errors.js';
import { CryptoIds, nodeClock, nodeScheduler } from '../local/node-ports.js';
import { ProcessMetrics } from '../local/process-metrics.js';
import type { Logger } from '../log.js';
import { loadBundle, WorkerError } from './bundle-loader.js';
import type { Assignment, TopologyRecord, WorkerAssignment, WorkerHeartbeat } from './model.js';
import { executorKey } from './model.js';
import { PeerEpochs } from './peer-epochs.js';
import { WorkerLink } from './worker-link.js';
import { LimitedLog, REPEATED_WARNING_WINDOW_MS } from './limited-log.js';
import { sendMetrics } from './metrics-channel.js';

export { WorkerError } from './bundle-loader.js';

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
}

/**
 * One worker process: runs its executors of one topology with the engine, talks to the other
 * workers over authenticated WebSockets, heartbeats to ZooKeeper, and follows the topology's
 * status (activate/deactivate/kill) and assignment (peer moves) until told to stop.
 */
export class Worker {
  private engine!: Engine;
  private readonly link: WorkerLink;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private readonly paths: ZkPaths;
  private readonly errors: ErrorsStore;
  /** ZooKeeper warnings that repeat every heartbeat or watch while ZooKeeper is away. */
  private readonly repeated: LimitedLog;
  private readonly myExecutors: Set<string>;
  private readonly lastErrorWrite = new Map<string, number>();
  private readonly processMetrics = new ProcessMetrics();
  /** Resolves when the worker has stopped (killed topology, lost assignment, or stop()). */
  readonly done: Promise<number>;
  private finish!: (code: number) => void;

  private constructor(
    private readonly launch: WorkerLaunch,
    private readonly zk: ZkClient,
    private record: TopologyRecord,
    private assignment: Assignment,
    private readonly me: WorkerAssignment,
    /** This launch's epoch, from ZooKeeper (never the wall clock: a clock stepped back must not make a new launch look older). */
    private readonly epoch: number,
    secret: string,
    private readonly log: Logger,
  ) {
    this.paths = zkPaths(launch.zkRoot);
    this.repeated = new LimitedLog(log, nodeClock, { limit: 1, windowMs: REPEATED_WARNING_WINDOW_MS });
    this.errors = new ErrorsStore(zk, this.paths);
    this.myExecutors = new Set(me.executors);
    this.link = new WorkerLink({
      supervisor: launch.supervisor, host: launch.host, port: launch.port, topology: record.name, secret, epoch: this.epoch, log,
      verifyEpoch: new PeerEpochs(zk, this.paths, record.name, log).verify,
    });
    this.done = new Promise((r) => (this.finish = r));
  }

  static async start(launch: WorkerLaunch, secret: string, log: Logger): Promise<Worker> {
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
      const w = new Worker(launch, zk, record, assignment, me, epoch, secret, log);
      await w.run();
      return w;
    } catch (err) {
      if ((err as GaleError).code !== 'GALE_ERR_TOPOLOGY_KILLED') await recordWorkerError(zk, paths, launch, err).catch(() => {});
      await zk.close();
      throw err;
    }
  }

  private async run(): Promise<void> {
    const topology = await loadBundle(this.launch, this.record);
    this.engine = new Engine({
      topology: { ...topology, name: this.record.name },
      config: this.record.config,
      clock: nodeClock,
      scheduler: nodeScheduler,
      ids: new CryptoIds(),
      random: Math.random,
      log: this.log,
      onError: (e) => this.onComponentError(e),
      worker: `${this.launch.host}:${this.launch.port}`,
      processStats: () => this.processMetrics.snapshot(false),
      placement: {
        isLocal: (component, index) => this.myExecutors.has(executorKey(component, index)),
        parallelism: this.assignment.parallelism,
        link: this.link,
      },
    });
    await this.link.listen(this.engine);
    // Publish the epoch before dialling peers: they admit our handshake only with the epoch our heartbeat lists.
    await this.beat('starting', true);
    this.link.route(this.assignment);
    await this.engine.start();
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
      if (a.version === this.assignment.version) return;
      const mine = a.workers.find((w) => w.supervisor === this.launch.supervisor && w.port === this.launch.port);
      const same = mine !== undefined && mine.executors.length === this.myExecutors.size && mine.executors.every((k) => this.myExecutors.has(k))
        && JSON.stringify(a.parallelism) === JSON.stringify(this.assignment.parallelism);
      if (!same) {
        // Our executors changed: stop; the supervisor launches the new assignment.
        this.log.info({ version: a.version }, 'assignment changed for this worker, stopping');
        void this.stop(0);
        return;
      }
      this.assignment = a;
      this.link.route(a);
    }, (err: unknown) => {
      if ((err as GaleError).code === 'GALE_ERR_ZK_NO_NODE') void this.stop(0);
      else this.repeated.warn({ err: (err as Error).message }, 'cannot read assignment');
    });
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
    // An error storm must not load ZooKeeper: at most one write per component per interval.
    const last = this.lastErrorWrite.get(e.component) ?? 0;
    if (e.time - last < CLUSTER_CONFIG_DEFAULTS.errorWriteIntervalMs) return;
    this.lastErrorWrite.set(e.component, e.time);
    this.errors.append(this.record.name, e.component, {
      timeMs: e.time, message: e.message, host: this.launch.host, port: this.launch.port, taskId: e.task, ...(e.stack !== undefined ? { stack: e.stack } : {}),
    }).catch((err: unknown) => this.repeated.warn({ err: (err as Error).message }, 'cannot record error in ZooKeeper'));
  }

  /** Drains (deactivated spouts, in-flight trees complete up to drainTimeoutMs), then closes everything. */
  stop(code = 0, drainMs?: number): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.heartbeatTimer);
      this.processMetrics.close();
      try {
        await this.engine.close(drainMs ?? (this.record.status === 'killed' ? 0 : this.record.config.drainTimeoutMs));
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'engine close failed');
      }
      await this.link.close();
      await this.zk.remove(this.paths.worker(this.record.name, this.launch.supervisor, this.launch.port)).catch(() => {});
      await this.zk.close();
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

