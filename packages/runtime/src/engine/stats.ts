import { BoltExecutor } from './bolt-executor.js';
import type { BoltTask } from './bolt-task.js';
import type { ExecutorBase } from './executor-base.js';
import { Histogram } from './histogram.js';
import { summarize, type ComponentStats } from './metrics.js';
import type { Plan } from './plan.js';
import { SpoutExecutor } from './spout-executor.js';
import type { SpoutTask } from './spout-task.js';
import type { SystemBolt } from './system-component.js';

/**
 * Per-component snapshot of the executors running in this engine, summed over their tasks.
 * Components with no executor here still get a row (zeros), so every worker reports the same
 * components and `gale status` can merge them.
 */
export function collectStats(plan: Plan, executors: readonly ExecutorBase[], queueCapacity: number): ComponentStats[] {
  const out: ComponentStats[] = [];
  for (const c of plan.components.values()) {
    const execs = executors.filter((e) => e.component === c.id) as (SpoutExecutor | BoltExecutor)[];
    const tasks = execs.flatMap((e): (SpoutTask | BoltTask)[] => e.tasks);
    const exec = new Histogram();
    const complete = new Histogram();
    const system = c.kind === 'bolt' && c.system !== undefined;
    const s: ComponentStats = {
      component: c.id, kind: c.statsKind, executors: execs.length, tasks: tasks.length,
      emitted: 0, transferred: 0, executed: 0, acked: 0, failed: 0, timedOut: 0, deadLettered: 0, replayed: 0, errors: 0,
      queueDepth: 0, queueHighWater: 0, queueCapacity: c.kind === 'bolt' && !system ? queueCapacity : 0, pending: 0,
      executeLatencyMs: summarize(exec), completeLatencyMs: summarize(complete),
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
      exec.merge(m.executeLatency);
      complete.merge(m.completeLatency);
      if ('pending' in t) s.pending += t.pending.size;
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
