import { Fields } from '../api/fields.js';
import type { Bolt, OutputCollector, TopologyContext, Tuple } from '../api/types.js';
import type { TopologyConfig } from '../config/topology-config.js';
import type { ComponentStats } from './metrics.js';
import type { SystemComponent, SystemEnv } from './system-component.js';

/** Component id of the metrics tasks (one per worker, only when a consumer is registered). */
export const METRICS_COMPONENT = '__metrics';
/** Metrics → consumer bolts (direct): one tuple per component and worker per interval. */
export const METRICS_STREAM = '__metrics';
/** Fields of a `__metrics` tuple; `points` is a `Record<string, number>` (docs/metrics.md). */
export const METRICS_FIELDS = ['timeMs', 'intervalMs', 'worker', 'component', 'points'] as const;
/** The `component` of the row carrying the worker process's own data points (RSS, CPU, GC, ...). */
export const WORKER_METRICS_ROW = '__worker';

/** Counters sent as the change over the interval (the rest are gauges). */
const DELTAS = ['emitted', 'transferred', 'executed', 'acked', 'failed', 'timedOut', 'deadLettered', 'replayed', 'errors', 'backpressureMs'] as const;

/**
 * Storm's metrics consumer on the system-component seam: every `metricsIntervalMs` (its system
 * tick) one task per worker reads the stats of the executors there and sends each consumer bolt
 * task, in turn, one tuple per component with the interval's data points. When two of its tasks
 * share a worker (fewer workers than asked), the lowest-numbered one reports, so nothing counts twice.
 */
class MetricsBolt implements Bolt {
  private collector!: OutputCollector;
  private ctx!: TopologyContext;
  private consumers: number[] = [];
  private next = 0;
  private lastAt = 0;
  private readonly previous = new Map<string, Record<string, number>>();

  private intervalMs = 0;

  constructor(private readonly env: SystemEnv) {}

  declareOutputFields(): void {
    // Declared by the engine from metricsComponent.outputs.
  }

  prepare(ctx: TopologyContext, collector: OutputCollector): void {
    this.ctx = ctx;
    this.collector = collector;
    this.consumers = (this.env.topology.metricsConsumers ?? []).flatMap((id) => ctx.componentTasks(id));
    this.lastAt = this.env.epochMs();
    this.intervalMs = ctx.config.metricsIntervalMs;
  }

  execute(t: Tuple): void {
    if (!t.isTick() || this.consumers.length === 0) return;
    if (Math.min(...this.env.localTasksOf(METRICS_COMPONENT)) !== this.ctx.thisTaskId) return;
    const now = this.env.epochMs();
    const interval = Math.max(0, Math.round(now - this.lastAt)) || this.intervalMs;
    this.lastAt = now;
    for (const s of this.env.stats()) {
      if (s.executors === 0 || s.component === METRICS_COMPONENT) continue;
      this.send(now, interval, s.component, this.points(s));
    }
    const p = this.env.processStats?.();
    if (p !== undefined) {
      this.send(now, interval, WORKER_METRICS_ROW, {
        rssBytes: p.rssBytes, heapUsedBytes: p.heapUsedBytes, cpuPercent: p.cpuPercent, cpuSeconds: p.cpuSeconds,
        eventLoopDelayP50Ms: p.eventLoopDelayMs.p50, eventLoopDelayP99Ms: p.eventLoopDelayMs.p99, eventLoopDelayMaxMs: p.eventLoopDelayMs.max,
        gcMs: p.gcMs, gcCount: p.gcCount,
      });
    }
  }

  private points(s: ComponentStats): Record<string, number> {
    const now: Record<string, number> = {};
    for (const k of DELTAS) now[k] = s[k] ?? 0;
    const before = this.previous.get(s.component);
    this.previous.set(s.component, now);
    const out: Record<string, number> = {};
    for (const k of DELTAS) out[k] = Math.max(0, now[k]! - (before?.[k] ?? 0));
    out.queueDepth = s.queueDepth;
    out.pending = s.pending;
    out.executeLatencyP50Ms = s.executeLatencyMs.p50;
    out.executeLatencyP99Ms = s.executeLatencyMs.p99;
    out.executeLatencyP999Ms = s.executeLatencyMs.p999 ?? 0;
    out.completeLatencyP50Ms = s.completeLatencyMs.p50;
    out.completeLatencyP99Ms = s.completeLatencyMs.p99;
    out.completeLatencyP999Ms = s.completeLatencyMs.p999 ?? 0;
    out.capacity = s.rates?.['10s'].capacity ?? 0;
    return out;
  }

  private send(now: number, interval: number, component: string, points: Record<string, number>): void {
    const task = this.consumers[this.next++ % this.consumers.length]!;
    this.collector.emitDirect(task, [now, interval, this.env.worker, component, points], undefined, METRICS_STREAM);
  }
}

/** One metrics task per worker, only for topologies with a metrics consumer (the others pay nothing). */
export function metricsTaskCount(config: TopologyConfig, topology: { readonly metricsConsumers?: readonly string[] | undefined }): number {
  return (topology.metricsConsumers?.length ?? 0) > 0 ? config.workers : 0;
}

export const metricsComponent: SystemComponent = {
  id: METRICS_COMPONENT,
  // Listed with the bolts (as Storm's UI lists its metrics consumer); a new kind would be refused by older readers.
  kind: 'bolt',
  tasks: metricsTaskCount,
  inputs: [],
  outputs: [{ stream: METRICS_STREAM, fields: new Fields([...METRICS_FIELDS]), subscribers: 'metricsConsumers' }],
  tickMs: (config) => config.metricsIntervalMs,
  create: (env) => new MetricsBolt(env),
};
