import type { BoltExecutor } from './bolt-executor.js';
import { failHeldTuples } from './executor-swap.js';
import type { EngineLog } from './ports.js';

/*
 * What a drain (Engine.close: spouts deactivated, in-flight trees given up to drainTimeoutMs)
 * fails at once instead of waiting for, because waiting cannot complete it here:
 *
 * - the inputs a bolt holds un-acked until an event that will not come before the engine stops —
 *   a window's inputs until the window leaves (api/held-inputs.ts). Their trees were pending at
 *   their spouts, here or on other workers, until messageTimeoutMs; failed now, the spouts replay
 *   them at once (at-least-once as before, sooner). Storm leaves them to time out. Failed as
 *   FAILED_STOPPED (BoltTask.failHeldInputs): not charged to maxRetries, since peers may keep
 *   routing to a draining worker and each step fails what arrived again.
 * - the tuples queued at a bolt executor whose task never opened (its prepare() failing and being
 *   retried, task-open-retry.ts): it runs nothing, so a drain waited its whole drainTimeoutMs for
 *   them. There is nothing of it to flush; its queued tuples fail and replay.
 *
 * `step` runs at the start of the drain and at each check of its wait: tuples still in flight may
 * reach such a bolt meanwhile. Pure: no timers; the engine calls it.
 */
export class DrainStep {
  private readonly unopenedLogged = new Set<BoltExecutor>();
  /** Inputs failed so far, per component (held by windows, or queued at an unopened executor). */
  readonly failed = new Map<string, number>();

  constructor(private readonly log: EngineLog) {}

  step(bolts: readonly BoltExecutor[]): void {
    for (const ex of bolts) {
      if (ex.unopened > 0) {
        const n = failHeldTuples(ex);
        this.count(ex.component, n);
        if (!this.unopenedLogged.has(ex)) {
          this.unopenedLogged.add(ex);
          this.log.warn(
            { component: ex.component, executor: ex.index, unopenedTasks: ex.unopened, failed: n },
            'draining: not waiting for an executor whose task never opened (nothing of it to flush); the tuples queued for it failed, to be replayed',
          );
        }
      }
      for (const t of ex.tasks) {
        const n = t.failHeldInputs();
        if (n === 0) continue;
        this.count(ex.component, n);
        this.log.info({ component: ex.component, task: t.taskId, failed: n }, 'draining: the inputs its windows held failed, to be replayed (the windows will not fire here)');
      }
    }
  }

  private count(component: string, n: number): void {
    if (n > 0) this.failed.set(component, (this.failed.get(component) ?? 0) + n);
  }
}
