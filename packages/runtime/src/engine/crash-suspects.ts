import { BoltTask } from './bolt-task.js';
import { messageKey, type CrashReport, type CrashSuspect } from './crash-counts.js';
import { SpoutTask } from './spout-task.js';

/**
 * What a worker dying at this moment was doing (crash-counts.ts): the spout messages (of spout
 * tasks in this engine) whose tuples local bolt tasks are executing right now — the suspects —,
 * the roots of executing trees whose spout runs in another worker (that spout outlives the crash;
 * this worker's next launch reports those roots to it, crash-reports.ts), and the failure counts of
 * every local spout message, which the crash would otherwise erase.
 */
export function findCrashReport(tasks: readonly (SpoutTask | BoltTask)[]): CrashReport {
  const spouts = tasks.filter((t): t is SpoutTask => t instanceof SpoutTask);
  const suspects: CrashSuspect[] = [];
  const remoteRoots: number[] = [];
  const seen = new Set<string>();
  for (const b of tasks) {
    if (!(b instanceof BoltTask)) continue;
    for (const tuple of b.executing()) {
      const a = tuple.anchors;
      if (a === null) continue;
      for (let i = 0; i < a.length; i += 3) {
        const root = a[i]!;
        const s = spouts.find((x) => x.pending.has(root));
        if (s === undefined) {
          if (!seen.has(`r${root}`)) remoteRoots.push(root);
          seen.add(`r${root}`);
          continue;
        }
        const p = s.pending.get(root)!;
        const key = messageKey(p.messageId);
        if (key === undefined || seen.has(`${s.taskId}\u0000${key}`)) continue;
        seen.add(`${s.taskId}\u0000${key}`);
        suspects.push({ spout: s.component, spoutTask: s.taskId, key, crashes: s.crashCountAfter(p.messageId), bolt: b.component, boltTask: b.taskId });
      }
    }
  }
  const counts = spouts.flatMap((s) => s.countsToKeep().map((c) => ({ spout: s.component, spoutTask: s.taskId, ...c })));
  return { suspects, remoteRoots, counts };
}

