import { BoltTask } from './bolt-task.js';
import { messageKey, type CrashSuspect } from './crash-counts.js';
import { SpoutTask } from './spout-task.js';

/**
 * The spout messages (of spout tasks in this engine) whose tuples local bolt tasks are executing
 * right now: what a worker dying at this moment was doing (crash-counts.ts). Trees whose spout
 * runs in another worker are not here: that spout outlives the crash and counts the timeout.
 */
export function findCrashSuspects(tasks: readonly (SpoutTask | BoltTask)[]): CrashSuspect[] {
  const spouts = tasks.filter((t): t is SpoutTask => t instanceof SpoutTask);
  const out: CrashSuspect[] = [];
  const seen = new Set<string>();
  for (const b of tasks) {
    if (!(b instanceof BoltTask)) continue;
    for (const tuple of b.executing()) {
      const a = tuple.anchors;
      if (a === null) continue;
      for (let i = 0; i < a.length; i += 3) {
        for (const s of spouts) {
          const p = s.pending.get(a[i]!);
          const key = p === undefined ? undefined : messageKey(p.messageId);
          if (key === undefined || seen.has(`${s.taskId}\u0000${key}`)) continue;
          seen.add(`${s.taskId}\u0000${key}`);
          out.push({ spout: s.component, spoutTask: s.taskId, key, crashes: s.crashCountAfter(p!.messageId), bolt: b.component, boltTask: b.taskId });
        }
      }
    }
  }
  return out;
}
