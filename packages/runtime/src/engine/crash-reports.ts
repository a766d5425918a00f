import { ACK_OUTCOME_STREAM, ACKER_COMPONENT } from './acker.js';
import type { Plan } from './plan.js';
import type { Transfer } from './transfer.js';
import { TreeOutcome } from './tree-outcome.js';
import { untrackedTuple } from './tuple.js';

/**
 * Crash reports: how a spout learns which of its trees killed a worker it does not run in.
 *
 * A worker crash times out every tree that had a tuple there. Charging all those timeouts to
 * maxRetries dead-lettered innocent ids in a crash loop: ids that were merely in flight each time
 * the poison tuple killed its worker (97 of them in one chaos run). So a spout does not charge a
 * timeout of a tree that was pending when a worker of the topology was lost (its connection
 * dropped), or emitted before it was back (SpoutExecutor.setPeersDown) — it replays it, as always
 * (at-least-once). The dying worker knows which trees it was executing (crash-suspects.ts); for
 * spouts in other workers it keeps their roots on disk (cluster/crash-store.ts), and its next
 * launch sends each root, as an `__ack_outcome` of {@link TreeOutcome.CRASHED}, to every spout
 * task: the one that owns the root charges that message one failure (still pending: failed at
 * once; already timed out: charged late, SpoutTask.chargeLate), others ignore it. Roots are
 * random per emit, so a report cannot charge another attempt or another message, and a repeated
 * report finds nothing to charge.
 */
export function sendCrashReports(plan: Plan, transfer: Transfer, roots: readonly number[]): number {
  const ref = plan.streamTable.find((r) => r.component === ACKER_COMPONENT && r.id === ACK_OUTCOME_STREAM);
  const source = plan.tasksOf.get(ACKER_COMPONENT)?.[0];
  if (ref === undefined || source === undefined || roots.length === 0) return 0; // no ackers: nothing times out
  let sent = 0;
  for (const c of plan.components.values()) {
    if (c.kind !== 'spout') continue;
    for (const task of c.tasks) {
      for (const root of roots) {
        transfer.deliverControl(task, untrackedTuple([root, TreeOutcome.CRASHED], ref, source));
        sent++;
      }
    }
  }
  return sent;
}
