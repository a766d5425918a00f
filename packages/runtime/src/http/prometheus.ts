import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ComponentStats, LatencySummary, ProcessStats, TransportStats } from '../api/stats.js';

/**
 * Per-executor series are exported for a component only while it has at most this many
 * executors in one worker; past it, only its per-component series (cardinality stays bounded
 * whatever the parallelism; docs/metrics.md).
 */
export const MAX_EXECUTOR_SERIES = 16;

/** What one worker (or a local-mode run) reports: its stats and, in a worker process, its resource use. */
export interface WorkerMetrics {
  readonly topology: string;
  /** `host:port` of the worker, `local` for `gale local`. */
  readonly worker: string;
  readonly stats: readonly ComponentStats[];
  readonly process?: ProcessStats | undefined;
  readonly transport?: TransportStats | undefined;
}

const COUNTERS = [
  ['emitted', 'gale_emitted_total', 'Tuples emitted (per emit call)'],
  ['transferred', 'gale_transferred_total', 'Tuples delivered to target tasks (emitted x fan-out)'],
  ['executed', 'gale_executed_total', 'Tuples executed by bolts'],
  ['acked', 'gale_acked_total', 'Bolts: inputs acked; spouts: trees completed'],
  ['failed', 'gale_failed_total', 'Bolts: inputs failed; spouts: trees failed (timeouts included)'],
  ['timedOut', 'gale_timed_out_total', 'Spouts: trees timed out'],
  ['deadLettered', 'gale_dead_lettered_total', 'Spouts: message ids dead-lettered after maxRetries'],
  ['replayed', 'gale_replayed_total', 'Spouts: trees handed back for replay'],
  ['errors', 'gale_component_errors_total', 'Errors reported by the component'],
] as const;

const QUANTILES = [['0.5', 'p50'], ['0.99', 'p99'], ['0.999', 'p999']] as const;

function finite(n: number | undefined): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * Renders the Prometheus exposition text (prom-client) for the workers given, plus Node's default
 * process metrics of the serving process (the supervisor, or `gale local`). A fresh registry per
 * scrape: series of stopped workers disappear instead of lingering.
 */
export class PrometheusExporter {
  private readonly own = new Registry();

  constructor(private readonly source: () => readonly WorkerMetrics[], private readonly constLabels: Readonly<Record<string, string>> = {}) {
    collectDefaultMetrics({ register: this.own });
    this.own.setDefaultLabels({ ...constLabels });
  }

  get contentType(): string {
    return this.own.contentType;
  }

