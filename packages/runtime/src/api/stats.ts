/**
 * What a running topology reports about itself (`stats()`, `errors()`, `gale status`): plain data
 * shared by the engine that fills it, the cluster stores that carry it and the CLI that prints it.
 */

/** How stats label a component: user spouts and bolts, or a system component. */
export type ComponentKind = 'spout' | 'bolt' | 'acker' | 'checkpoint';

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
  /**
   * Spouts: `fail(msgId)` calls, trees handed back to the spout for replay (after the replay
   * backoff); `failed` minus `deadLettered`, less replays still waiting for their backoff.
   * Optional: stats from workers of an earlier version lack it (read it as 0).
   */
  replayed?: number;
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

/** One error reported by a component (`reportError`, a throw in execute/nextTuple, ...). */
export interface ReportedError {
  component: string;
  task: number;
  message: string;
  /** Epoch milliseconds. */
  time: number;
  /**
   * The stack trace, source-mapped to the topology's own files when source maps are on (the
   * CLI and workers turn them on). Absent for a thrown non-Error.
   */
  stack?: string;
  /** `file:line:col` of the innermost stack frame in user code (not gale, not node_modules), when found. */
  source?: string;
}
