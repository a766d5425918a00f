import { BoltTask } from './bolt-task.js';
import { messageKey, type CrashReport, type CrashSuspect } from './crash-counts.js';
import { SpoutTask } from './spout-task.js';
import type { TupleImpl } from './tuple.js';

/**
 * What a worker dying at this moment was doing (crash-counts.ts): the spout messages (of spout
 * tasks in this engine) whose tuples local bolt tasks are executing right now — the suspects —,
 * the roots of executing trees whose spout runs in another worker (that spout outlives the crash;
 * this worker's next launch reports those roots to it, crash-reports.ts), and the failure counts of
 * every local spout message, which the crash would otherwise erase.
 */
export function findCrashReport(tasks: readonly (SpoutTask | BoltTask)[]): CrashReport {
  const spouts = tasks.filter((t): t is SpoutTask => t instanceof SpoutTask);
  const found = new SuspectList(spouts);
  for (const b of tasks) {
    if (!(b instanceof BoltTask)) continue;
    for (const tuple of b.executing()) found.add(b, tuple);
  }
  const counts = spouts.flatMap((s) => s.countsToKeep().map((c) => ({ spout: s.component, spoutTask: s.taskId, ...c })));
  return { suspects: found.suspects, remoteRoots: found.remoteRoots, counts };
}

/**
 * The suspects and remote roots of executing tuples, each once: shared by the dying worker's
 * report and the execution journal of a worker watching for a crash that leaves no report
 * (crash-journal.ts), which resolves one tuple at a time.
 */
export class SuspectList {
  readonly suspects: CrashSuspect[] = [];
  readonly remoteRoots: number[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly spouts: readonly SpoutTask[]) {}

  /** The trees of `tuple`, which bolt task `b` is executing. */
  add(b: BoltTask, tuple: TupleImpl): void {
    const a = tuple.anchors;
    if (a === null) return;
    const seen = this.seen;
    for (let i = 0; i < a.length; i += 3) {
      const root = a[i]!;
      const s = this.spouts.find((x) => x.pending.has(root));
      if (s === undefined) {
        if (!seen.has(`r${root}`)) this.remoteRoots.push(root);
        seen.add(`r${root}`);
        continue;
      }
      const p = s.pending.get(root)!;
      const key = messageKey(p.messageId);
      if (key === undefined || seen.has(`${s.taskId}\u0000${key}`)) continue;
      seen.add(`${s.taskId}\u0000${key}`);
      this.suspects.push({ spout: s.component, spoutTask: s.taskId, key, crashes: s.crashCountAfter(p.messageId), bolt: b.component, boltTask: b.taskId });
    }
  }
}
