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
  errors = 0;
  readonly executeLatency = new Histogram();
  readonly completeLatency = new Histogram();
}

/** How stats label a component: user spouts and bolts, or a system component. */
export type ComponentKind = 'spout' | 'bolt' | 'acker';

export interface LatencySummary {
  p50: number;
  p99: number;
  mean: number;
}

/** Snapshot of one component, summed over its tasks. Latencies in milliseconds. */
export interface ComponentStats {
  component: string;
  kind: ComponentKind;
  executors: number;
  tasks: number;
  emitted: number;
  transferred: number;
  executed: number;
  acked: number;
  failed: number;
  timedOut: number;
  /**
   * Spouts: message ids given up after `maxRetries` failures (emitted on `__dead_letter`, then
   * acked to the spout); also counted in `failed`, not in `acked`.
   */
  deadLettered: number;
  errors: number;
  /** Tuples waiting in this component's receive queues. */
  queueDepth: number;
  /** Highest receive-queue depth seen on any executor. */
  queueHighWater: number;
  queueCapacity: number;
  /** Spouts: trees emitted and not yet completed. Ackers: trees tracked. */
  pending: number;
  executeLatencyMs: LatencySummary;
  completeLatencyMs: LatencySummary;
}

export function summarize(h: Histogram): LatencySummary {
  return { p50: h.percentile(0.5) / 1000, p99: h.percentile(0.99) / 1000, mean: h.mean() / 1000 };
}

/** One error reported by a component (`reportError`, a throw in execute/nextTuple, ...). */
export interface ReportedError {
  component: string;
  task: number;
  message: string;
  /** Epoch milliseconds. */
  time: number;
}
