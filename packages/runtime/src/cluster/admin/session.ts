import {
  AssignmentStore, ErrorsStore, SupervisorStore, TopologyStore, WorkerHeartbeatStore, ZkClient, ZkError, ensureLayout, zkPaths,
  type StoredError, type ZkPaths,
} from '../../coord/index.js';
import type { Logger } from '../../log.js';
import type { Assignment, TopologyRecord, TopologyStatus, WorkerHeartbeat } from '../model.js';
import { ClusterCommandError } from './errors.js';

/** Where the cluster is and how to authenticate; the secret is never printed. */
export interface ClusterTarget {
  readonly connectString: string;
  readonly root: string;
  readonly secret: string | undefined;
  readonly connectTimeoutMs: number;
}

/**
 * An open session on a cluster's ZooKeeper for admin work (the CLI opens one per command; a web
 * UI may keep one): the typed stores, plus the admin-level answers to "no such topology".
 */
export class AdminSession {
  readonly paths: ZkPaths;
  readonly topologies: TopologyStore;
  readonly assignments: AssignmentStore;
  readonly supervisorStore: SupervisorStore;
  readonly heartbeatStore: WorkerHeartbeatStore;
  readonly errors: ErrorsStore;

  private constructor(readonly zk: ZkClient, readonly target: ClusterTarget, private readonly log: Logger) {
    this.paths = zkPaths(target.root);
    this.topologies = new TopologyStore(zk, this.paths);
    this.assignments = new AssignmentStore(zk, this.paths);
    this.supervisorStore = new SupervisorStore(zk, this.paths);
    this.heartbeatStore = new WorkerHeartbeatStore(zk, this.paths);
    this.errors = new ErrorsStore(zk, this.paths);
  }

  /**
   * Connects (GALE_ERR_ZK_UNREACHABLE after the connect timeout) and makes sure the cluster
   * layout exists and this client may use it (GALE_ERR_ZK_NO_AUTH with a wrong secret).
   */
  static async connect(target: ClusterTarget, log: Logger): Promise<AdminSession> {
    const zk = await ZkClient.connect({
      connectString: target.connectString,
      connectTimeoutMs: target.connectTimeoutMs,
      log,
      ...(target.secret !== undefined ? { auth: { scheme: 'digest' as const, secret: target.secret } } : {}),
    });
    const c = new AdminSession(zk, target, log);
    try {
      await ensureLayout(zk, c.paths);
    } catch (err) {
      await zk.close();
      throw err;
    }
    return c;
  }

  close(): Promise<void> {
    return this.zk.close();
  }

  /** Names of the deployed topologies, sorted. */
  topologyNames(): Promise<string[]> {
    return this.topologies.names();
  }

  /** The record and its znode version, or undefined; GALE_ERR_ZK_BAD_DATA names a corrupt record. */
  async record(name: string): Promise<{ record: TopologyRecord; version: number } | undefined> {
    const r = await this.topologies.get(name);
    return r === undefined ? undefined : { record: r.value, version: r.version };
  }

  /** The record, or GALE_ERR_UNKNOWN_TOPOLOGY naming the deployed ones. */
  async requireRecord(name: string): Promise<{ record: TopologyRecord; version: number }> {
    const r = await this.record(name);
    if (r === undefined) throw await this.unknownTopology(name);
    return r;
  }

  async unknownTopology(name: string): Promise<ClusterCommandError> {
    const names = await this.topologyNames().catch(() => [] as string[]);
    return new ClusterCommandError('GALE_ERR_UNKNOWN_TOPOLOGY',
      `no topology named "${name}" (${names.length === 0 ? 'none deployed' : `deployed: ${names.join(', ')}`})`);
  }

  /** Compare-and-set on the topology record (see {@link TopologyStore.update}); GALE_ERR_UNKNOWN_TOPOLOGY if missing. */
  async updateRecord(name: string, change: (r: TopologyRecord) => TopologyRecord | undefined): Promise<{ before: TopologyRecord; after: TopologyRecord }> {
    try {
      return await this.topologies.update(name, change);
    } catch (err) {
      if (err instanceof ZkError && err.code === 'GALE_ERR_ZK_NO_NODE') throw await this.unknownTopology(name);
      throw err;
    }
  }

  /** Sets the status (CAS); a killed topology cannot be (de)activated. Returns the status before. */
  async setStatus(name: string, status: TopologyStatus): Promise<TopologyStatus> {
    const { before } = await this.updateRecord(name, (r) => {
      if (r.status === status) return undefined;
      if (r.status === 'killed') {
        throw new ClusterCommandError('GALE_ERR_TOPOLOGY_KILLED', `topology "${name}" is being killed; it cannot be made ${status} again`);
      }
      return { ...r, status };
    });
    return before.status;
  }

  async assignment(name: string): Promise<Assignment | undefined> {
    return (await this.assignments.get(name))?.value;
  }

  /** Every valid worker heartbeat of a topology (invalid ones are logged and skipped: a beat is replaced every period). */
  async heartbeats(name: string): Promise<WorkerHeartbeat[]> {
    const { beats, bad } = await this.heartbeatStore.list(name);
    for (const err of bad) this.log.debug({ path: err.path, err: err.message }, 'unreadable worker heartbeat skipped');
    return beats;
  }

  /** Ids of the live supervisors. */
  supervisors(): Promise<string[]> {
    return this.supervisorStore.ids();
  }

  /** Errors recorded for a topology, per component (oldest first). */
  topologyErrors(name: string): Promise<Record<string, StoredError[]>> {
    return this.errors.listTopology(name);
  }
}

/** Workers of `a` that run its current version (a `running` heartbeat with that assignment version). */
export function runningWorkers(a: Assignment, beats: readonly WorkerHeartbeat[]): { running: WorkerHeartbeat[]; missing: Assignment['workers'][number][] } {
  const running: WorkerHeartbeat[] = [];
  const missing: Assignment['workers'][number][] = [];
  for (const w of a.workers) {
    const hb = beats.find((b) => b.supervisor === w.supervisor && b.port === w.port && b.state === 'running' && b.assignmentVersion === a.version);
    if (hb === undefined) missing.push(w);
    else running.push(hb);
  }
  return { running, missing };
}
