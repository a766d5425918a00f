import type { Assignment, SupervisorInfo, TopologyRecord, WorkerAssignment } from './model.js';
import { executorKey } from './model.js';
import { stickyGroups } from './sticky-deal.js';

/** A free worker slot on a live supervisor. */
export interface Slot {
  readonly supervisor: string;
  readonly host: string;
  readonly port: number;
}

/**
 * Free slots: every port of every live supervisor not used by another topology's assignment,
 * interleaved across supervisors (s1:p1, s2:p1, s1:p2, ...) so consecutive picks spread out,
 * the least loaded supervisors first (fewest workers assigned, then id), so that new work goes
 * where there is least and the spread rarely needs moves afterwards (cluster/spread.ts).
 */
export function freeSlots(supervisors: readonly SupervisorInfo[], others: readonly Assignment[], exclude: ReadonlySet<string> = new Set()): Slot[] {
  const used = new Set(others.flatMap((a) => a.workers.map((w) => `${w.supervisor}:${w.port}`)));
  const load = new Map<string, number>();
  for (const a of others) for (const w of a.workers) load.set(w.supervisor, (load.get(w.supervisor) ?? 0) + 1);
  const perSup = [...supervisors]
    .sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((s) => [...s.ports].sort((a, b) => a - b)
      .filter((p) => !used.has(`${s.id}:${p}`) && !exclude.has(`${s.id}:${p}`))
      .map((port) => ({ supervisor: s.id, host: s.host, port })));
  const out: Slot[] = [];
  for (let i = 0; perSup.some((l) => i < l.length); i++) for (const l of perSup) if (i < l.length) out.push(l[i]!);
  return out;
}

/**
 * The order in which topologies claim free slots: deploy time, then name. A topology deployed
 * while the cluster was full waits for the slots freed next, ahead of any deployed after it,
 * whatever their names.
 */
export function deployOrder(records: Iterable<Pick<TopologyRecord, 'name' | 'deployedAt'>>): string[] {
  return [...records]
    .sort((a, b) => a.deployedAt - b.deployedAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((r) => r.name);
}

/** Every executor of a topology, in a stable order: components sorted, then by index. */
export function executorsOf(record: TopologyRecord): string[] {
  const out: string[] = [];
  for (const c of Object.keys(record.parallelism).sort()) {
    for (let i = 0; i < record.parallelism[c]!; i++) out.push(executorKey(c, i));
  }
  return out;
}

/**
 * The even scheduler (Storm's default): `min(workers, slots)` workers, spread over supervisors,
 * executors dealt round-robin over them so each component is spread too. Keeps the current
 * assignment when it is still valid (same executors, same worker count, all slots alive), so
 * nothing restarts needlessly. Returns undefined when there is no free slot at all.
 */
export function scheduleTopology(
  record: TopologyRecord,
  current: Assignment | undefined,
  supervisors: readonly SupervisorInfo[],
  others: readonly Assignment[],
  exclude: ReadonlySet<string> = new Set(),
): Assignment | undefined {
  const executors = executorsOf(record);
  if (current !== undefined && isStillValid(record, current, executors, supervisors, others, exclude)) return current;
  const slots = freeSlots(supervisors, others, exclude);
  if (slots.length === 0) return undefined;
  // Prefer slots the topology already has, to limit moves.
  const mine = new Set(current?.workers.map((w) => `${w.supervisor}:${w.port}`) ?? []);
  slots.sort((a, b) => Number(mine.has(`${b.supervisor}:${b.port}`)) - Number(mine.has(`${a.supervisor}:${a.port}`)));
  const n = Math.min(record.workers, slots.length, Math.max(1, executors.length));
  const chosen = spread(slots, n);
  const slotIds = chosen.map((s) => `${s.supervisor}:${s.port}`);
  let groups: string[][] = chosen.map(() => []);
  // The same slots as now (a rebalance of parallelism): unchanged executors stay where they run.
  if (current !== undefined && slotIds.length === current.workers.length && current.workers.every((w) => slotIds.includes(`${w.supervisor}:${w.port}`))) {
    groups = stickyGroups(current, slotIds, executors, record.parallelism);
  } else executors.forEach((e, i) => groups[i % n]!.push(e));
  const workers: WorkerAssignment[] = chosen.map((s, i) => ({ supervisor: s.supervisor, host: s.host, port: s.port, executors: groups[i]! }));
  return {
    topology: record.name,
    version: (current?.version ?? 0) + 1,
    codeSha256: record.codeSha256,
    parallelism: { ...record.parallelism },
    workers,
  };
}

/** Picks n slots spreading over supervisors first (the slot list is already interleaved, but mine-first sorting may not be). */
function spread(slots: readonly Slot[], n: number): Slot[] {
  const bySup = new Map<string, Slot[]>();
  for (const s of slots) bySup.set(s.supervisor, [...(bySup.get(s.supervisor) ?? []), s]);
  const lists = [...bySup.values()];
  const out: Slot[] = [];
  for (let i = 0; out.length < n; i++) {
    for (const l of lists) {
      if (out.length < n && i < l.length) out.push(l[i]!);
    }
  }
  return out;
}

function isStillValid(
  record: TopologyRecord, current: Assignment, executors: readonly string[], supervisors: readonly SupervisorInfo[],
  others: readonly Assignment[], exclude: ReadonlySet<string>,
): boolean {
  if (current.codeSha256 !== record.codeSha256) return false;
  const assigned = current.workers.flatMap((w) => w.executors).sort();
  const wanted = [...executors].sort();
  if (assigned.length !== wanted.length || assigned.some((e, i) => e !== wanted[i])) return false;
  const live = new Map(supervisors.map((s) => [s.id, s]));
  const taken = new Set(others.flatMap((a) => a.workers.map((w) => `${w.supervisor}:${w.port}`)));
  for (const w of current.workers) {
    const s = live.get(w.supervisor);
    if (s === undefined || !s.ports.includes(w.port) || exclude.has(`${w.supervisor}:${w.port}`) || taken.has(`${w.supervisor}:${w.port}`)) return false;
  }
  // More slots may have appeared: a topology short of its workers is rescheduled to use them.
  if (current.workers.length < Math.min(record.workers, executors.length)) {
    return freeSlots(supervisors, [...others, current], exclude).length === 0;
  }
  return current.workers.length <= Math.min(record.workers, executors.length);
}
