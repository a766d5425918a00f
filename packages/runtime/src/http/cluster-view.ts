import type { ListEntry, RebalanceResult, StatusReport } from '../cluster/admin/index.js';
import type { TopologyEdge, TopologyStatus } from '../cluster/model.js';

/** Where the REST API's answers come from: a ZooKeeper cluster, or the LocalCluster of `gale local --ui`. */
export type ClusterMode = 'cluster' | 'local';

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
  /** `local` for `gale local --ui`: one pseudo-supervisor, no rebalance. */
  mode: ClusterMode;
  /** Id of the leader supervisor (it schedules); null while there is none. */
  leader: string | null;
  supervisors: ClusterSupervisor[];
  slots: { total: number; used: number; free: number };
  topologies: number;
}

/** `GET /api/v1/topologies/:name`: the status report and the graph's edges. */
export type TopologyDetail = StatusReport & { mode: ClusterMode; edges: readonly TopologyEdge[] };

/** What `POST .../rebalance` asks for (validated by the route). */
export interface RebalanceAsk {
  readonly workers: number | undefined;
  readonly parallelism: Readonly<Record<string, number>>;
}

/**
 * The seam under the REST handlers: they validate and shape requests, a view reads and acts. The
 * ZooKeeper view serves a supervisor (any of them answers for the cluster); the local view serves
 * `gale local --ui` from its LocalCluster. Errors are GaleErrors whose codes the server maps to
 * statuses (unknown topology 404, ...).
 */
export interface ClusterView {
  readonly mode: ClusterMode;
  cluster(): Promise<ClusterSummary>;
  topologies(): Promise<ListEntry[]>;
  /** GALE_ERR_UNKNOWN_TOPOLOGY when there is none of that name. */
  topology(name: string): Promise<TopologyDetail>;
  /** Sets the status; resolves to the previous one. */
  setStatus(name: string, status: 'active' | 'inactive'): Promise<TopologyStatus>;
  /** Changes workers or parallelism; an HttpError when the view cannot (local mode). */
  rebalance(name: string, ask: RebalanceAsk): Promise<Pick<RebalanceResult, 'changes'>>;
  /**
   * Checks the topology exists, then starts the kill and resolves: a kill waits for trees in
   * flight, so it finishes in the background (`done` settles when it has).
   */
  kill(name: string, waitSecs: number | undefined): Promise<{ done: Promise<void> }>;
  /** Releases what the view opened (the ZooKeeper session). Idempotent. */
  close(): Promise<void>;
}
