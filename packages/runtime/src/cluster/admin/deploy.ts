import type { Topology } from '../../api/builder.js';
import type { TopologyConfig } from '../../config/topology-config.js';
import { CodeStore, NAME_RULE, ZkError, isValidName, type CodeMeta } from '../../coord/index.js';
import { DEFAULT_SYSTEM_COMPONENTS } from '../../engine/engine.js';
import type { TopologyEdge, TopologyRecord } from '../model.js';
import { AdminRequestError, ClusterCommandError } from './errors.js';
import type { AdminSession } from './session.js';

/** What to deploy: a topology already built and validated locally, and its bundled code. */
export interface DeployRequest {
  /** The name to deploy under (a valid znode name; see coord/names.ts). */
  readonly name: string;
  /** The file deployed, kept for messages. */
  readonly source: string;
  readonly topology: Topology;
  /** The resolved config (topology config with overrides). */
  readonly config: TopologyConfig;
  readonly params: Readonly<Record<string, string>>;
  /** The esbuild bundle of the topology file. */
  readonly code: Buffer;
}

/**
 * Executors and tasks per component, the system components included (the acker: one task per
 * worker unless `ackers` says otherwise), so the leader places them like any component.
 */
export function componentPlan(topology: Topology, config: TopologyConfig): { parallelism: Record<string, number>; numTasks: Record<string, number> } {
  const parallelism: Record<string, number> = {};
  const numTasks: Record<string, number> = {};
  for (const c of topology.components.values()) {
    parallelism[c.id] = c.parallelism;
    numTasks[c.id] = c.numTasks;
  }
  for (const sc of DEFAULT_SYSTEM_COMPONENTS) {
    const n = sc.tasks(config, topology);
    if (n > 0) {
      parallelism[sc.id] = n;
      numTasks[sc.id] = n;
    }
  }
  return { parallelism, numTasks };
}

/** The `topologies/<name>` record of a new deployment (status active). */
export function buildTopologyRecord(req: Omit<DeployRequest, 'code'>, codeSha256: string, deployedAt: number): TopologyRecord {
  const { parallelism, numTasks } = componentPlan(req.topology, req.config);
  return {
    name: req.name,
    codeSha256,
    source: req.source,
    params: req.params,
    config: req.config,
    status: 'active',
    parallelism,
    numTasks,
    workers: req.config.workers,
    deployedAt,
    edges: topologyEdges(req.topology),
  };
}

/** The user components' subscriptions, as the REST API shows the graph. */
export function topologyEdges(topology: Topology): TopologyEdge[] {
  const out: TopologyEdge[] = [];
  for (const c of topology.components.values()) {
    if (c.kind !== 'bolt') continue;
    for (const i of c.inputs) {
      const g = i.grouping;
      out.push({ from: i.component, stream: i.stream, to: c.id, grouping: g.type, ...('fields' in g ? { fields: [...g.fields] } : {}) });
    }
  }
  return out;
}

/** Executors of every component of a record, ackers included. */
export function executorCount(record: Pick<TopologyRecord, 'parallelism'>): number {
  return Object.values(record.parallelism).reduce((n, p) => n + p, 0);
}

/**
 * What a deploy (or a listing) reports when the leader assigned fewer workers than the topology
 * asks for: the even scheduler takes `min(workers, free slots, executors)`, and the topology runs
 * on what it got, so this is a warning, not a failure. Undefined when nothing is short.
 */
export function workerShortfall(record: Pick<TopologyRecord, 'name' | 'workers' | 'parallelism'>, assigned: number): string | undefined {
  if (assigned >= record.workers) return undefined;
  const executors = executorCount(record);
  const why = assigned < Math.min(record.workers, executors)
    ? 'no free worker slots; it gets more as slots free up ("gale list" shows the count)'
    : `it has only ${executors} executors`;
  return `"${record.name}" got ${assigned} of ${record.workers} workers asked: ${why}`;
}

/**
 * Uploads the code and creates the topology record; the leader then assigns it. Throws
 * GALE_ERR_DUPLICATE_TOPOLOGY when the name is taken (also when another deploy wins a race).
 */
export async function deployTopology(session: AdminSession, req: DeployRequest): Promise<{ record: TopologyRecord; meta: CodeMeta }> {
  if (!isValidName(req.name)) throw new AdminRequestError('GALE_ERR_USAGE', `topology name "${req.name}" is not a valid topology name: use ${NAME_RULE}`);
  const existing = await session.record(req.name);
  if (existing !== undefined) throw duplicate(req.name, existing.record);
  const meta = await new CodeStore(session.zk, session.paths).upload(req.code);
  const record = buildTopologyRecord(req, meta.sha256, Date.now());
  try {
    await session.topologies.create(record);
  } catch (err) {
    if (err instanceof ZkError && err.code === 'GALE_ERR_ZK_NODE_EXISTS') {
      const raced = await session.record(req.name);
      throw duplicate(req.name, raced?.record);
    }
    throw err;
  }
  return { record, meta };
}

function duplicate(name: string, existing: TopologyRecord | undefined): ClusterCommandError {
  if (existing?.status === 'killed') {
    return new ClusterCommandError('GALE_ERR_DUPLICATE_TOPOLOGY', `a topology named "${name}" is being killed; wait until "gale list" no longer shows it, or choose another --name`);
  }
  return new ClusterCommandError('GALE_ERR_DUPLICATE_TOPOLOGY', `a topology named "${name}" is already deployed; kill it first or choose another --name`);
}
