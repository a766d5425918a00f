import type { ComponentStats } from '../engine/metrics.js';

/*
 * `gale local --until-idle` ends when every tree has completed. With `maxRetries` unset a tuple
 * that fails on every attempt (a bolt that throws on it) is replayed forever, so the run never
 * ends; the replay backoff keeps that from being a hot loop, but a user sees only a run that does
 * not stop. One note says why and how to bound it.
 */

/** How often the note's condition is checked, and how long into the run it may first show (ms). */
export const REPLAY_NOTE_CHECK_MS = 4_000;
/**
 * Replays (over all spouts) that make a run look stuck on failing tuples: one poison tuple is
 * replayed ~6 times in its first 3 s under the default replay backoff (docs/acking.md).
 */
export const REPLAY_NOTE_MIN_REPLAYS = 5;

/**
 * The note for `--until-idle` when `maxRetries` is unset and spouts have replayed at least
 * {@link REPLAY_NOTE_MIN_REPLAYS} trees, more than `replayedBefore` (the count at the previous
 * check: replays that stopped are no reason for a note); undefined otherwise.
 */
export function replayNote(components: readonly ComponentStats[], maxRetries: number | null, replayedBefore: number): string | undefined {
  if (maxRetries !== null) return undefined;
  const spouts = components.filter((c) => c.kind === 'spout' && (c.replayed ?? 0) > 0);
  const replayed = totalReplayed(components);
  if (replayed < REPLAY_NOTE_MIN_REPLAYS || replayed <= replayedBefore) return undefined;
  const names = spouts.map((c) => `"${c.component}"`).join(', ');
  return `gale: note: ${replayed} failed trees replayed so far (spout ${names}) and maxRetries is not set: a tuple that fails on every attempt is replayed forever, so --until-idle would not end. --set maxRetries=3 dead-letters a message id after 3 replays (docs/acking.md, "Retries and the dead-letter stream")`;
}

/** Trees handed back to spouts for replay, over all spouts. */
export function totalReplayed(components: readonly ComponentStats[]): number {
  let n = 0;
  for (const c of components) if (c.kind === 'spout') n += c.replayed ?? 0;
  return n;
}
