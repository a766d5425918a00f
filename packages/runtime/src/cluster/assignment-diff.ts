import type { Assignment, WorkerAssignment } from './model.js';
import { parseExecutorKey } from './model.js';

/**
 * What a new assignment changes for the workers of a topology, and which changes a running worker
 * applies in place (pure; the supervisor, the worker and `gale rebalance --wait` decide alike).
 *
 * An executor is `component#index`; its tasks follow from the component's parallelism (tasks are
 * fixed at deploy), so an executor "changes" when it appears, goes, or its component's
 * parallelism changes. A new assignment over the same worker slots with the same code (a
 * rebalance that only changes parallelism) is applied in place: each worker stops the executors
 * that went and opens the ones that came, and everything else keeps running. Any other change
 * (workers added or removed, new code) restarts the workers whose executors changed, as before.
 */

/** What a supervisor runs in a slot: a different identity means a new worker process (supervisor.ts). */
export function workerIdentity(a: Assignment, w: WorkerAssignment): string {
  return JSON.stringify([a.topology, a.codeSha256, [...w.executors].sort(), a.parallelism]);
}

/** `supervisor:port` of every worker, sorted. */
export function workerSlots(a: Assignment): string[] {
  return a.workers.map((w) => `${w.supervisor}:${w.port}`).sort();
}

/** True when `next` can be applied by the running workers of `prev` without restarting any. */
export function appliesInPlace(prev: Assignment, next: Assignment): boolean {
  if (prev.topology !== next.topology || prev.codeSha256 !== next.codeSha256) return false;
  const a = workerSlots(prev);
  const b = workerSlots(next);
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** An executor with the parallelism of its component: equal strings run the same tasks. */
function executorIdentity(a: Assignment, key: string): string {
  const { component } = parseExecutorKey(key);
  return `${key}/${a.parallelism[component] ?? '?'}`;
}

/** The executors of a worker that change between two assignments (what a rebalance moves). */
export interface WorkerChange {
  readonly worker: string;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** Per worker slot (of either assignment), the executors that come and go; workers without changes are left out. */
export function executorChanges(prev: Assignment, next: Assignment): WorkerChange[] {
  const slots = [...new Set([...workerSlots(prev), ...workerSlots(next)])].sort();
  const on = (a: Assignment, slot: string): WorkerAssignment | undefined => a.workers.find((w) => `${w.supervisor}:${w.port}` === slot);
  const out: WorkerChange[] = [];
  for (const slot of slots) {
    const before = new Map((on(prev, slot)?.executors ?? []).map((k) => [executorIdentity(prev, k), k]));
    const after = new Map((on(next, slot)?.executors ?? []).map((k) => [executorIdentity(next, k), k]));
    const added = [...after].filter(([id]) => !before.has(id)).map(([, k]) => k).sort();
    const removed = [...before].filter(([id]) => !after.has(id)).map(([, k]) => k).sort();
    if (added.length > 0 || removed.length > 0) out.push({ worker: slot, added, removed });
  }
  return out;
}

/** Same code, same parallelism everywhere, and the worker runs the same executors: only its peers may have moved. */
export function sameExecutors(prev: Assignment, prevW: WorkerAssignment, next: Assignment, nextW: WorkerAssignment): boolean {
  const a = [...prevW.executors].sort();
  const b = [...nextW.executors].sort();
  const components = new Set([...Object.keys(prev.parallelism), ...Object.keys(next.parallelism)]);
  return prev.codeSha256 === next.codeSha256 && [...components].every((c) => prev.parallelism[c] === next.parallelism[c])
    && a.length === b.length && a.every((k, i) => k === b[i]);
}

/**
 * Whether the worker in `slot` keeps running from `prev` to `next`: the change applies in place,
 * or its own executors did not change. Otherwise it drains and its supervisor starts a new one.
 */
export function workerKeepsRunning(prev: Assignment, next: Assignment, slot: { supervisor: string; port: number }): boolean {
  const find = (a: Assignment): WorkerAssignment | undefined => a.workers.find((w) => w.supervisor === slot.supervisor && w.port === slot.port);
  const p = find(prev);
  const n = find(next);
  if (p === undefined || n === undefined) return false;
  return appliesInPlace(prev, next) || sameExecutors(prev, p, next, n);
}
