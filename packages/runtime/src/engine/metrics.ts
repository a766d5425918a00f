import { Histogram } from './histogram.js';

/** Counters of one task; aggregated per component by {@link Engine.stats}. */
export class TaskMetrics {
  /** Tuples emitted (per emit call, whatever the fan-out). */
  emitted = 0;
  /** Tuples delivered to target tasks (emitted x fan-out). */
  transferred = 0;
  executed = 0;
  /** Bolts: inputs acked. Spouts: trees completed. */
  acked = 0;
  /** Bolts: inputs failed. Spouts: trees failed (including timeouts). */
  failed = 0;
  /** Spouts: trees that timed out. */
  timedOut = 0;
  /** Spouts: message ids dead-lettered after `maxRetries` (their last failure is in `failed`). */
  deadLettered = 0;
  /** Spouts: `fail(msgId)` calls, i.e. trees handed back for replay (failed minus dead-lettered). */
  replayed = 0;
  errors = 0;
  readonly executeLatency = new Histogram();
  readonly completeLatency = new Histogram();
}

export type { ComponentKind, ComponentStats, LatencySummary, ReportedError } from '../api/stats.js';
import type { LatencySummary } from '../api/stats.js';

export function summarize(h: Histogram): LatencySummary {
  return { p50: h.percentile(0.5) / 1000, p99: h.percentile(0.99) / 1000, mean: h.mean() / 1000 };
}

