import type { Assignment, SupervisorInfo, WorkerAssignment } from './model.js';

/**
 * Evening out valid assignments after supervisors join (issue 13, item 4). The even scheduler
 * keeps a valid assignment as it is, so after a whole-cluster restart the supervisor that came
 * back first kept every worker for good. This plans a few worker moves toward an even spread;
 * the leader applies them as new assignment versions, and each move is what a rebalance does to
 * a worker: the old slot drains and stops, the new one starts with the same executors.
 *
 * "Even" is measured by a potential, the sum of squared worker counts per supervisor plus twice
 * the sum of squared worker counts per (topology, supervisor). A move is made only when it
 * lowers the potential, so planning stops, and nothing moves once every supervisor's count and
 * every topology's count per supervisor differ by at most one. The per-topology term weighs
 * double so that a topology's own workers spread out (one supervisor lost costs it least) even
 * when the supervisors' totals are already level (t1 on s1 and t2 on s2 become one of each).
 */

/** What the leader knows when it plans moves; pure data, no clock. */
export interface SpreadInput {
  /** Every topology's assignment, in deploy order (ties between equal moves go to the earliest). Corrupt topologies' too: their slots stay taken. */
  readonly assignments: readonly Assignment[];
  readonly supervisors: readonly SupervisorInfo[];
  /** Supervisors workers may move to: registered for `spreadCoolDownMs` without a break. */
  readonly eligible: ReadonlySet<string>;
  /** Topologies whose workers may move: settled (every worker runs the current version, no old worker still draining). */
  readonly movable: ReadonlySet<string>;
  /** At most this many moves (`spreadMaxMovesPerPeriod`). */
  readonly maxMoves: number;
}

/** One worker moved from one slot to another, executors unchanged. */
export interface SpreadMove {
  readonly topology: string;
  readonly from: { readonly supervisor: string; readonly port: number };
  readonly to: { readonly supervisor: string; readonly port: number };
}

/** The planned moves, and the changed assignments (each one version up, once however many of its workers move). */
export interface SpreadPlan {
  readonly moves: SpreadMove[];
  readonly assignments: Assignment[];
}

const slotKey = (supervisor: string, port: number): string => `${supervisor}:${port}`;

/** Plans at most `maxMoves` worker moves, each lowering the spread's potential the most (see the module comment). */
export function planSpread(input: SpreadInput): SpreadPlan {
  const live = new Map([...input.supervisors].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((s) => [s.id, s]));
  const used = new Set<string>();
  const load = new Map<string, number>([...live.keys()].map((id) => [id, 0]));
  const count = new Map<string, Map<string, number>>();
  const workers = new Map<string, WorkerAssignment[]>();
  for (const a of input.assignments) {
    const perSup = new Map<string, number>();
    count.set(a.topology, perSup);
    workers.set(a.topology, a.workers.map((w) => ({ ...w })));
    for (const w of a.workers) {
      used.add(slotKey(w.supervisor, w.port));
      if (!live.has(w.supervisor)) continue;
      load.set(w.supervisor, load.get(w.supervisor)! + 1);
      perSup.set(w.supervisor, (perSup.get(w.supervisor) ?? 0) + 1);
    }
  }
  const freePort = (s: SupervisorInfo): number | undefined => [...s.ports].sort((x, y) => x - y).find((p) => !used.has(slotKey(s.id, p)));
  const moves: SpreadMove[] = [];
  const changed = new Set<string>();
  while (moves.length < input.maxMoves) {
    let best: { topology: string; index: number; to: SupervisorInfo; port: number; delta: number } | undefined;
    for (const a of input.assignments) {
      if (!input.movable.has(a.topology)) continue;
      const perSup = count.get(a.topology)!;
      const ws = workers.get(a.topology)!;
      ws.forEach((w, index) => {
        if (!live.has(w.supervisor)) return;
        for (const to of live.values()) {
          if (to.id === w.supervisor || !input.eligible.has(to.id)) continue;
          const port = freePort(to);
          if (port === undefined) continue;
          const delta = 2 * (load.get(to.id)! - load.get(w.supervisor)! + 1) + 4 * ((perSup.get(to.id) ?? 0) - perSup.get(w.supervisor)! + 1);
          if (delta < 0 && (best === undefined || delta < best.delta)) best = { topology: a.topology, index, to, port, delta };
        }
      });
    }
    if (best === undefined) break;
    const ws = workers.get(best.topology)!;
    const w = ws[best.index]!;
    const perSup = count.get(best.topology)!;
    used.delete(slotKey(w.supervisor, w.port));
    used.add(slotKey(best.to.id, best.port));
    load.set(w.supervisor, load.get(w.supervisor)! - 1);
    load.set(best.to.id, load.get(best.to.id)! + 1);
    perSup.set(w.supervisor, perSup.get(w.supervisor)! - 1);
    perSup.set(best.to.id, (perSup.get(best.to.id) ?? 0) + 1);
    moves.push({ topology: best.topology, from: { supervisor: w.supervisor, port: w.port }, to: { supervisor: best.to.id, port: best.port } });
    ws[best.index] = { supervisor: best.to.id, host: best.to.host, port: best.port, executors: w.executors };
    changed.add(best.topology);
  }
  const assignments = input.assignments
    .filter((a) => changed.has(a.topology))
    .map((a) => ({ ...a, version: a.version + 1, workers: workers.get(a.topology)! }));
  return { moves, assignments };
}

/**
 * The leader's view of how long each supervisor has been registered, on its own monotonic clock.
 * A supervisor that left (or re-registered: a new pid or registration time) starts over, so one
 * that flaps never becomes a destination; a new leader starts every supervisor over (moves wait
 * one cool-down after a leader change, never sooner).
 */
export class RegistrationAges {
  private readonly seen = new Map<string, { key: string; sinceMs: number }>();

  /** Records the supervisors registered now; returns those registered for at least `coolDownMs`. */
  observe(supervisors: readonly SupervisorInfo[], nowMs: number, coolDownMs: number): Set<string> {
    const present = new Set<string>();
    const eligible = new Set<string>();
    for (const s of supervisors) {
      present.add(s.id);
      const key = `${s.pid}:${s.startedAt}`;
      const prior = this.seen.get(s.id);
      const entry = prior !== undefined && prior.key === key ? prior : { key, sinceMs: nowMs };
      this.seen.set(s.id, entry);
      if (nowMs - entry.sinceMs >= coolDownMs) eligible.add(s.id);
    }
    for (const id of [...this.seen.keys()]) if (!present.has(id)) this.seen.delete(id);
    return eligible;
  }
}
