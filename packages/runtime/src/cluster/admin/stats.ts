import { Histogram } from '../../engine/histogram.js';
import { summarize, type ComponentStats, type ExecutorStats, type LatencySummary, type RateWindow, type WindowRates } from '../../engine/metrics.js';
import { parseExecutorKey, type Assignment, type WorkerHeartbeat } from '../model.js';

/** Stats of one component summed over the workers that run it. */
export type MergedStats = Omit<ComponentStats, 'executors' | 'tasks'> & { readonly workers: number };

/** `host:port` of each worker of the assignment that runs an executor of `component`. */
export function placementOf(a: Assignment | undefined, component: string): string[] {
  if (a === undefined) return [];
  return a.workers.filter((w) => w.executors.some((e) => parseExecutorKey(e).component === component)).map((w) => `${w.host}:${w.port}`);
}

/**
 * Sums the per-worker {@link ComponentStats} of each component. Percentiles cannot be merged
 * exactly from summaries: p50 and mean are weighted by each worker's count (executed for
 * execute latency, acked for complete latency), p99 is the largest of the workers' p99.
 */
export function mergeStats(beats: readonly WorkerHeartbeat[]): Map<string, MergedStats> {
  const parts = new Map<string, ComponentStats[]>();
  for (const b of beats) {
    for (const s of b.stats) {
      const rows = s.executorStats?.map((e) => ({ ...e, worker: `${b.host}:${b.port}` }));
      parts.set(s.component, [...(parts.get(s.component) ?? []), rows === undefined ? s : { ...s, executorStats: rows }]);
    }
  }
  const out = new Map<string, MergedStats>();
  for (const [component, list] of parts) {
    const sum = (k: 'emitted' | 'transferred' | 'executed' | 'acked' | 'failed' | 'timedOut' | 'deadLettered' | 'replayed' | 'errors' | 'queueDepth' | 'pending' | 'queueCapacity'): number =>
      list.reduce((n, s) => n + (s[k] ?? 0), 0);
    out.set(component, {
      component,
      kind: list[0]!.kind,
      workers: list.length,
      emitted: sum('emitted'),
      transferred: sum('transferred'),
      executed: sum('executed'),
      acked: sum('acked'),
      failed: sum('failed'),
      timedOut: sum('timedOut'),
      deadLettered: sum('deadLettered'),
      replayed: sum('replayed'),
      errors: sum('errors'),
      queueDepth: sum('queueDepth'),
      queueHighWater: Math.max(0, ...list.map((s) => s.queueHighWater ?? 0)),
      queueCapacity: sum('queueCapacity'),
      pending: sum('pending'),
      ...optionalSum(list, 'executeThrew'),
      ...optionalSum(list, 'ticks'),
      ...sinceCompletion(list),
      executeLatencyMs: mergeHistograms(list, 'executeHistogram') ?? mergeLatency(list.map((s) => [s.executeLatencyMs, s.executed])),
      completeLatencyMs: mergeHistograms(list, 'completeHistogram') ?? mergeLatency(list.map((s) => [s.completeLatencyMs, s.acked])),
      backpressureMs: list.reduce((n, s) => n + (s.backpressureMs ?? 0), 0),
      rates: mergeRates(list.map((s) => s.rates)),
      executorStats: list.flatMap((s): ExecutorStats[] => s.executorStats ?? []),
    });
  }
  return out;
}

/** A count only some workers' stats carry (older workers, or spouts): summed where present, absent when none has it. */
function optionalSum<K extends 'executeThrew' | 'ticks'>(list: readonly ComponentStats[], key: K): Partial<Record<K, number>> {
  const known = list.map((s) => s[key]).filter((v): v is number => typeof v === 'number');
  return known.length === 0 ? {} : ({ [key]: known.reduce((a, b) => a + b, 0) } as Partial<Record<K, number>>);
}

/** The most recent completion over the workers that report one: a spout completing anywhere is not stalled. */
function sinceCompletion(list: readonly ComponentStats[]): { sinceCompletionMs?: number } {
  const known = list.map((s) => s.sinceCompletionMs).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return known.length === 0 ? {} : { sinceCompletionMs: Math.min(...known) };
}

/** Exact percentiles from the workers' histograms, when every worker sent one. */
function mergeHistograms(list: readonly ComponentStats[], key: 'executeHistogram' | 'completeHistogram'): LatencySummary | undefined {
  if (list.some((s) => !Array.isArray(s[key]))) return undefined;
  const h = new Histogram();
  for (const s of list) h.mergeSparse(s[key]!);
  const l = summarize(h);
  return { p50: round(l.p50), p99: round(l.p99), p999: round(l.p999 ?? 0), mean: round(l.mean) };
}

const ZERO_RATES: WindowRates = { emitted: 0, transferred: 0, executed: 0, acked: 0, failed: 0, timedOut: 0, deadLettered: 0, replayed: 0, capacity: 0 };

/** Rates add up over workers; capacity is the busiest executor's, so the largest. */
export function mergeRates(parts: readonly (Record<RateWindow, WindowRates> | undefined)[]): Record<RateWindow, WindowRates> {
  const out = {} as Record<RateWindow, WindowRates>;
  for (const w of ['10s', '1m', '10m'] as const) {
    const r = { ...ZERO_RATES };
    for (const p of parts) {
      const x = p?.[w];
      if (x === undefined) continue;
      for (const k of Object.keys(r) as (keyof WindowRates)[]) {
        const v = typeof x[k] === 'number' && Number.isFinite(x[k]) ? x[k] : 0;
        r[k] = k === 'capacity' ? Math.max(r[k], v) : round(r[k] + v);
      }
    }
    out[w] = r;
  }
  return out;
}

function mergeLatency(parts: readonly (readonly [LatencySummary | undefined, number])[]): LatencySummary {
  const present = parts.filter((p): p is [LatencySummary, number] => p[0] !== undefined);
  const total = present.reduce((n, [, w]) => n + w, 0);
  const weighted = (k: 'p50' | 'mean'): number => (total === 0 ? 0 : present.reduce((n, [l, w]) => n + l[k] * w, 0) / total);
  return { p50: round(weighted('p50')), p99: round(Math.max(0, ...present.map(([l]) => l.p99))), mean: round(weighted('mean')) };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
