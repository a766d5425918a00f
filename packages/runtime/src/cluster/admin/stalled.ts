import type { ComponentStats } from '../../engine/metrics.js';

/** Whether a topology's trees stall, and the numbers behind the verdict (`gale status`, `gale list`, REST). */
export interface StallReport {
  /** Spouts have trees pending and none completed a tree for longer than `messageTimeoutMs`. */
  stalled: boolean;
  /** Trees pending over every spout task that reported. */
  pending: number;
  /** Least `sinceCompletionMs` over the spouts (the most recent completion anywhere); null when no spout reported one. */
  sinceCompletionMs: number | null;
}

/** What the predicate reads of a component's stats (`kind` undefined: no worker reported it yet). */
export type StallInput = Pick<ComponentStats, 'pending' | 'sinceCompletionMs'> & { readonly kind: ComponentStats['kind'] | undefined };

/**
 * The stalled-tree predicate, on the spout rows of a topology's merged stats: stalled when the
 * spouts hold pending trees (pending > 0) and no spout task on any worker completed a tree
 * (acked, or failed by a bolt; a `resetTimeout` counts too) for more than `messageTimeoutMs`.
 * Timeouts are no completions: a bolt that holds every tuple makes trees time out and replay
 * forever, pending never empties, and that is the stall this reports. One spout completing anywhere means the topology moves, so it
 * is not flagged. Workers that sent no `sinceCompletionMs` (older versions) give no verdict.
 * `sinceCompletionMs` is as old as the last heartbeat (one heartbeat period at most): it is a
 * duration measured on each worker's own clock, so machines' clocks never need to agree.
 */
export function stallOf(components: readonly StallInput[], messageTimeoutMs: number): StallReport {
  const spouts = components.filter((c) => c.kind === 'spout');
  const pending = spouts.reduce((n, c) => n + (c.pending ?? 0), 0);
  const known = spouts.map((c) => c.sinceCompletionMs).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const sinceCompletionMs = known.length === 0 ? null : Math.min(...known);
  return { stalled: pending > 0 && sinceCompletionMs !== null && sinceCompletionMs > messageTimeoutMs, pending, sinceCompletionMs };
}
