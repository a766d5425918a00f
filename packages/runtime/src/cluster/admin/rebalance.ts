import { assignmentSettleMs, killAfterMs, type ClusterConfig } from '../../config/cluster-config.js';
import { didYouMean } from '../../config/did-you-mean.js';
import { ACKER_COMPONENT } from '../../engine/engine.js';
import type { Assignment, TopologyRecord, WorkerHeartbeat } from '../model.js';
import { workerKeepsRunning } from '../assignment-diff.js';
import { AdminRequestError, ClusterCommandError } from './errors.js';
import { pollUntil } from './poll.js';
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
  /** The assignment before the change (undefined if the topology had none yet). */
  readonly previous: Assignment | undefined;
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
  return { before, after, previous, changes: describeChanges(before, after), settled: rebalanceSettled(after, previous, performance.now(), cfg) };
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

/** Where a wait for the drain of the workers a rebalance stops stands. */
export type DrainProgress =
  /** `workers` old workers still run and drain, for at most `upToS` seconds (drainTimeoutMs + drainGraceMs). */
  | { readonly step: 'draining'; readonly workers: number; readonly upToS: number }
  | { readonly step: 'drained'; readonly workers: number }
  /** Still heartbeating after `upToS`: their supervisors SIGKILL them (the heartbeat lingers until their session expires). */
  | { readonly step: 'overdue'; readonly workers: number };

/**
 * Waits (up to `waitS` seconds) for the rebalanced assignment, then for the old workers it stops
 * to drain: each may take its topology's drainTimeoutMs plus the supervisors' drainGraceMs before
 * the new workers start in their slots, so a wait for the new workers that ignored it would time
 * out. Never throws a timeout itself: the wait for the new workers that follows reports what is missing.
 */
export async function waitForRebalanceDrain(
  session: AdminSession, name: string, result: RebalanceResult, waitS: number, cfg: ClusterConfig, onProgress: (p: DrainProgress) => void = () => {},
): Promise<void> {
  const next = await pollUntil(async () => {
    const a = await session.assignment(name);
    return a !== undefined && result.settled(a) ? a : undefined;
  }, waitS * 1000, cfg.adminPollMs);
  if (next === undefined) return;
  const draining = drainingWorkers(next, result.previous, await session.heartbeats(name));
  if (draining.length === 0) return;
  const upToMs = killAfterMs(result.after.config.drainTimeoutMs, cfg);
  onProgress({ step: 'draining', workers: draining.length, upToS: Math.ceil(upToMs / 1000) });
  const pids = new Set(draining.map((b) => `${b.supervisor}/${b.pid}`));
  const left = async (): Promise<number> => (await session.heartbeats(name)).filter((b) => pids.has(`${b.supervisor}/${b.pid}`)).length;
  const done = await pollUntil(async () => ((await left()) === 0 ? true : undefined), upToMs, cfg.adminPollMs);
  onProgress(done === true ? { step: 'drained', workers: draining.length } : { step: 'overdue', workers: await left() });
}

/**
 * Heartbeats of workers older than `next` that it stops: a worker keeps running when `next` only
 * moves its peers, or when it applies `next` in place (a rebalance of parallelism over the same
 * worker slots); otherwise its supervisor restarts it (assignment-diff.ts, the rule supervisors
 * and workers follow).
 */
export function drainingWorkers(next: Assignment, previous: Assignment | undefined, beats: readonly WorkerHeartbeat[]): WorkerHeartbeat[] {
  return beats.filter((b) => b.assignmentVersion < next.version && !(previous !== undefined && workerKeepsRunning(previous, next, b)));
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
