import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Topology } from '../api/builder.js';
import { ParamSet } from '../api/params.js';
import {
  AssignmentStore, ErrorsStore, TopologyStore, WorkerHeartbeatStore, ZkClient, zkPaths, type ZkPaths,
} from '../coord/index.js';
import { Engine, executorTaskRanges } from '../engine/engine.js';
import type { ReportedError } from '../engine/metrics.js';
import type { RemoteLink } from '../engine/remote.js';
import type { TupleImpl } from '../engine/tuple.js';
import { GaleError } from '../errors.js';
import { CryptoIds, nodeClock, nodeScheduler } from '../local/node-ports.js';
import type { Logger } from '../log.js';
import { FrameType, PeerClient, PeerServer, type Frame, type PeerInfo } from '../transport/index.js';
import type { Assignment, TopologyRecord, WorkerAssignment, WorkerHeartbeat } from './model.js';
import { executorKey } from './model.js';

/** What a supervisor tells a worker process it launches (JSON in `GALE_WORKER`; the secret in `GALE_CLUSTER_SECRET`). */
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

/** Backlog of network tuples waiting for local queues above which reading from peers pauses. */
const INBOUND_HIGH = 8192;
const INBOUND_LOW = 1024;

export class WorkerError extends GaleError {}

/**
 * Makes `import '@gale/runtime'` inside a bundle resolve to this installation: a
 * `node_modules/@gale` link next to the bundle pointing at the scope directory.
 */
