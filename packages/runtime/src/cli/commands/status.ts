import type { TopologyConfig } from '../../config/topology-config.js';
import type { TopologyStatus, WorkerHeartbeat } from '../../cluster/model.js';
import type { StoredError } from '../../coord/index.js';
import { ACKER_COMPONENT } from '../../engine/engine.js';
import type { ComponentStats, LatencySummary } from '../../engine/metrics.js';
import type { StatusArgs } from '../cluster-args.js';
import { ClusterClient, resolveTarget, runningWorkers } from '../cluster-client.js';
import { fmtDuration, fmtTime, mergeStats, placementOf, table, type MergedStats } from '../cluster-format.js';
import { writeText, type CliContext } from '../context.js';
import { fmtMs, oneLine } from '../stats-format.js';

/** One component in `gale status --json`. Counters are summed over the running workers. */
export type ComponentStatus = Omit<ComponentStats, 'kind' | 'queueHighWater' | 'queueCapacity'> & {
  /** Undefined while no worker running it has reported. */
  kind: ComponentStats['kind'] | undefined;
  /** `host:port` of the workers running its executors. */
  where: string[];
};

/** What `gale status <name> --json` prints. */
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
}

const KIND_ORDER = { spout: 0, bolt: 1, acker: 2 } as const;
const ZERO_LATENCY: LatencySummary = { p50: 0, p99: 0, mean: 0 };

/** `gale status <name>`: per-component counts, latency, placement, and the last errors. */
export async function runStatus(args: StatusArgs, ctx: CliContext): Promise<number> {
  const log = ctx.log.child({ cmd: 'status' });
  const client = await ClusterClient.connect(resolveTarget(args, ctx, 'status'), log);
  let report: StatusReport;
  try {
    const { record } = await client.requireRecord(args.name);
    const a = await client.assignment(args.name);
    const allBeats = await client.heartbeats(args.name);
    // Only the workers of the current assignment count (a worker being replaced may still beat).
    const beats = a === undefined ? allBeats : allBeats.filter((b) => a.workers.some((w) => w.supervisor === b.supervisor && w.port === b.port));
    const merged = mergeStats(beats);
    const components = Object.keys(record.parallelism).map((c) => componentStatus(c, record.parallelism[c]!, record.numTasks[c] ?? 0, placementOf(a, c), merged.get(c)));
    // Spouts, bolts, ackers; within a kind, the record's (topological) order.
    components.sort((x, y) => rank(x) - rank(y));
    report = {
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
      errors: await client.topologyErrors(args.name),
    };
  } finally {
    await client.close();
  }
  await writeText(ctx.stdout, args.json ? `${JSON.stringify(report, null, 2)}\n` : `${statusText(report)}\n`);
  return 0;
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
    errors: s?.errors ?? 0,
    pending: s?.pending ?? 0,
    queueDepth: s?.queueDepth ?? 0,
    executeLatencyMs: s?.executeLatencyMs ?? ZERO_LATENCY,
    completeLatencyMs: s?.completeLatencyMs ?? ZERO_LATENCY,
  };
}

function statusText(r: StatusReport): string {
  const lines = [
    `topology "${r.name}": ${r.status}, ${r.workers.running} of ${r.workers.assigned} assigned workers running (${r.workers.wanted} wanted)` +
      `${r.assignmentVersion === null ? ', not assigned yet' : `, assignment version ${r.assignmentVersion}`}`,
    `deployed ${fmtTime(r.deployedAt)} from ${r.source} (up ${fmtDuration(r.uptimeMs)}), code ${r.codeSha256.slice(0, 12)}`,
    '',
  ];
  const rows = [['component', 'kind', 'executors', 'emitted', 'executed', 'acked', 'failed', 'pending', 'latency p50/p99', 'where']];
  for (const c of r.components) {
    const latency = c.kind === 'spout' ? `complete ${fmtMs(c.completeLatencyMs.p50)}/${fmtMs(c.completeLatencyMs.p99)}`
      : c.kind === 'bolt' ? `execute ${fmtMs(c.executeLatencyMs.p50)}/${fmtMs(c.executeLatencyMs.p99)}` : '-';
    rows.push([
      c.component, c.kind ?? '?', String(c.executors), String(c.emitted), c.kind === 'spout' ? '-' : String(c.executed), String(c.acked),
      String(c.failed), c.kind === 'bolt' ? '-' : String(c.pending), latency, c.where.join(',') || '-',
    ]);
  }
  lines.push(table(rows));
  const errorRows: string[][] = [];
  for (const [component, list] of Object.entries(r.errors)) {
    for (const e of list.slice(-3)) {
      const where = e.host === undefined ? '' : e.port === undefined ? e.host : `${e.host}:${e.port}`;
      errorRows.push([component, fmtTime(e.timeMs), where || '-', `${e.taskId === undefined ? '' : `task ${e.taskId}: `}${oneLine(e.message)}`]);
    }
  }
  lines.push('', errorRows.length === 0 ? 'errors: none' : 'errors (last 3 per component, oldest first):');
  if (errorRows.length > 0) lines.push(table(errorRows).split('\n').map((l) => `  ${l}`).join('\n'));
  return lines.join('\n');
}