  async render(): Promise<string> {
    const reg = new Registry();
    reg.setDefaultLabels({ ...this.constLabels });
    const c = (name: string, help: string, labelNames: string[]): Counter<string> => new Counter({ name, help, labelNames, registers: [reg] });
    const g = (name: string, help: string, labelNames: string[]): Gauge<string> => new Gauge({ name, help, labelNames, registers: [reg] });
    const CL = ['topology', 'component', 'worker'];
    const XL = ['topology', 'component', 'executor', 'worker'];
    const WL = ['topology', 'worker'];
    const counters = COUNTERS.map(([key, name, help]) => [key, c(name, help, CL)] as const);
    const execCounters = (['emitted', 'transferred', 'executed', 'acked', 'failed'] as const)
      .map((key) => [key, c(`gale_executor_${key}_total`, `Per executor: ${COUNTERS.find((x) => x[0] === key)![2]}`, XL)] as const);
    const queue = g('gale_queue_depth', 'Tuples waiting in the component\'s receive queues', CL);
    const pending = g('gale_pending', 'Spouts: trees in flight; ackers: trees tracked', CL);
    const backpressure = c('gale_backpressure_seconds_total', 'Time executors spent blocked by a full queue or peer', CL);
    const capacity = g('gale_capacity', 'Busiest executor\'s busy fraction over the window (Storm\'s capacity)', [...CL, 'window']);
    const execLat = g('gale_execute_latency_seconds', 'Execute latency quantiles since start', [...CL, 'quantile']);
    const completeLat = g('gale_complete_latency_seconds', 'Spouts: tree completion latency quantiles since start', [...CL, 'quantile']);
    const xCapacity = g('gale_executor_capacity', 'Executor busy fraction over the window', [...XL, 'window']);
    const xLat = g('gale_executor_execute_latency_seconds', 'Executor execute latency quantiles since start', [...XL, 'quantile']);
    const xQueue = g('gale_executor_queue_depth', 'Tuples waiting in the executor\'s queue', XL);
    const up = g('gale_worker_up', 'A worker reporting metrics here', WL);
    const rss = g('gale_worker_rss_bytes', 'Worker resident set size', WL);
    const heap = g('gale_worker_heap_used_bytes', 'Worker V8 heap used', WL);
    const cpu = c('gale_worker_cpu_seconds_total', 'Worker CPU time (user + system)', WL);
    const cpuPct = g('gale_worker_cpu_percent', 'Worker CPU over the last heartbeat period, percent of one core', WL);
    const eld = g('gale_worker_event_loop_delay_seconds', 'Worker event-loop delay over the last heartbeat period (quantile 1 = max)', [...WL, 'quantile']);
    const gc = c('gale_worker_gc_seconds_total', 'Worker time in garbage collection', WL);
    const gcCount = c('gale_worker_gc_total', 'Worker garbage collections', WL);
    const reconnects = c('gale_worker_reconnects_total', 'Worker connections to peers re-established', WL);
    const rejected = c('gale_worker_rejected_frames_total', 'Frames or handshakes refused from peers, and frames dropped unsent', WL);

    const setLatency = (gauge: Gauge<string>, labels: Record<string, string>, l: LatencySummary): void => {
      for (const [q, k] of QUANTILES) gauge.set({ ...labels, quantile: q }, finite(l[k]) / 1000);
    };
    for (const w of this.source()) {
      const wl = { topology: w.topology, worker: w.worker };
      up.set(wl, 1);
      for (const s of w.stats) {
        const l = { ...wl, component: s.component };
        for (const [key, counter] of counters) counter.inc(l, finite(s[key]));
        queue.set(l, finite(s.queueDepth));
        pending.set(l, finite(s.pending));
        backpressure.inc(l, finite(s.backpressureMs) / 1000);
        for (const [win, r] of Object.entries(s.rates ?? {})) capacity.set({ ...l, window: win }, finite(r.capacity));
        setLatency(execLat, l, s.executeLatencyMs);
        setLatency(completeLat, l, s.completeLatencyMs);
        const rows = s.executorStats ?? [];
        if (rows.length > MAX_EXECUTOR_SERIES) continue;
        for (const e of rows) {
          const xl = { ...l, executor: e.executor };
          for (const [key, counter] of execCounters) counter.inc(xl, finite(e[key]));
          xQueue.set(xl, finite(e.queueDepth));
          for (const [win, r] of Object.entries(e.rates)) xCapacity.set({ ...xl, window: win }, finite(r.capacity));
          setLatency(xLat, xl, e.executeLatencyMs);
        }
      }
      const p = w.process;
      if (p !== undefined) {
        rss.set(wl, finite(p.rssBytes));
        heap.set(wl, finite(p.heapUsedBytes));
        cpu.inc(wl, finite(p.cpuSeconds));
        cpuPct.set(wl, finite(p.cpuPercent));
        eld.set({ ...wl, quantile: '0.5' }, finite(p.eventLoopDelayMs.p50) / 1000);
        eld.set({ ...wl, quantile: '0.99' }, finite(p.eventLoopDelayMs.p99) / 1000);
        eld.set({ ...wl, quantile: '1' }, finite(p.eventLoopDelayMs.max) / 1000);
        gc.inc(wl, finite(p.gcMs) / 1000);
        gcCount.inc(wl, finite(p.gcCount));
      }
      if (w.transport !== undefined) {
        reconnects.inc(wl, finite(w.transport.reconnects));
        rejected.inc(wl, finite(w.transport.rejectedFrames));
      }
    }
    return `${await this.own.metrics()}\n${await reg.metrics()}`;
  }
}
