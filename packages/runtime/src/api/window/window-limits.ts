import { TopologyError } from '../../errors.js';
import type { TopologyConfig } from '../../config/topology-config.js';
import type { StreamDecl } from '../builder-types.js';
import type { ResolvedWindow } from './window-spec.js';

/*
 * Build-time limits of a windowed bolt: the tuple timeout must outlast a tuple's stay in its
 * windows, and the buffer must have a bound (docs/windowing.md, "Memory" and "Acking").
 */

/**
 * The longest a tuple can stay un-acked in a duration window, as a sum with its parts named:
 * length + slide (Storm's rule), plus max lag, allowed lateness and one watermark interval
 * for event time; plus `idleInputMs` when more than one input channel (upstream task × subscribed
 * stream) feeds the bolt, since the watermark waits that long for a channel that is behind and
 * silent before leaving it out (watermark.ts); plus `idleFlushMs` when set, since the last windows
 * of an input that stops just before they would close wait that long for the flush. Each wait
 * adds to the others in the worst case (a tuple whose window was about to close when a channel
 * went silent, then the whole input stopped). A timeout shorter than that does not just replay:
 * a replayed tuple lands in the same open window again (and resets the idle flush), so it would
 * time out and replay for ever. `channels` undefined: counted as one. Undefined for count windows
 * (their pace is the input's).
 */
export function requiredTimeoutMs(w: ResolvedWindow, channels?: number): { total: number; text: string } | undefined {
  if (w.by === 'count') return undefined;
  const parts: [string, number][] = [['window length', w.length], ['sliding interval', w.slide]];
  if (w.eventTime) {
    parts.push(['maxLagMs', w.maxLagMs], ['allowedLatenessMs', w.allowedLatenessMs], ['watermarkIntervalMs', w.tickMs!]);
    if (channels !== undefined && channels > 1) parts.push([`idleInputMs (${channels} input channels: upstream tasks × streams)`, w.idleInputMs]);
    if (w.idleFlushMs !== undefined) parts.push(['idleFlushMs', w.idleFlushMs]);
  }
  const total = parts.reduce((s, [, v]) => s + v, 0);
  return { total, text: `${parts.map(([n]) => n).join(' + ')} (${parts.map(([, v]) => v).join(' + ')} = ${total} ms)` };
}

/** How to fix a timeout that is too short for the window (the keys to change). */
function timeoutFix(w: ResolvedWindow, total: number, channels: number): string {
  const keys = ['shorten the window'];
  if (w.eventTime) {
    if (w.maxLagMs + w.allowedLatenessMs > 0) keys.push('lower maxLagMs / allowedLatenessMs');
    if (channels > 1) keys.push('lower idleInputMs (the window spec\'s wait for a silent upstream task)');
    if (w.idleFlushMs !== undefined) keys.push('lower idleFlushMs');
  }
  return `Set config.messageTimeoutMs to at least ${total}, or ${keys.join(', or ')}`;
}

/** A spout feeding the windowed bolt (directly or through other bolts). */
export interface UpstreamSpout {
  readonly id: string;
  readonly numTasks: number;
  readonly maxSpoutPending: number | null;
}

/**
 * Throws a TopologyError naming the numbers and the fix when the window cannot be honoured.
 * `panes`: the window runs in panes (pane-window-executor.ts) and buffers no tuples: its memory is
 * a held-ack slot per pending tree per pane, bounded by the pending limits alone, so `maxTuples`
 * does not apply.
 */
export function checkWindowLimits(component: string, w: ResolvedWindow, config: TopologyConfig, spouts: readonly UpstreamSpout[], panes = false, channels = 1, origin: (key: string) => string = () => ''): void {
  const need = requiredTimeoutMs(w, channels);
  if (need === undefined) return;
  if (config.messageTimeoutMs < need.total) {
    throw new TopologyError('GALE_ERR_WINDOW_TIMEOUT', `windowed bolt "${component}": messageTimeoutMs (${config.messageTimeoutMs}${origin('messageTimeoutMs')}) is shorter than ${need.text}; tuples would time out while still in a window, and their replays land in it again. ${timeoutFix(w, need.total, channels)}${origin('messageTimeoutMs') === '' ? '' : ` (--set messageTimeoutMs=${need.total})`}`);
  }
  // Every buffered tuple is un-acked, so the spouts' pending limits bound the buffer (fan-out
  // of bolts in between is caught at run time by maxTuples).
  let bound = 0;
  for (const s of spouts) {
    if (s.maxSpoutPending === null) {
      throw new TopologyError('GALE_ERR_WINDOW_MEMORY', `windowed bolt "${component}": spout "${s.id}" has no maxSpoutPending, so a ${w.length} ms window has no memory bound; set config.maxSpoutPending (or the spout's maxSpoutPending option) so that the sum over feeding spout tasks stays <= maxTuples (${w.maxTuples})`);
    }
    bound += s.numTasks * s.maxSpoutPending;
  }
  if (!panes && bound > w.maxTuples) {
    throw new TopologyError('GALE_ERR_WINDOW_MEMORY', `windowed bolt "${component}": its spouts may have ${bound} tuples pending (maxSpoutPending × spout tasks), above the window's maxTuples (${w.maxTuples}); lower maxSpoutPending or raise maxTuples (at most 1000000)`);
  }
}

/** Input channels of a bolt (what its watermark is the minimum over): upstream tasks × subscribed streams. */
export function inputChannels(sources: readonly { readonly tasks: readonly unknown[] }[]): number {
  return sources.reduce((n, s) => n + s.tasks.length, 0);
}

/** Event time by field: every subscribed stream must carry the field. */
export function checkTimestampField(component: string, w: ResolvedWindow, inputs: readonly { component: string; stream: StreamDecl }[]): void {
  const field = w.timestampField;
  if (field === undefined) return;
  for (const i of inputs) {
    if (!i.stream.fields.contains(field)) {
      throw new TopologyError('GALE_ERR_WINDOW_TIMESTAMP_FIELD', `windowed bolt "${component}" reads event time from field "${field}", but "${i.component}"/"${i.stream.id}" declares only ${i.stream.fields}`);
    }
  }
}

/**
 * At prepare: throws (the task does not start) on a `messageTimeoutMs` shorter than a tuple's
 * stay in the window. The CLI checks the effective config before it runs anything (build() sees
 * the `--set`/`-c` overrides, submit-overrides.ts); this catches a config overridden by other means
 * (LocalCluster.submit's `config`, a cluster record): a window that would replay for ever must not run.
 */
export function checkWindowTimeout(w: ResolvedWindow, component: string, messageTimeoutMs: number, channels = 1): void {
  const need = requiredTimeoutMs(w, channels);
  if (need !== undefined && messageTimeoutMs < need.total) {
    throw new TopologyError('GALE_ERR_WINDOW_TIMEOUT', `windowed bolt "${component}": messageTimeoutMs (${messageTimeoutMs}) is shorter than ${need.text}; tuples would time out while still in a window, and their replays land in it again. ${timeoutFix(w, need.total, channels)} (--set messageTimeoutMs=${need.total})`);
  }
}
