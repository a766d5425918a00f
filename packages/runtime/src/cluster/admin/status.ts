import type { TopologyConfig } from '../../config/topology-config.js';
import type { StoredError } from '../../coord/index.js';
import { ACKER_COMPONENT } from '../../engine/engine.js';
import type { ComponentStats, LatencySummary } from '../../engine/metrics.js';
import type { TopologyStatus, WorkerHeartbeat } from '../model.js';
import { runningWorkers, type AdminSession } from './session.js';
import { stallOf, type StallReport } from './stalled.js';
import { mergeRates, mergeStats, placementOf, type MergedStats } from './stats.js';

/** One component of a {@link StatusReport}. Counters are summed over the running workers. */
export type ComponentStatus = Omit<ComponentStats, 'kind' | 'queueHighWater' | 'queueCapacity' | 'executeHistogram' | 'completeHistogram'> & {
  /** Undefined while no worker running it has reported. */
  kind: ComponentStats['kind'] | undefined;
  /** `host:port` of the workers running its executors. */
  where: string[];
};

/** A deployed topology's state (what `gale status <name> --json` prints). */
export interface StatusReport {
  name: string;
  status: TopologyStatus;
  source: string;
  codeSha256: string;
  deployedAt: number;
  uptimeMs: number;
  /** Wanted, assigned (current assignment) and running (heartbeating the current assignment version). */
  workers: { wanted: number; assigned: number; running: number };
  assignmentVersion: number | null;
  config: TopologyConfig;
  params: Readonly<Record<string, string>>;
  components: ComponentStatus[];
  workerProcesses: { host: string; port: number; supervisor: string; pid: number; state: string; assignmentVersion: number; executors: string[]; lastBeatAt: number }[];
  /** Last errors per component (oldest first), `__worker` and `__supervisor` included. */
  errors: Record<string, StoredError[]>;
  /**
   * Spouts hold pending trees and none completed one for longer than `config.messageTimeoutMs`
   * (see {@link stallOf}); `stall` has the numbers.
   */
  stalled: boolean;
  stall: StallReport;
}

const KIND_ORDER = { spout: 0, bolt: 1, acker: 2, checkpoint: 3 } as const;
const ZERO_LATENCY: LatencySummary = { p50: 0, p99: 0, mean: 0 };

/** Per-component counts, latency, placement, and the last errors of a topology (GALE_ERR_UNKNOWN_TOPOLOGY if none). */
export async function topologyStatus(session: AdminSession, name: string): Promise<StatusReport> {
  const { record } = await session.requireRecord(name);
  const a = await session.assignment(name);
  const allBeats = await session.heartbeats(name);
  // Only the workers of the current assignment count (a worker being replaced may still beat).
  const beats = a === undefined ? allBeats : allBeats.filter((b) => a.workers.some((w) => w.supervisor === b.supervisor && w.port === b.port));
  const merged = mergeStats(beats);
  const components = Object.keys(record.parallelism).map((c) => componentStatus(c, record.parallelism[c]!, record.numTasks[c] ?? 0, placementOf(a, c), merged.get(c)));
  // Spouts, bolts, ackers; within a kind, the record's (topological) order.
  components.sort((x, y) => rank(x) - rank(y));
  const stall = stallOf(components, record.config.messageTimeoutMs);
  return {
    name: record.name,
    status: record.status,
    source: record.source,
    codeSha256: record.codeSha256,
    deployedAt: record.deployedAt,
    uptimeMs: Math.max(0, Date.now() - record.deployedAt),
    workers: { wanted: record.workers, assigned: a?.workers.length ?? 0, running: a === undefined ? 0 : runningWorkers(a, beats).running.length },
    assignmentVersion: a?.version ?? null,
    config: record.config,
    params: record.params,
    components,
    workerProcesses: beats.map((b: WorkerHeartbeat) => ({
      host: b.host, port: b.port, supervisor: b.supervisor, pid: b.pid, state: b.state, assignmentVersion: b.assignmentVersion,
      executors: [...b.executors], lastBeatAt: b.time,
    })),
    errors: await session.topologyErrors(name),
    stalled: stall.stalled,
    stall,
  };
}

function rank(c: ComponentStatus): number {
  return c.kind === undefined ? (c.component === ACKER_COMPONENT ? 2 : 1) : KIND_ORDER[c.kind];
}

function componentStatus(component: string, executors: number, tasks: number, where: string[], s: MergedStats | undefined): ComponentStatus {
  return {
    component,
    kind: s?.kind ?? (component === ACKER_COMPONENT ? 'acker' : undefined),
    executors,
    tasks,
    where,
    emitted: s?.emitted ?? 0,
    transferred: s?.transferred ?? 0,
    executed: s?.executed ?? 0,
    acked: s?.acked ?? 0,
    failed: s?.failed ?? 0,
    timedOut: s?.timedOut ?? 0,
    deadLettered: s?.deadLettered ?? 0,
    replayed: s?.replayed ?? 0,
    errors: s?.errors ?? 0,
    pending: s?.pending ?? 0,
    ...(s?.sinceCompletionMs !== undefined ? { sinceCompletionMs: s.sinceCompletionMs } : {}),
    queueDepth: s?.queueDepth ?? 0,
    executeLatencyMs: s?.executeLatencyMs ?? ZERO_LATENCY,
    completeLatencyMs: s?.completeLatencyMs ?? ZERO_LATENCY,
    backpressureMs: s?.backpressureMs ?? 0,
    rates: s?.rates ?? mergeRates([]),
    executorStats: s?.executorStats ?? [],
  };
}
