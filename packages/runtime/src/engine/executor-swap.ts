import type { BoltExecutor } from './bolt-executor.js';
import type { AnyExecutor } from './executor-set.js';
import type { EngineLog } from './ports.js';
import { SpoutExecutor } from './spout-executor.js';
import { closeOpened } from './task-close.js';
import type { PlannedExecutor } from './plan.js';
import type { TupleImpl } from './tuple.js';
import { TreeOutcome } from './tree-outcome.js';

/**
 * Changing which executors run in a live engine (a cluster worker following a rebalance): which
 * executors stay, which go and which come, and failing at once the work the ones that go hold, so
 * that its trees are replayed by their spouts now instead of after messageTimeoutMs.
 */

/** An executor's identity: its component, index and tasks (a new parallelism changes the tasks). */
export function executorIdentity(e: Pick<PlannedExecutor, 'index' | 'tasks'> & { component: { id: string } }): string {
  return `${e.component.id}#${e.index}:${e.tasks.join(',')}`;
}

export interface ExecutorDiff {
  /** Executors that run here before and after, unchanged (identity as {@link executorIdentity}). */
  readonly kept: readonly string[];
  readonly removed: readonly PlannedExecutor[];
  readonly added: readonly PlannedExecutor[];
}

/** What changes between two sets of local executors. Pure. */
export function diffExecutors(before: readonly PlannedExecutor[], after: readonly PlannedExecutor[]): ExecutorDiff {
  const was = new Set(before.map(executorIdentity));
  const will = new Set(after.map(executorIdentity));
  return {
    kept: [...was].filter((k) => will.has(k)),
    removed: before.filter((e) => !will.has(executorIdentity(e))),
    added: after.filter((e) => !was.has(executorIdentity(e))),
  };
}

/**
 * Fails the trees of every tuple a bolt executor that is going away still holds — queued, waiting
 * in its network backlog, or emitted but held in its outbox — through the acker, at once. Returns
 * how many tuples it failed.
 */
export function failHeldTuples(ex: BoltExecutor): number {
  let n = 0;
  const byTask = (task: number): (typeof ex.tasks)[number] | undefined => ex.tasks.find((t) => t.taskId === task) ?? ex.tasks[0];
  const fail = (task: number, tuple: TupleImpl): boolean => {
    if (!tuple.stream.control) {
      byTask(task)?.failRoots(tuple.anchors, TreeOutcome.FAILED_STOPPED);
      n++;
    }
    return true;
  };
  ex.takeBacklog(fail);
  for (let t = ex.queue.shift(); t !== undefined; t = ex.queue.shift()) fail(ex.queue.lastTag, t);
  // Emitted by this executor and not yet handed on: the same trees, failed from the emitting executor.
  ex.outbox.drain((_target, tuple) => {
    if (!tuple.stream.control) {
      byTask(tuple.sourceTask)?.failRoots(tuple.anchors, TreeOutcome.FAILED_STOPPED);
      n++;
    }
    return true;
  });
  return n;
}

/** Closes an executor that left: its held tuples (queued, and the inputs its windows hold) fail now; spouts are closed, bolts cleaned up. */
export async function retireExecutor(ex: AnyExecutor, log: EngineLog): Promise<void> {
  ex.retired = true;
  if (ex instanceof SpoutExecutor) {
    ex.active = false;
    ex.close();
    await closeOpened(ex.tasks);
    return;
  }
  let failed = failHeldTuples(ex);
  // The inputs its windows hold (api/held-inputs.ts): those windows will never fire, here or on the new worker.
  for (const t of ex.tasks) failed += t.failHeldInputs();
  if (failed > 0) log.info({ component: ex.component, executor: ex.index, failed }, 'executor moved away: the tuples it held failed, to be replayed');
  await closeOpened(ex.tasks);
}

/**
 * A data tuple from another worker that the engine refused (its task moved away in a rebalance,
 * or is not open here yet): fails its trees through the acker now, from any local user bolt task,
 * so their spouts replay them at once instead of after messageTimeoutMs. As FAILED_STOPPED, as a
 * drain fails what it held: the routing failed, not the tuple, so it is not charged to maxRetries
 * (a rebalance must not dead-letter what never failed). False when there is no such task (the
 * trees then time out).
 */
export function failRefused(bolts: readonly BoltExecutor[], anchors: readonly number[] | null): boolean {
  if (anchors === null) return false;
  const via = bolts.find((ex) => ex.tasks[0]?.canFail === true);
  if (via === undefined) return false;
  via.tasks[0]!.failRoots(anchors, TreeOutcome.FAILED_STOPPED);
  return true;
}
