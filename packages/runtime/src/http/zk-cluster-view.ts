import { AdminSession, killTopology, listTopologies, rebalanceTopology, topologyStatus, type ClusterTarget, type ListEntry } from '../cluster/admin/index.js';
import type { TopologyStatus } from '../cluster/model.js';
import type { ClusterConfig } from '../config/cluster-config.js';
import { readLeader } from '../coord/index.js';
import type { Logger } from '../log.js';
import type { ClusterSummary, ClusterSupervisor, ClusterView, RebalanceAsk, TopologyDetail } from './cluster-view.js';
import { HttpError } from './errors.js';

/**
 * A supervisor's view of the whole cluster: the typed ZooKeeper stores and the admin code the
 * `gale` CLI calls, through its own session (opened at the first request, reopened after a failure).
 */
export class ZkClusterView implements ClusterView {
  readonly mode = 'cluster';
  private session: Promise<AdminSession> | undefined;

  constructor(private readonly target: ClusterTarget, private readonly cfg: ClusterConfig, private readonly log: Logger) {}

  private open(): Promise<AdminSession> {
    this.session ??= AdminSession.connect(this.target, this.log).catch((err: unknown) => {
      this.session = undefined;
      throw new HttpError(503, 'GALE_ERR_HTTP_UNAVAILABLE', `cannot reach ZooKeeper at ${this.target.connectString}: ${(err as Error).message}`, { cause: err });
    });
    return this.session;
  }

  async cluster(): Promise<ClusterSummary> {
    const s = await this.open();
    const [{ entries }, assignments, leader, names] = await Promise.all([
      s.supervisorStore.list(), s.assignments.list(), readLeader(s.zk, s.paths.leaderDir()), s.topologyNames(),
    ]);
    const used = new Map<string, string>();
    for (const { value: a } of assignments.entries.values()) for (const w of a.workers) used.set(`${w.supervisor}:${w.port}`, a.topology);
    const now = Date.now();
    const supervisors = [...entries.values()].map(({ value: v }): ClusterSupervisor => ({
      id: v.id, host: v.host, pid: v.pid, version: v.version, startedAt: v.startedAt, uptimeMs: Math.max(0, now - v.startedAt),
      leader: leader?.candidateId === v.id,
      slots: [...v.ports].sort((a, b) => a - b).map((port) => ({ port, topology: used.get(`${v.id}:${port}`) ?? null })),
    })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const total = supervisors.reduce((n, x) => n + x.slots.length, 0);
    const taken = supervisors.reduce((n, x) => n + x.slots.filter((sl) => sl.topology !== null).length, 0);
    return { mode: 'cluster', leader: leader?.candidateId ?? null, supervisors, slots: { total, used: taken, free: total - taken }, topologies: names.length };
  }

  async topologies(): Promise<ListEntry[]> {
    return listTopologies(await this.open());
  }

  async topology(name: string): Promise<TopologyDetail> {
    const s = await this.open();
    const report = await topologyStatus(s, name);
    const record = (await s.record(name))?.record;
    return { ...report, mode: 'cluster', edges: record?.edges ?? [] };
  }

  async setStatus(name: string, status: 'active' | 'inactive'): Promise<TopologyStatus> {
    return (await this.open()).setStatus(name, status);
  }

  async rebalance(name: string, ask: RebalanceAsk): Promise<{ changes: string[] }> {
    // The leader reassigns and supervisors restart workers in the background; the caller polls the topology.
    const r = await rebalanceTopology(await this.open(), name, ask, this.cfg);
    return { changes: r.changes };
  }

  async kill(name: string, waitSecs: number | undefined): Promise<{ done: Promise<void> }> {
    const s = await this.open();
    await s.requireRecord(name);
    return { done: killTopology(s, name, waitSecs, this.cfg) };
  }

  async close(): Promise<void> {
    const s = await this.session?.catch(() => undefined);
    this.session = undefined;
    await s?.close();
  }
}
