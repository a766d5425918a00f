import type { ComponentStats, ReportedError } from '../engine/metrics.js';

/**
 * Human-readable stats lines for stderr. Rates come from two successive `stats()` snapshots;
 * latency percentiles are since start (the engine's histograms are cumulative).
 */

/** One line per spout and bolt (the acker is left out): rates over the last interval. */
export function rateLines(prev: readonly ComponentStats[], cur: readonly ComponentStats[], intervalMs: number, elapsedMs: number): string[] {
  const before = new Map(prev.map((s) => [s.component, s]));
  const shown = cur.filter((s) => s.kind !== 'acker');
  const width = Math.max(0, ...shown.map((s) => s.component.length));
  const secs = Math.max(intervalMs, 1) / 1000;
  return shown.map((s) => {
    const p = before.get(s.component);
    const rate = (k: 'emitted' | 'executed' | 'acked' | 'failed'): string => `${fmtCount((s[k] - (p?.[k] ?? 0)) / secs)}/s`;
    const head = `gale: ${(elapsedMs / 1000).toFixed(1)}s ${s.component.padEnd(width)} ${s.kind.padEnd(5)}`;
    return s.kind === 'spout'
      ? `${head} emitted ${rate('emitted')}  acked ${rate('acked')}  failed ${rate('failed')}  pending ${s.pending}  complete p50 ${fmtMs(s.completeLatencyMs.p50)} p99 ${fmtMs(s.completeLatencyMs.p99)}`
      : `${head} executed ${rate('executed')}  emitted ${rate('emitted')}  acked ${rate('acked')}  failed ${rate('failed')}  queue ${s.queueDepth}`;
  });
}

/**
 * Totals per spout and bolt, then the last errors of each component. A spout's `failed` counts
 * every failed tree: `timed out` is part of it, and each failure is either `replayed` (handed back
 * to the spout) or `dead-lettered` (out of retries), or still waiting for its replay backoff.
 */
export function summaryLines(stats: readonly ComponentStats[], errors: readonly ReportedError[]): string[] {
  const shown = stats.filter((s) => s.kind !== 'acker');
  const width = Math.max(0, ...shown.map((s) => s.component.length));
  const lines = shown.map((s) => {
    const head = `gale: total ${s.component.padEnd(width)} ${s.kind.padEnd(5)}`;
    const errs = `errors ${s.errors}`;
    return s.kind === 'spout'
      ? `${head} emitted ${s.emitted}  acked ${s.acked}  failed ${s.failed}  timed out ${s.timedOut}  replayed ${s.replayed ?? 0}  dead-lettered ${s.deadLettered}  ${errs}  complete p50 ${fmtMs(s.completeLatencyMs.p50)} p99 ${fmtMs(s.completeLatencyMs.p99)}`
      : `${head} executed ${s.executed}  ${(s.ticks ?? 0) > 0 ? `ticks ${s.ticks}  ` : ''}emitted ${s.emitted}  acked ${s.acked}  failed ${s.failed}  ${errs}  execute p50 ${fmtMs(s.executeLatencyMs.p50)} p99 ${fmtMs(s.executeLatencyMs.p99)}${noneCompleted(s)}`;
  });
  const byComponent = new Map<string, ReportedError[]>();
  for (const e of errors) byComponent.set(e.component, [...(byComponent.get(e.component) ?? []), e]);
  for (const [component, list] of byComponent) {
    const shown = shownErrors(list);
    for (const e of shown) lines.push(`gale: error in "${component}" (task ${e.task}): ${oneLine(e.message)}${e.source === undefined ? '' : ` (at ${e.source})`}${timesNote(e.count)}`);
    if (shown.length < list.length) lines.push(`gale: ${list.length - shown.length} more distinct error(s) in "${component}" not shown (--json lists them)`);
  }
  return lines;
}

/**
 * `executed` counts executes that returned: a bolt whose every execute threw shows 0 executed and
 * its inputs failed, which read as if it never got any input. Said in words, only as far as it is
 * true: inputs failed otherwise (explicitly, by a drain at stop) are no throw.
 */
function noneCompleted(s: ComponentStats): string {
  const threw = s.executeThrew ?? 0;
  if (s.executed !== 0 || s.failed === 0 || threw === 0) return '';
  return threw >= s.failed
    ? `  (no execute completed: each of the ${s.failed} inputs failed, its execute threw; errors below)`
    : `  (no execute completed: ${threw} of the ${s.failed} failed inputs failed because execute threw; errors below)`;
}

/**
 * The errors a summary shows of one component's list (oldest first): the last three, and before
 * them the first of each code (uncoded errors count as one), which the list keeps through a flood
 * (api/stats.ts foldRecentError) — most often the cause of what followed.
 */
function shownErrors(list: readonly ReportedError[]): ReportedError[] {
  const firsts = new Set<string>();
  return list.filter((e, i) => {
    const code = e.code ?? '';
    const first = !firsts.has(code);
    firsts.add(code);
    return first || i >= list.length - 3;
  });
}

/** 0, 7.5, 120, 1.2k, 35k, 1.2M */
export function fmtCount(n: number): string {
  if (n < 10) return n === 0 ? '0' : n.toFixed(1);
  if (n < 1000) return String(Math.round(n));
  if (n < 1e6) return `${(n / 1000).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(1)}M`;
}

export function fmtMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)}ms`;
  if (ms < 10_000) return `${Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(1)}s`;
}

export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' | ');
}

/** `; 1234 times` for an error entry that stands for several reports (repeats folded into it). */
export function timesNote(count: number | undefined): string {
  return count !== undefined && count > 1 ? `; ${count} times` : '';
}
