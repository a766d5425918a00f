import type { Topology } from '../api/builder.js';
import type { ComponentStats } from '../engine/metrics.js';

/*
 * `gale local --until-idle` ends when every tree has completed. An event-time windowed bolt
 * without `idleFlushMs` holds the inputs of its last windows until later input moves its
 * watermark past them; with a finished input that never happens, so the run looks done (nothing
 * moves) and never ends. One note says what, why and how to fix it.
 */

/** How often the note's condition is checked (ms): it shows when nothing moved between two checks. */
export const IDLE_HINT_CHECK_MS = 3_000;

/** Event-time windowed bolts without `idleFlushMs`: their last windows never close on their own. */
export function unflushedWindows(topology: Topology): string[] {
  const out: string[] = [];
  for (const c of topology.components.values()) if (c.kind === 'bolt' && c.eventTimeWindow !== undefined && c.eventTimeWindow.idleFlushMs === undefined) out.push(c.id);
  return out;
}

/**
 * What moves in a run: per component, emitted, acked, failed, queued and pending (equal twice:
 * nothing moved between). Not `executed`: a window's ticks count there while nothing moves.
 */
export function progressMark(stats: readonly ComponentStats[]): string {
  return stats.map((s) => `${s.component}:${s.emitted}:${s.acked}:${s.failed}:${s.queueDepth}:${s.pending}`).join(' ');
}

/**
 * The note when nothing moved since the last check (`before`, from {@link progressMark}) while
 * spouts still wait for trees and `windows` (from {@link unflushedWindows}) is not empty;
 * undefined otherwise.
 */
export function idleWindowHint(stats: readonly ComponentStats[], before: string | undefined, windows: readonly string[]): string | undefined {
  if (windows.length === 0 || before !== progressMark(stats)) return undefined;
  let pending = 0;
  for (const s of stats) if (s.kind === 'spout') pending += s.pending;
  if (pending === 0) return undefined;
  const names = windows.map((w) => `"${w}"`).join(', ');
  return `gale: note: nothing has moved for ${IDLE_HINT_CHECK_MS / 1000}s but ${pending} tuple trees are still pending: windowed bolt ${names} uses event time without idleFlushMs, so its last windows hold their inputs until later input moves the watermark, which a finished input never does, and --until-idle would not end. Give the window spec idleFlushMs (e.g. idleFlushMs: 2000) to fire the last windows once input stops, or stop the run with Ctrl-C (docs/windowing.md, idleFlushMs)`;
}
