import type { TopologyStatus } from '../model.js';
import { executorCount } from './deploy.js';
import { runningWorkers, type AdminSession } from './session.js';
import { stallOf } from './stalled.js';
import { mergeStats } from './stats.js';

/** One deployed topology in a listing (a row of `gale list --json`). */
export interface ListEntry {
  name: string;
  status: TopologyStatus;
  /** Workers the topology asks for. */
  workers: number;
  /** Workers of the current assignment that heartbeat as running it. */
  workersRunning: number;
  /** Workers the leader assigned (0 before it assigned any): below `workers` when slots ran short. */
  workersAssigned: number;
  /** Executors of every component, ackers included. */
  executors: number;
  /** Epoch ms. */
  deployedAt: number;
  uptimeMs: number;
  /** null before the leader assigned it. */
  assignmentVersion: number | null;
  /** Its spouts hold pending trees and none completed one for longer than `messageTimeoutMs` (see `stallOf`). */
  stalled: boolean;
}

/** Every deployed topology with its status, workers, executors and uptime, by name. */
export async function listTopologies(session: AdminSession): Promise<ListEntry[]> {
  const entries: ListEntry[] = [];
  for (const name of await session.topologyNames()) {
    const r = await session.record(name);
    if (r === undefined) continue; // removed meanwhile
    const a = await session.assignment(name);
    const all = await session.heartbeats(name);
    // Only the current assignment's workers count, as in `topologyStatus` (a replaced worker may still beat).
    const beats = a === undefined ? all : all.filter((b) => a.workers.some((w) => w.supervisor === b.supervisor && w.port === b.port));
    const running = a === undefined ? 0 : runningWorkers(a, all).running.length;
    const now = Date.now();
    entries.push({
      name,
      status: r.record.status,
      workers: r.record.workers,
      workersRunning: running,
      workersAssigned: a?.workers.length ?? 0,
      executors: executorCount(r.record),
      deployedAt: r.record.deployedAt,
      uptimeMs: Math.max(0, now - r.record.deployedAt),
      assignmentVersion: a?.version ?? null,
      stalled: stallOf([...mergeStats(beats).values()], r.record.config.messageTimeoutMs).stalled,
    });
  }
  return entries;
}
