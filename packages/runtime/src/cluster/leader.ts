import type { LeaderElection, ZkClient, ZkOp, ZkPaths } from '../coord/index.js';
import { ErrorsStore } from '../coord/index.js';
import type { GaleError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Assignment, SupervisorInfo, TopologyRecord } from './model.js';
import { scheduleTopology } from './scheduler.js';

/** Safety net: reconcile this often even without watch events. */
const PERIODIC_MS = 3000;
/** Coalesce bursts of watch events. */
const DEBOUNCE_MS = 50;

function parse<T>(data: Buffer): T | undefined {
  try {
    return JSON.parse(data.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/**
 * The scheduler role, run by whichever supervisor holds the election. It keeps every
 * topology's assignment valid for the live supervisors (even scheduler), and removes killed
 * topologies. Its only writes are assignments, in transactions fenced on its election znode,
 * so a deposed leader (paused, then resumed after losing its session) writes nothing.
 */
export class Leader {
  private timer: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private active = false;
  /** Re-arm watches on the next reconcile (after a watch fired, or at start). Periodic runs read without watching, so watchers never pile up. */
  private rearm = true;

  constructor(
    private readonly zk: ZkClient,
    private readonly paths: ZkPaths,
    private readonly election: LeaderElection,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.active) return;
    this.active = true;
    this.log.info({}, 'leader: scheduling');
    this.rearm = true;
    this.periodic = setInterval(() => this.schedule(), PERIODIC_MS);
    this.schedule();
  }

  stop(): void {
    this.active = false;
    clearTimeout(this.timer);
    clearInterval(this.periodic);
  }

  /** A watch fired: reconcile soon and re-arm watches. */
  private readonly poke = (): void => {
    this.rearm = true;
    this.schedule();
  };

  /** Schedules a reconcile soon (debounced; never two at once). */
  private schedule(): void {
    if (!this.active) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reconcile(), DEBOUNCE_MS);
  }

  private async reconcile(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      await this.reconcileOnce();
    } catch (err) {
      this.rearm = true;
      this.log.warn({ err: (err as Error).message, code: (err as GaleError).code }, 'leader: reconcile failed; will retry');
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }
  }

  private async readAll<T>(dir: string, path: (name: string) => string, watch: boolean): Promise<Map<string, { value: T; version: number }>> {
    const out = new Map<string, { value: T; version: number }>();
    const watcher = watch ? this.poke : undefined;
    for (const name of await this.zk.getChildren(dir, watcher)) {
      try {
        const { data, version } = await this.zk.getData(path(name), watcher);
        const value = parse<T>(data);
        if (value !== undefined) out.set(name, { value, version });
      } catch (err) {
        if ((err as GaleError).code !== 'GALE_ERR_ZK_NO_NODE') throw err;
      }
    }
    return out;
  }

  private async reconcileOnce(): Promise<void> {
    if (!this.active || !this.election.isLeader) return;
    const p = this.paths;
    const watch = this.rearm;
    this.rearm = false;
    const supervisors = [...(await this.readAll<SupervisorInfo>(p.supervisorsDir(), (n) => p.supervisor(n), watch)).values()].map((v) => v.value);
    const records = await this.readAll<TopologyRecord>(p.topologiesDir(), (n) => p.topology(n), watch);
    const assignments = await this.readAll<Assignment>(p.assignmentsDir(), (n) => p.assignment(n), false);
    const ops: ZkOp[] = [];
    const cleanups: string[] = [];
    // Assignments of topologies that no longer exist or were killed go first.
    for (const [name, a] of assignments) {
      const r = records.get(name)?.value;
      if (r === undefined || r.status === 'killed') {
        ops.push({ op: 'remove', path: p.assignment(name), version: a.version });
        assignments.delete(name);
      }
    }
    for (const [name, { value: r }] of records) {
      if (r.status === 'killed') {
        // Once no worker heartbeats remain, the topology is gone.
        const workers = await this.zk.getChildren(p.workersDir(name), watch ? this.poke : undefined).catch(() => [] as string[]);
        if (workers.length === 0) cleanups.push(name);
      }
    }
    const settled = new Map<string, Assignment>();
    const names = [...records.keys()].filter((n) => records.get(n)!.value.status !== 'killed').sort();
    for (const name of names) {
      const record = records.get(name)!.value;
      const current = assignments.get(name);
      const others = names.filter((n) => n !== name).map((n) => settled.get(n) ?? assignments.get(n)?.value).filter((a): a is Assignment => a !== undefined);
      const next = scheduleTopology(record, current?.value, supervisors, others);
      if (next === undefined) {
        this.log.warn({ topology: name }, 'leader: no free worker slot for topology');
        continue;
      }
      settled.set(name, next);
      if (next === current?.value) continue;
      const data = Buffer.from(JSON.stringify(next));
      ops.push(current === undefined
        ? { op: 'create', path: p.assignment(name), data }
        : { op: 'setData', path: p.assignment(name), data, version: current.version });
      this.log.info({ topology: name, version: next.version, workers: next.workers.map((w) => `${w.supervisor}:${w.port}`) }, 'leader: assigned');
    }
    if (ops.length > 0) await this.election.fencedTransaction(ops);
    for (const name of cleanups) {
      await this.zk.removeRecursive(p.workersDir(name)).catch(() => {});
      await new ErrorsStore(this.zk, p).removeTopology(name).catch(() => {});
      await this.zk.remove(p.topology(name)).catch(() => {});
      this.log.info({ topology: name }, 'leader: killed topology removed');
    }
  }
}
