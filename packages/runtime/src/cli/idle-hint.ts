import type { Topology } from '../api/builder.js';
import type { ComponentStats } from '../engine/metrics.js';

/*
 * `gale local --until-idle` ends when every tree has completed. An event-time windowed bolt
 * without `idleFlushMs` holds the inputs of its last windows until later input moves its
 * watermark past them; with a finished input that never happens, so the run looks done (nothing
 * moves) and never ends. One note says what, why and how to fix it.
 */

/** How long nothing must have moved before the note shows (ms). */
export const IDLE_HINT_QUIET_MS = 3_000;
/**
 * How often the progress is sampled (ms). Short next to {@link IDLE_HINT_QUIET_MS}: the note shows
 * about 3 s after the last movement, not 3 to 6 s (a burst of replays and dead letters ending just
 * after one check would otherwise hide until two checks later).
 */
export const IDLE_HINT_CHECK_MS = 500;

/** Event-time windowed bolts without `idleFlushMs`: their last windows never close on their own. */
export function unflushedWindows(topology: Topology): string[] {
  const out: string[] = [];
  for (const c of topology.components.values()) if (c.kind === 'bolt' && c.eventTimeWindow !== undefined && c.eventTimeWindow.idleFlushMs === undefined) out.push(c.id);
  return out;
}

/**
 * What moves in a run: per spout and bolt, emitted, acked, failed, queued and pending (equal
 * twice: nothing moved between). Not `executed`: a window's ticks count there while nothing
 * moves. Not the acker: its counts follow the spouts' and bolts'.
 */
export function progressMark(stats: readonly ComponentStats[]): string {
  return stats.filter((s) => s.kind !== 'acker').map((s) => `${s.component}:${s.emitted}:${s.acked}:${s.failed}:${s.queueDepth}:${s.pending}`).join(' ');
}

/**
 * Samples a run's stats (every {@link IDLE_HINT_CHECK_MS}) and gives the note once, when nothing
 * moved for {@link IDLE_HINT_QUIET_MS} since the last movement (the clock restarts on every
 * change of {@link progressMark}).
 */
export class IdleWatch {
  private mark: string | undefined;
  private quietSince = 0;
  private shown = false;

  constructor(private readonly windows: readonly string[]) {}

  /** The note when it is due (once); undefined otherwise. `nowMs`: a monotonic clock. */
  observe(stats: readonly ComponentStats[], nowMs: number): string | undefined {
    const mark = progressMark(stats);
    if (mark !== this.mark) {
      this.mark = mark;
      this.quietSince = nowMs;
      return undefined;
    }
    if (this.shown || nowMs - this.quietSince < IDLE_HINT_QUIET_MS) return undefined;
    const hint = idleWindowHint(stats, mark, this.windows);
    if (hint !== undefined) this.shown = true;
    return hint;
  }
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
  return `gale: note: nothing has moved for ${IDLE_HINT_QUIET_MS / 1000}s but ${pending} tuple trees are still pending: windowed bolt ${names} uses event time without idleFlushMs, so its last windows hold their inputs until later input moves the watermark, which a finished input never does, and --until-idle would not end. Give the window spec idleFlushMs (e.g. idleFlushMs: 2000) to fire the last windows once input stops, or stop the run with Ctrl-C (docs/windowing.md, idleFlushMs)`;
}
