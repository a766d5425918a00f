import { ClusterCommandError, stallOf, type ComponentStatus, type ListEntry } from '../cluster/admin/index.js';
import { topologyEdges } from '../cluster/admin/deploy.js';
import type { TopologyStatus } from '../cluster/model.js';
import { storedErrorOf, type StoredError } from '../coord/errors-store.js';
import type { ComponentStats, ReportedError } from '../engine/metrics.js';
import { TopologyError } from '../errors.js';
import type { LocalCluster, LocalTopology } from '../local/local-cluster.js';
import type { ClusterSummary, ClusterView, TopologyDetail } from './cluster-view.js';
import { HttpError } from './errors.js';

/** The one pseudo-supervisor and worker of local mode, as the UI names it. */
export const LOCAL_SUPERVISOR = 'local';

/** Errors kept per component in a topology's detail, as on a cluster. */
const ERRORS_PER_COMPONENT = 10;
const KIND_ORDER = { spout: 0, bolt: 1, acker: 2, checkpoint: 3 } as const;

export interface LocalViewOptions {
  readonly cluster: LocalCluster;
  /** Shown as the supervisor's version. */
  readonly version: string;
  /** The source file and `--set` parameters a topology was started with, when known. */
  readonly about?: (name: string) => { readonly source: string; readonly params: Readonly<Record<string, string>> } | undefined;
  /**
   * How a kill runs (resolves once it finished): by default `cluster.kill`. `gale local` ends its
   * run instead, so the kill drains, prints the summary and exits like Ctrl-C does.
   */
  readonly kill?: (name: string, waitMs: number | undefined) => Promise<void>;
}

/**
 * The REST API's view of a {@link LocalCluster} (`gale local --ui`): one supervisor named
 * `local`, one worker per topology, the engine's own stats and errors. Parallelism is fixed at
 * submit, so a rebalance is refused with 501 and says why.
 */
export class LocalClusterView implements ClusterView {
  readonly mode = 'local';
  private readonly startedAt = Date.now();
  /** Topologies whose kill is draining: shown as `killed`, no more (de)activation. */
  private readonly killing = new Set<string>();

  constructor(private readonly o: LocalViewOptions) {}

  cluster(): Promise<ClusterSummary> {
    const names = this.o.cluster.names();
    const now = Date.now();
    return Promise.resolve({
      mode: 'local',
      leader: LOCAL_SUPERVISOR,
      supervisors: [{
        id: LOCAL_SUPERVISOR, host: '127.0.0.1', pid: process.pid, version: this.o.version, startedAt: this.startedAt,
        uptimeMs: Math.max(0, now - this.startedAt), leader: true,
        // No worker slots in local mode: each running topology counts as one in-process worker.
        slots: names.map((topology) => ({ port: 0, topology })),
      }],
      slots: { total: names.length, used: names.length, free: 0 },
      topologies: names.length,
    });
  }

  topologies(): Promise<ListEntry[]> {
    const now = Date.now();
    return Promise.resolve(this.o.cluster.names().flatMap((name): ListEntry[] => {
      const t = this.o.cluster.get(name);
      if (t === undefined) return [];
      return [{
        name, status: this.status(t), workers: 1, workersRunning: this.killing.has(name) ? 0 : 1, workersAssigned: 1,
        executors: t.stats().reduce((n, c) => n + c.executors, 0),
        deployedAt: t.submittedAt, uptimeMs: Math.max(0, now - t.submittedAt), assignmentVersion: null,
        stalled: stallOf(t.stats(), t.config.messageTimeoutMs).stalled,
      }];
    }));
  }

