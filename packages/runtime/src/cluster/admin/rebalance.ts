import { assignmentSettleMs, type ClusterConfig } from '../../config/cluster-config.js';
import { didYouMean } from '../../config/did-you-mean.js';
import { ACKER_COMPONENT } from '../../engine/engine.js';
import type { Assignment, TopologyRecord } from '../model.js';
import { AdminRequestError, ClusterCommandError } from './errors.js';
import type { AdminSession } from './session.js';

export interface RebalanceRequest {
  /** New worker count; undefined keeps it. */
  readonly workers: number | undefined;
  /** Executors per component to change; the others keep theirs. */
  readonly parallelism: Readonly<Record<string, number>>;
}

export interface RebalanceResult {
  readonly before: TopologyRecord;
  readonly after: TopologyRecord;
  /** `workers 1 -> 2`, `split 2 -> 4 executors`; empty when nothing changed. */
  readonly changes: string[];
  /** True once `a` is the assignment of the rebalanced topology (see {@link rebalanceSettled}). */
  readonly settled: (a: Assignment) => boolean;
}

/**
 * Changes the worker count and/or executors per component in the topology record (compare-and-
 * set); the leader computes a new assignment and supervisors restart the workers whose executors
 * changed. AdminRequestError for a component that does not exist or too many executors.
 */
export async function rebalanceTopology(session: AdminSession, name: string, req: RebalanceRequest, cfg: ClusterConfig): Promise<RebalanceResult> {
  const previous = await session.assignment(name);
  const { before, after } = await session.updateRecord(name, (r) => {
    if (r.status === 'killed') throw new ClusterCommandError('GALE_ERR_TOPOLOGY_KILLED', `topology "${name}" is being killed; it cannot be rebalanced`);
    checkParallelism(r, req.parallelism);
    const next: TopologyRecord = { ...r, workers: req.workers ?? r.workers, parallelism: { ...r.parallelism, ...req.parallelism } };
    return JSON.stringify(next) === JSON.stringify(r) ? undefined : next;
  });
  return { before, after, changes: describeChanges(before, after), settled: rebalanceSettled(after, previous, performance.now(), cfg) };
}

/**
 * Whether an assignment is the one for the rebalanced record: same plan, no more workers than
 * wanted, and either a new version, the wanted worker count, or the leader has had time to
 * change it (an unchanged assignment is then final: fewer free slots than wanted workers).
 */
export function rebalanceSettled(after: TopologyRecord, previous: Assignment | undefined, since: number, cfg: ClusterConfig): (a: Assignment) => boolean {
  const settleMs = assignmentSettleMs(cfg);
  return (a) => samePlan(a.parallelism, after.parallelism) && a.workers.length <= after.workers
    && (previous === undefined || a.version > previous.version || a.workers.length === after.workers || performance.now() - since > settleMs);
}

/** Every component exists and gets 1..numTasks executors; the acker count is fixed at deploy. */
export function checkParallelism(r: TopologyRecord, wanted: Readonly<Record<string, number>>): void {
  for (const [component, n] of Object.entries(wanted)) {
    if (component === ACKER_COMPONENT) {
      throw new AdminRequestError('GALE_ERR_USAGE', `the acker count of "${r.name}" is fixed at deploy (--set ackers=<n>); it cannot be rebalanced`);
    }
    const known = Object.keys(r.parallelism).filter((c) => c !== ACKER_COMPONENT);
    if (!(component in r.parallelism)) {
      throw new AdminRequestError('GALE_ERR_UNKNOWN_COMPONENT',
        `topology "${r.name}" has no component "${component}"${didYouMean(component, known)}; components: ${known.join(', ')}`);
    }
    const max = r.numTasks[component] ?? r.parallelism[component]!;
    if (n > max) {
      throw new AdminRequestError('GALE_ERR_USAGE',
        `--parallelism ${component}=${n}: "${component}" has ${max} task${max === 1 ? '' : 's'}, so at most ${max} executor${max === 1 ? '' : 's'} (numTasks is fixed at deploy)`);
    }
  }
}

function samePlan(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

function describeChanges(before: TopologyRecord, after: TopologyRecord): string[] {
  const out: string[] = [];
  if (before.workers !== after.workers) out.push(`workers ${before.workers} -> ${after.workers}`);
  for (const c of Object.keys(after.parallelism).sort()) {
    if (before.parallelism[c] !== after.parallelism[c]) out.push(`${c} ${before.parallelism[c]} -> ${after.parallelism[c]} executors`);
  }
  return out;
}
