import type { ReportedError } from '../engine/metrics.js';

/**
 * The data gale keeps in ZooKeeper. The record types and their validators live in coord/ (the
 * stores parse and check every znode at the boundary); they are re-exported here for the cluster
 * daemons and admin code.
 */
export type {
  TopologyStatus, TopologyRecord, WorkerAssignment, Assignment, SupervisorInfo, WorkerHeartbeat, TopologyEdge,
} from '../coord/records.js';

/** `errors/<topology>/<component>`: the last errors (10 at most), oldest first. */
export type ErrorRecord = ReportedError & { readonly host?: string; readonly port?: number };

export function executorKey(component: string, index: number): string {
  return `${component}#${index}`;
}

export function parseExecutorKey(key: string): { component: string; index: number } {
  const i = key.lastIndexOf('#');
  return { component: key.slice(0, i), index: Number(key.slice(i + 1)) };
}
