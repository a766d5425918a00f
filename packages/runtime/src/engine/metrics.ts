import { Histogram } from './histogram.js';
import { RollingCounters } from './rolling-counters.js';

/** The counters kept over sliding windows, in {@link TaskMetrics.fill} order (busyMs last: capacity). */
export const WINDOWED_COUNTERS = ['emitted', 'transferred', 'executed', 'acked', 'failed', 'timedOut', 'deadLettered', 'replayed', 'busyMs'] as const;

/** Counters of one task; aggregated per executor and component by {@link Engine.stats}. */
export class TaskMetrics {
  /** Tuples emitted (per emit call, whatever the fan-out). */
  emitted = 0;
  /** Tuples delivered to target tasks (emitted x fan-out). */
  transferred = 0;
  /** Bolts: executes of inputs that returned (system ticks are in {@link ticks}). */
  executed = 0;
  /** Bolts: executes of system ticks (`__tick`) that returned. */
  ticks = 0;
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
  /** Bolts: executes that threw (not `FailedException`, an explicit fail); their inputs are in `failed`. */
  executeThrew = 0;
  readonly executeLatency = new Histogram();
  readonly completeLatency = new Histogram();
  /** Snapshots for rates, taken by the engine's 1 s sampler (never on the hot path). */
  readonly windows = new RollingCounters(WINDOWED_COUNTERS.length);

  /** Writes the cumulative values of {@link WINDOWED_COUNTERS} into `out`. */
  fill(out: Float64Array): Float64Array {
    out[0] = this.emitted;
    out[1] = this.transferred;
    out[2] = this.executed;
    out[3] = this.acked;
    out[4] = this.failed;
    out[5] = this.timedOut;
    out[6] = this.deadLettered;
    out[7] = this.replayed;
    // Execute latency is sampled (bolt-task.ts), so busy time is estimated as Storm does: executes
    // x mean latency (ticks included: a processing-time window fires on them).
    out[8] = ((this.executed + this.ticks) * this.executeLatency.mean()) / 1000;
    return out;
  }
}

export type {
  ComponentKind, ComponentStats, ExecutorStats, LatencySummary, RateWindow, ReportedError, WindowRates,
} from '../api/stats.js';
import type { LatencySummary } from '../api/stats.js';

export function summarize(h: Histogram): LatencySummary {
  return { p50: h.percentile(0.5) / 1000, p99: h.percentile(0.99) / 1000, p999: h.percentile(0.999) / 1000, mean: h.mean() / 1000 };
}