  topology(name: string): Promise<TopologyDetail> {
    const t = this.require(name);
    const stats = t.stats();
    const stall = stallOf(stats, t.config.messageTimeoutMs);
    const about = this.o.about?.(name);
    const executors = stats.flatMap((c) => (c.executorStats ?? []).map((e) => e.executor));
    return Promise.resolve({
      mode: 'local',
      name,
      status: this.status(t),
      source: about?.source ?? '',
      codeSha256: '',
      deployedAt: t.submittedAt,
      uptimeMs: Math.max(0, Date.now() - t.submittedAt),
      workers: { wanted: 1, assigned: 1, running: this.killing.has(name) ? 0 : 1 },
      assignmentVersion: null,
      config: t.config,
      params: { ...(about?.params ?? {}) },
      components: stats.map(componentStatus).sort((a, b) => rank(a) - rank(b)),
      workerProcesses: [{
        host: '127.0.0.1', port: 0, supervisor: LOCAL_SUPERVISOR, pid: process.pid, state: this.killing.has(name) ? 'stopping' : 'running',
        assignmentVersion: 0, executors, lastBeatAt: Date.now(),
      }],
      errors: groupErrors(t.errors()),
      edges: topologyEdges(t.topology),
      stalled: stall.stalled,
      stall,
    });
  }

  setStatus(name: string, status: 'active' | 'inactive'): Promise<TopologyStatus> {
    const t = this.require(name);
    if (this.killing.has(name)) {
      throw new ClusterCommandError('GALE_ERR_TOPOLOGY_KILLED', `topology "${name}" is being killed; it cannot be made ${status} again`);
    }
    const previous = this.status(t);
    if (status === 'active') t.activate();
    else t.deactivate();
    return Promise.resolve(previous);
  }

  rebalance(name: string): Promise<{ changes: string[] }> {
    this.require(name);
    throw new HttpError(501, 'GALE_ERR_HTTP_UNSUPPORTED',
      `rebalance is not supported by gale local: "${name}" runs in this process with the parallelism it was started with; change the topology's workers or parallelism and restart gale local`);
  }

  kill(name: string, waitSecs: number | undefined): Promise<{ done: Promise<void> }> {
    this.require(name);
    if (this.killing.has(name)) return Promise.resolve({ done: Promise.resolve() });
    this.killing.add(name);
    const waitMs = waitSecs === undefined ? undefined : waitSecs * 1000;
    const run = this.o.kill ?? ((n: string, ms: number | undefined) => this.o.cluster.kill(n, ms));
    const done = run(name, waitMs).finally(() => this.killing.delete(name));
    return Promise.resolve({ done });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private require(name: string): LocalTopology {
    const t = this.o.cluster.get(name);
    if (t === undefined) {
      throw new TopologyError('GALE_ERR_UNKNOWN_TOPOLOGY', `no topology named "${name}" is running (running: ${this.o.cluster.names().join(', ') || 'none'})`);
    }
    return t;
  }

  private status(t: LocalTopology): TopologyStatus {
    if (this.killing.has(t.name)) return 'killed';
    return t.isActive ? 'active' : 'inactive';
  }
}

function componentStatus(s: ComponentStats): ComponentStatus {
  const { queueHighWater: _h, queueCapacity: _c, executeHistogram: _e, completeHistogram: _x, ...rest } = s;
  return {
    ...rest,
    where: [LOCAL_SUPERVISOR],
    executorStats: (s.executorStats ?? []).map((e) => ({ ...e, worker: LOCAL_SUPERVISOR }))
      .sort((a, b) => a.executor.localeCompare(b.executor, 'en', { numeric: true })),
  };
}

function rank(c: ComponentStatus): number {
  return c.kind === undefined ? 1 : KIND_ORDER[c.kind];
}

/** The engine's errors as the cluster's error store keeps them: per component, oldest first, the last few. */
function groupErrors(list: readonly ReportedError[]): Record<string, StoredError[]> {
  // A Map, then own properties: a component may be named `__proto__`.
  const out = new Map<string, StoredError[]>();
  for (const e of [...list].sort((a, b) => a.time - b.time)) {
    const rows = out.get(e.component) ?? [];
    out.set(e.component, rows);
    rows.push(storedErrorOf(e, LOCAL_SUPERVISOR, undefined, e.count));
    if (rows.length > ERRORS_PER_COMPONENT) rows.shift();
  }
  return Object.fromEntries(out);
}
