import { BoltTask } from './bolt-task.js';
import type { SpoutTask } from './spout-task.js';
import type { FailOutcome } from './tree-outcome.js';

/**
 * Fails the trees of a tuple that could not be sent (too large for a frame, a value the wire
 * cannot carry), from the local task that emitted it (`source`), at once and with that reason,
 * instead of letting them time out: a spout task fails its own trees, a bolt task tells the acker.
 */
export function failUnsent(source: SpoutTask | BoltTask | undefined, anchors: readonly number[] | null, outcome: FailOutcome): void {
  if (anchors === null || source === undefined) return;
  if (source instanceof BoltTask) {
    source.failRoots(anchors, outcome);
    return;
  }
  for (let i = 0; i < anchors.length; i += 3) source.failTree(anchors[i]!, outcome);
}