export function linkGaleScope(bundlePath: string, galeScopeDir: string): void {
  const nm = path.join(path.dirname(bundlePath), 'node_modules');
  const link = path.join(nm, '@gale');
  if (existsSync(link)) return;
  mkdirSync(nm, { recursive: true });
  try {
    symlinkSync(galeScopeDir, link, 'dir');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Imports a topology bundle and builds its topology with the deployed parameters. */
export async function loadBundle(launch: Pick<WorkerLaunch, 'bundlePath' | 'galeScopeDir'>, record: TopologyRecord): Promise<Topology> {
  linkGaleScope(launch.bundlePath, launch.galeScopeDir);
  const mod = (await import(pathToFileURL(launch.bundlePath).href)) as { default?: unknown };
  const def = mod.default;
  const built = typeof def === 'function' ? await (def as (p: ParamSet) => unknown)(new ParamSet(record.params)) : def;
  const t = built as Partial<Topology> | undefined;
  if (t === undefined || t === null || typeof t.name !== 'string' || !(t.components instanceof Map)) {
    throw new WorkerError('GALE_ERR_BAD_BUNDLE', `the bundle of topology "${record.name}" (${record.source}) did not produce a topology`);
  }
  return t as Topology;
}

/**
 * One worker process: runs its executors of one topology with the engine, talks to the other
 * workers over authenticated WebSockets, heartbeats to ZooKeeper, and follows the topology's
 * status (activate/deactivate/kill) and assignment (peer moves) until told to stop.
 */
export class Worker {
  private engine!: Engine;
  private server!: PeerServer;
  private readonly clients = new Map<string, PeerClient>();
  /** Task id → the client of the worker that runs it (undefined: local). */
  private clientOfTask: (PeerClient | undefined)[] = [];
  /**
   * Control tuples (acker traffic) a peer's full buffer refused, per peer, in order; resent when
   * that peer drains. Per peer so one slow or absent peer never holds back acks to the others.
   */
  private readonly control = new Map<PeerClient, ControlRecord[]>();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private backpressureTimer: NodeJS.Timeout | undefined;
  private paused = false;
  private stopping: Promise<void> | undefined;
  private readonly paths: ZkPaths;
  private readonly errors: ErrorsStore;
  private readonly myExecutors: Set<string>;
  private readonly epoch = Date.now();
  private readonly lastErrorWrite = new Map<string, number>();
  /** Resolves when the worker has stopped (killed topology, lost assignment, or stop()). */
  readonly done: Promise<number>;
  private finish!: (code: number) => void;

  private constructor(
    private readonly launch: WorkerLaunch,
    private readonly zk: ZkClient,
    private record: TopologyRecord,
    private assignment: Assignment,
    private readonly me: WorkerAssignment,
    private readonly secret: string,
    private readonly log: Logger,
  ) {
    this.paths = zkPaths(launch.zkRoot);
    this.errors = new ErrorsStore(zk, this.paths);
    this.myExecutors = new Set(me.executors);
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
      const w = new Worker(launch, zk, record, assignment, me, secret, log);
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
      placement: {
        isLocal: (component, index) => this.myExecutors.has(executorKey(component, index)),
        parallelism: this.assignment.parallelism,
        link: this.link(),
      },
    });
    this.server = await PeerServer.listen({
      host: this.launch.host === 'localhost' ? '127.0.0.1' : this.launch.host,
      port: this.launch.port,
      secret: this.secret,
      topology: this.record.name,
      workerId: `${this.launch.supervisor}-${this.launch.port}`,
      epoch: this.epoch,
      onFrame: (peer, frame) => this.onFrame(peer, frame),
      log: this.log,
    });
    this.routePeers();
    await this.engine.start();
    if (this.record.status !== 'active') this.engine.deactivate();
    await this.beat('running', true);
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
    this.log.info({ executors: this.me.executors, port: this.launch.port }, 'worker running');
  }

  /** Task → peer client, from the assignment; clients for workers no longer there are closed. */
  private routePeers(): void {
    const owner: (PeerClient | undefined)[] = [];
    const wanted = new Set<string>();
    for (const w of this.assignment.workers) {
      const self = w.supervisor === this.launch.supervisor && w.port === this.launch.port;
      const id = `${w.host}:${w.port}`;
      let client: PeerClient | undefined;
      if (!self) {
        wanted.add(id);
        client = this.clients.get(id) ?? this.connect(w);
      }
      for (const key of w.executors) {
        const i = key.lastIndexOf('#');
        const component = key.slice(0, i);
        const index = Number(key.slice(i + 1));
        const tasks = this.engine.tasksOf.get(component);
        if (tasks === undefined) continue;
        for (const t of executorTaskRanges(tasks, this.engine.parallelismOf(component))[index] ?? []) owner[t] = client;
      }
    }
    for (const [id, c] of this.clients) {
      if (!wanted.has(id)) {
        // The peer moved away: what we still hold for it is lost; those trees time out and replay.
        const dropped = this.control.get(c)?.length ?? 0;
        if (dropped > 0) this.log.warn({ peer: id, dropped }, 'acker messages for a removed peer dropped; their trees will replay');
        this.control.delete(c);
        this.clients.delete(id);
        void c.close();
      }
    }
    this.clientOfTask = owner;
  }

  private connect(w: WorkerAssignment): PeerClient {
    const c = new PeerClient({
      address: { host: w.host === 'localhost' ? '127.0.0.1' : w.host, port: w.port },
      secret: this.secret,
      topology: this.record.name,
      workerId: `${this.launch.supervisor}-${this.launch.port}`,
      epoch: this.epoch,
      log: this.log,
    });
    c.on('drain', () => {
      this.flushControl(c);
      this.engine.wake();
    });
    c.on('open', () => {
      this.flushControl(c);
      this.engine.wake();
    });
    this.clients.set(`${w.host}:${w.port}`, c);
    return c;
  }

  private link(): RemoteLink {
    return {
      sendTuple: (task: number, tuple: TupleImpl): boolean => {
        const c = this.clientOfTask[task];
        if (tuple.stream.control) {
          this.sendControl(c, [task, tuple.sourceTask, tuple.stream.index, tuple.values as unknown[], null]);
          return true;
        }
        if (c === undefined || c.state === 'closed') return false;
        try {
          return c.sendTuple(task, tuple.sourceTask, tuple.stream.index, tuple.values, tuple.anchors);
        } catch (err) {
          // A value the wire cannot carry (FrameError): report it at the emitter and fail the
          // tuple's trees now, instead of crashing the worker or waiting for the timeout.
          this.engine.reportError(tuple.stream.component, tuple.sourceTask, err);
          this.engine.failUnsendable(tuple);
          return true;
        }
      },
    };
  }

  /** Control tuples are never refused: what a full peer buffer rejects waits (bounded by trees in flight). */
  private sendControl(c: PeerClient | undefined, rec: ControlRecord): void {
    // Closed: this worker is stopping or the peer moved; the tree times out and replays.
    if (c === undefined || c.state === 'closed') return;
    const q = this.control.get(c);
    if (q !== undefined && q.length > 0) q.push(rec);
    else if (!c.sendTuple(...rec)) this.control.set(c, [rec]);
  }

  private flushControl(c: PeerClient): void {
    const q = this.control.get(c);
    if (q === undefined) return;
    let i = 0;
    while (i < q.length && c.state !== 'closed' && c.sendTuple(...q[i]!)) i++;
    q.splice(0, i);
    if (q.length === 0) this.control.delete(c);
  }

  private onFrame(_peer: PeerInfo, frame: Frame): void {
    const e = this.engine;
    switch (frame[0]) {
      case FrameType.TUPLES:
        for (const [target, source, stream, values, anchors] of frame[1]) {
          if (typeof stream !== 'number' || !e.receiveTuple(target, stream, source, values, anchors)) {
            this.log.warn({ target, stream }, 'tuple for a task or stream not in this worker dropped; its tree will time out and replay');
          }
        }
        break;
      default:
        break;
    }
    this.checkBackpressure();
  }

  /** Stops reading from peers while network tuples pile up behind full local queues. */
  private checkBackpressure(): void {
    const backlog = this.engine.inboundBacklog();
    if (!this.paused && backlog > INBOUND_HIGH) {
      this.paused = true;
      this.server.pause();
      this.backpressureTimer = setInterval(() => this.checkBackpressure(), 2);
    } else if (this.paused && backlog < INBOUND_LOW) {
      this.paused = false;
      this.server.resume();
      clearInterval(this.backpressureTimer);
    }
  }

  private watchTopology(): void {
    new TopologyStore(this.zk, this.paths).read(this.record.name, () => this.watchTopology()).then(({ value }) => {
      this.record = value;
      if (this.record.status === 'killed') void this.stop(0);
      else if (this.record.status === 'active') this.engine.activate();
      else this.engine.deactivate();
    }, (err: unknown) => {
      if ((err as GaleError).code === 'GALE_ERR_ZK_NO_NODE') void this.stop(0);
      else this.log.warn({ err: (err as Error).message }, 'cannot read topology record');
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
      this.routePeers();
      this.engine.wake();
    }, (err: unknown) => {
      if ((err as GaleError).code === 'GALE_ERR_ZK_NO_NODE') void this.stop(0);
      else this.log.warn({ err: (err as Error).message }, 'cannot read assignment');
    });
  }

  private async beat(state: WorkerHeartbeat['state'], create: boolean): Promise<void> {
    const hb: WorkerHeartbeat = {
      topology: this.record.name, supervisor: this.launch.supervisor, host: this.launch.host, port: this.launch.port,
      pid: process.pid, assignmentVersion: this.assignment.version, state, time: Date.now(), executors: this.me.executors,
      stats: this.engine.stats(),
    };
    try {
      await new WorkerHeartbeatStore(this.zk, this.paths).publish(hb, create);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'heartbeat failed');
    }
  }

  private onComponentError(e: ReportedError): void {
    // At most one ZooKeeper write per component per second: an error storm must not load ZooKeeper.
    const last = this.lastErrorWrite.get(e.component) ?? 0;
    if (e.time - last < 1000) return;
    this.lastErrorWrite.set(e.component, e.time);
    this.errors.append(this.record.name, e.component, {
      timeMs: e.time, message: e.message, host: this.launch.host, port: this.launch.port, taskId: e.task,
    }).catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'cannot record error in ZooKeeper'));
  }

  /** Drains (deactivated spouts, in-flight trees complete up to drainTimeoutMs), then closes everything. */
  stop(code = 0, drainMs?: number): Promise<void> {
    this.stopping ??= (async () => {
      clearInterval(this.heartbeatTimer);
      clearInterval(this.backpressureTimer);
      try {
        await this.engine.close(drainMs ?? (this.record.status === 'killed' ? 0 : this.record.config.drainTimeoutMs));
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'engine close failed');
      }
      for (const c of this.clients.values()) this.flushControl(c);
      await Promise.all([...this.clients.values()].map((c) => c.close()));
      await this.server.close();
      await this.zk.remove(this.paths.worker(this.record.name, this.launch.supervisor, this.launch.port)).catch(() => {});
      await this.zk.close();
      this.finish(code);
    })();
    return this.stopping;
  }
}

/** A control tuple for a peer, as PeerClient.sendTuple takes it: target, source, stream index, values, anchors. */
type ControlRecord = [targetTask: number, sourceTask: number, stream: number, values: unknown[], anchors: null];

/** Records why a worker could not start under `errors/<topology>/__worker` (shown by `gale status`). */
async function recordWorkerError(zk: ZkClient, paths: ZkPaths, launch: WorkerLaunch, err: unknown): Promise<void> {
  await new ErrorsStore(zk, paths).append(launch.topology, '__worker', {
    timeMs: Date.now(), message: `worker ${launch.supervisor}:${launch.port} failed to start: ${(err as Error).message ?? String(err)}`,
    code: (err as GaleError).code, host: launch.host, port: launch.port,
  });
}

