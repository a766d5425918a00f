import type { TopologyConfig } from '../config/topology-config.js';
import type { ComponentStats, ProcessStats, TransportStats } from '../api/stats.js';

/**
 * The data gale keeps in ZooKeeper (JSON in znodes; layout in docs/zookeeper.md). These types
 * are the contract between `gale deploy`, the leader (scheduler), supervisors and workers; the
 * stores of this folder validate every one of them when it is read (record-validators.ts).
 */

export type TopologyStatus = 'active' | 'inactive' | 'killed';

export const TOPOLOGY_STATUSES: readonly TopologyStatus[] = ['active', 'inactive', 'killed'];

/** `topologies/<name>`: what was deployed and its desired state. */
export interface TopologyRecord {
  readonly name: string;
  /** `code/<sha256>` holds the bundle (gzipped, chunked). */
  readonly codeSha256: string;
  /** The file deployed, for messages. */
  readonly source: string;
  /** `--set` parameters the topology function reads. */
  readonly params: Readonly<Record<string, string>>;
  /** Resolved config (topology config with `--set` overrides). */
  readonly config: TopologyConfig;
  readonly status: TopologyStatus;
  /** Executors per component, `__acker` included; `rebalance` changes it. */
  readonly parallelism: Readonly<Record<string, number>>;
  /** Tasks per component (fixed at deploy). */
  readonly numTasks: Readonly<Record<string, number>>;
  /** Worker processes wanted; `rebalance --workers` changes it. */
  readonly workers: number;
  /** Epoch ms. */
  readonly deployedAt: number;
  /** The subscriptions between user components, for the REST API's graph (absent in records of older deploys). */
  readonly edges?: readonly TopologyEdge[];
}

/** One subscription: `to` receives `stream` of `from`, spread by `grouping` (e.g. `fields(word)`). */
export interface TopologyEdge {
  readonly from: string;
  readonly stream: string;
  readonly to: string;
  /** shuffle, localOrShuffle, none, all, global, direct, fields, partialKey or custom. */
  readonly grouping: string;
  /** The grouping's fields (fields and partialKey groupings). */
  readonly fields?: readonly string[];
}

/** One worker slot of an assignment. */
export interface WorkerAssignment {
  readonly supervisor: string;
  readonly host: string;
  readonly port: number;
  /** Executors as `component#index` (index among the component's executors). */
  readonly executors: readonly string[];
}

/** `assignments/<name>`: where every executor runs. Written only by the leader, fenced. */
export interface Assignment {
  readonly topology: string;
  /** Increases on every change; a worker launched for an older version is stale. */
  readonly version: number;
  readonly codeSha256: string;
  readonly parallelism: Readonly<Record<string, number>>;
  readonly workers: readonly WorkerAssignment[];
}

/** `supervisors/<id>` (ephemeral). */
export interface SupervisorInfo {
  readonly id: string;
  readonly host: string;
  /** Worker ports this supervisor offers (its slots). */
  readonly ports: readonly number[];
  readonly pid: number;
  readonly version: string;
  readonly startedAt: number;
  /** Port of its authenticated log endpoint on `host` (`gale logs`); absent from older supervisors. */
  readonly logsPort?: number;
}

export type WorkerState = 'starting' | 'running';

export const WORKER_STATES: readonly WorkerState[] = ['starting', 'running'];

/** `workers/<topology>/<supervisor>-<port>` (ephemeral): a worker's heartbeat and stats. */
export interface WorkerHeartbeat {
  readonly topology: string;
  readonly supervisor: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly assignmentVersion: number;
  readonly state: WorkerState;
  /** Epoch ms of this beat (for display; liveness uses the znode's presence and change). */
  readonly time: number;
  /**
   * This launch's epoch, from the topology's counter in ZooKeeper (epoch-store.ts): peers accept
   * a handshake only with the epoch published here. Absent in beats of workers older than it.
   */
  readonly epoch?: number;
  readonly executors: readonly string[];
  readonly stats: readonly ComponentStats[];
  /** The worker process's resource use (absent from older workers). */
  readonly process?: ProcessStats;
  /** The worker's transport counters (absent from older workers). */
  readonly transport?: TransportStats;
}

/** `epochs/<topology>`: the last launch epoch handed out to a worker of the topology. */
export interface EpochCounter {
  readonly topology: string;
  /** Grows by one at each worker launch; never reset while the topology exists. */
  readonly last: number;
}

/** A record and the znode version it was read at (for compare-and-set). */
export interface Versioned<T> {
  readonly value: T;
  readonly version: number;
}
