import { listTopologies, topologyStatus, type AdminSession } from '../cluster/admin/index.js';
import { readLeader } from '../coord/index.js';
import type { Reply, Route } from './server.js';

/** One supervisor in `GET /api/v1/cluster`. */
export interface ClusterSupervisor {
  id: string;
  host: string;
  pid: number;
  version: string;
  startedAt: number;
  uptimeMs: number;
  leader: boolean;
  /** Its worker ports, and the topology assigned to each (null: free). */
  slots: { port: number; topology: string | null }[];
}

/** `GET /api/v1/cluster`. */
export interface ClusterSummary {
  /** Id of the leader supervisor (it schedules); null while there is none. */
  leader: string | null;
  supervisors: ClusterSupervisor[];
  slots: { total: number; used: number; free: number };
  topologies: number;
}

/** Read-only routes: the cluster, the topology list and one topology (docs/rest-api.md). */
export function readRoutes(session: () => Promise<AdminSession>): Route[] {
  return [
    { method: 'GET', path: '/api/v1/cluster', handle: async (): Promise<Reply> => ({ json: await clusterSummary(await session()) }) },
    {
      method: 'GET', path: '/api/v1/topologies',
      handle: async (): Promise<Reply> => ({ json: { topologies: await listTopologies(await session()) } }),
    },
    {
      method: 'GET', path: '/api/v1/topologies/:name',
      handle: async (req): Promise<Reply> => {
        const s = await session();
        const name = req.params.name!;
        const report = await topologyStatus(s, name);
        const record = (await s.record(name))?.record;
        return { json: { ...report, edges: record?.edges ?? [] } };
      },
    },
  ];
}

async function clusterSummary(s: AdminSession): Promise<ClusterSummary> {
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
  return { leader: leader?.candidateId ?? null, supervisors, slots: { total, used: taken, free: total - taken }, topologies: names.length };
}
