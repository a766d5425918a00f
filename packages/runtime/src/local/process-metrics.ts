import { monitorEventLoopDelay, PerformanceObserver, type IntervalHistogram } from 'node:perf_hooks';
import type { ProcessStats } from '../api/stats.js';

/**
 * This process's resource use for metrics: RSS and heap, CPU (total and over the last period),
 * event-loop delay (perf_hooks monitorEventLoopDelay, reset each period) and GC time
 * (PerformanceObserver 'gc'). Shared by worker processes and `gale local`; costs one sampling
 * timer inside Node's monitor and a GC callback, nothing per tuple.
 */
export class ProcessMetrics {
  private readonly delay: IntervalHistogram;
  private readonly gc: PerformanceObserver;
  private gcMs = 0;
  private gcCount = 0;
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private closed = false;

  constructor() {
    this.delay = monitorEventLoopDelay({ resolution: 20 });
    this.delay.enable();
    this.gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        this.gcMs += e.duration;
        this.gcCount++;
      }
    });
    this.gc.observe({ entryTypes: ['gc'] });
  }

  /**
   * Resource use now; CPU percent and event-loop delay cover the time since the previous call
   * that advanced (`advance`: start a new period; a second reader passes false).
   */
  snapshot(advance = true): ProcessStats {
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    const now = performance.now();
    const usedUs = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
    const cpuPercent = now > this.lastAt ? (usedUs / 1000 / (now - this.lastAt)) * 100 : 0;
    if (advance) {
      this.lastCpu = cpu;
      this.lastAt = now;
    }
    const ms = (ns: number): number => (Number.isFinite(ns) ? Math.round(ns / 1e3) / 1e3 : 0);
    const d = this.delay;
    const eventLoopDelayMs = d.count > 0 ? { p50: ms(d.percentile(50)), p99: ms(d.percentile(99)), max: ms(d.max) } : { p50: 0, p99: 0, max: 0 };
    if (advance) d.reset();
    return {
      rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, cpuSeconds: (cpu.user + cpu.system) / 1e6, cpuPercent: Math.round(cpuPercent * 10) / 10,
      eventLoopDelayMs, gcMs: Math.round(this.gcMs * 1000) / 1000, gcCount: this.gcCount,
    };
  }

  /** Stops the monitor and the GC observer. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.delay.disable();
    this.gc.disconnect();
  }
}
