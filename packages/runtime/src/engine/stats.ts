import { BoltExecutor } from './bolt-executor.js';
import type { BoltTask } from './bolt-task.js';
import type { ExecutorBase } from './executor-base.js';
import { Histogram } from './histogram.js';
import { summarize, WINDOWED_COUNTERS, type ComponentStats, type ExecutorStats, type RateWindow, type WindowRates } from './metrics.js';
import type { Plan } from './plan.js';
import { RATE_WINDOWS } from './rolling-counters.js';
import { SpoutExecutor } from './spout-executor.js';
import type { SpoutTask } from './spout-task.js';
import type { SystemBolt } from './system-component.js';

type AnyTask = SpoutTask | BoltTask;
type AnyExecutor = SpoutExecutor | BoltExecutor;

// Scratch arrays: stats are read on a timer, one at a time, so they can be shared.
const values = new Float64Array(WINDOWED_COUNTERS.length);
const rateSums = new Float64Array(WINDOWED_COUNTERS.length);

/** Snapshots every local task's counters for the sliding-window rates (the engine calls it every second). */
export function sampleWindows(executors: readonly ExecutorBase[], now: number): void {
  for (const e of executors as readonly AnyExecutor[]) for (const t of e.tasks) t.metrics.windows.sample(now, t.metrics.fill(values));
}

function windowRates(tasks: readonly AnyTask[], now: number): Record<RateWindow, WindowRates> {
  const out = {} as Record<RateWindow, WindowRates>;
  for (const [name, ms] of RATE_WINDOWS) {
    rateSums.fill(0);
    for (const t of tasks) t.metrics.windows.addRates(ms, now, t.metrics.fill(values), rateSums);
    const r = (i: number): number => Math.round(rateSums[i]! * 1000) / 1000;
    out[name] = {
      emitted: r(0), transferred: r(1), executed: r(2), acked: r(3), failed: r(4), timedOut: r(5), deadLettered: r(6), replayed: r(7),
      // busyMs per second / 1000 = busy fraction; an executor's tasks share one event loop turn at a time.
      capacity: Math.round(rateSums[8]!) / 1000,
    };
  }
  return out;
}

function executorStats(e: AnyExecutor, now: number): ExecutorStats {
  const exec = new Histogram();
  const complete = new Histogram();
  const s: ExecutorStats = {
    executor: `${e.component}#${e.index}`, tasks: e.tasks.map((t) => t.taskId),
    emitted: 0, transferred: 0, executed: 0, acked: 0, failed: 0,
    queueDepth: e instanceof BoltExecutor ? e.queue.size : 0, backpressureMs: Math.round(e.backpressureMs(now)),
    executeLatencyMs: summarize(exec), completeLatencyMs: summarize(complete), rates: windowRates(e.tasks, now),
  };
  for (const t of e.tasks) {
    const m = t.metrics;
    s.emitted += m.emitted;
    s.transferred += m.transferred;
    s.executed += m.executed;
    s.acked += m.acked;
    s.failed += m.failed;
    exec.merge(m.executeLatency);
    complete.merge(m.completeLatency);
  }
  s.executeLatencyMs = summarize(exec);
  s.completeLatencyMs = summarize(complete);
  return s;
}

/**
 * Per-component snapshot of the executors running in this engine, summed over their tasks, with
 * a row per executor. Components with no executor here still get a row (zeros), so every worker
 * reports the same components and `gale status` can merge them.
 */
export function collectStats(plan: Plan, executors: readonly ExecutorBase[], queueCapacity: number, now: number): ComponentStats[] {
  const out: ComponentStats[] = [];
  for (const c of plan.components.values()) {
    const execs = executors.filter((e) => e.component === c.id) as AnyExecutor[];
    const tasks = execs.flatMap((e): AnyTask[] => e.tasks);
    const exec = new Histogram();
    const complete = new Histogram();
    const system = c.kind === 'bolt' && c.system !== undefined;
    const rows = execs.map((e) => executorStats(e, now));
    const rates = windowRates(tasks, now);
    for (const [w] of RATE_WINDOWS) rates[w].capacity = Math.max(0, ...rows.map((r) => r.rates[w].capacity));
    const s: ComponentStats = {
      component: c.id, kind: c.statsKind, executors: execs.length, tasks: tasks.length,
      emitted: 0, transferred: 0, executed: 0, acked: 0, failed: 0, timedOut: 0, deadLettered: 0, replayed: 0, errors: 0,
      queueDepth: 0, queueHighWater: 0, queueCapacity: c.kind === 'bolt' && !system ? queueCapacity : 0, pending: 0,
      executeLatencyMs: summarize(exec), completeLatencyMs: summarize(complete),
      backpressureMs: rows.reduce((n, r) => n + r.backpressureMs, 0), rates, executorStats: rows,
    };
    for (const t of tasks) {
      const m = t.metrics;
      s.emitted += m.emitted;
      s.transferred += m.transferred;
      s.executed += m.executed;
      if (!system) {
        // A system bolt's own inputs are untracked: its acked/failed are the trees it reports below.
        s.acked += m.acked;
        s.failed += m.failed;
      }
      s.timedOut += m.timedOut;
      s.deadLettered = (s.deadLettered ?? 0) + m.deadLettered;
      s.replayed = (s.replayed ?? 0) + m.replayed;
      s.errors += m.errors;
      if (c.kind === 'bolt') {
        s.executeThrew = (s.executeThrew ?? 0) + m.executeThrew;
        s.ticks = (s.ticks ?? 0) + m.ticks;
      }
      exec.merge(m.executeLatency);
      complete.merge(m.completeLatency);
      if ('pending' in t) {
        s.pending += t.pending.size;
        s.sinceCompletionMs = Math.min(s.sinceCompletionMs ?? Infinity, Math.max(0, Math.round(now - t.lastCompletionAt)));
      }
      // An instance exists only once start() created it (stats may be read before, or after a failed start).
      const extra = system ? (t.instance as (SystemBolt & object) | undefined)?.systemStats?.() : undefined;
      if (extra !== undefined) {
        s.acked += extra.acked ?? 0;
        s.failed += extra.failed ?? 0;
        s.pending += extra.pending ?? 0;
      }
    }
    for (const e of execs) {
      if (e instanceof BoltExecutor) {
        s.queueDepth += e.queue.size;
        s.queueHighWater = Math.max(s.queueHighWater, e.queue.highWater);
      }
    }
    s.executeLatencyMs = summarize(exec);
    s.completeLatencyMs = summarize(complete);
    s.executeHistogram = exec.toSparse();
    s.completeHistogram = complete.toSparse();
    out.push(s);
  }
  return out;
}

/** No tuple queued, in flight or awaiting its ack in these executors. */
export function quiescent(executors: readonly ExecutorBase[]): boolean {
  for (const ex of executors) {
    if (!ex.idle) return false;
    if (ex instanceof SpoutExecutor && ex.pendingCount > 0) return false;
  }
  return true;
}
