import type { ComponentError } from '../errors.js';
import type { BoltTask } from './bolt-task.js';
import type { EngineLog, Scheduler } from './ports.js';
import { replayDelayMs, type ReplayBackoff } from './replay-backoff.js';
import { SpoutTask } from './spout-task.js';

/** Delays between open()/prepare() attempts of one task: 1 s doubling to 30 s, jittered ±20%. */
export const TASK_OPEN_BACKOFF: ReplayBackoff = { initialMs: 1000, maxMs: 30_000 };

type Task = SpoutTask | BoltTask;

export interface TaskOpenRetryHooks {
  readonly scheduler: Scheduler;
  readonly log: EngineLog;
  readonly random: () => number;
  /** Opens the task again (a fresh instance); a retriable failure comes back through {@link TaskOpenRetry.defer}. */
  readonly reopen: (task: Task) => Promise<void>;
  /** Whether the topology is active (and the engine not stopped): an opened spout task is then activated. */
  readonly active: () => boolean;
  /** Asks the engine to run its executors (the task has work to do now). */
  readonly wake: () => void;
  /** Whether the task still runs here: a rebalance may have moved its executor away meanwhile. */
  readonly runs: (task: Task) => boolean;
}

/**
 * Calls an opened spout task's activate() or deactivate(); what it throws is the task's reported
 * error. A task still waiting for its open is skipped: it is activated when it opens.
 */
export function activateSpout(task: SpoutTask, on: boolean): void {
  if (!task.opened) return;
  try {
    if (on) task.instance.activate?.();
    else task.instance.deactivate?.();
  } catch (err) {
    task.reportError(err);
  }
}

/**
 * Cluster mode: a task whose open() (spout) or prepare() (bolt) failed with a retriable error — its
 * queue or store server is not up yet, or is restarting — is opened again after a backoff instead of
 * failing the worker's start, which the supervisor would answer with a restart loop. Until then a
 * spout task is asked for nothing and a bolt task's executor runs nothing (its inputs wait in its
 * queue: backpressure, and trees that wait too long time out and replay). Each failure is reported
 * (`gale status` shows it with the component's errors) and logged with the delay before the next
 * attempt. A non-retriable failure on a retry (say, the server came back asking for a password) is
 * reported and ends the retries: the task stays unopened, the rest of the topology runs.
 */
export class TaskOpenRetry {
  private readonly attempts = new Map<Task, number>();
  private readonly cancels = new Set<() => void>();
  private closed = false;

  constructor(private readonly hooks: TaskOpenRetryHooks) {}

  /** For `deferOpen` (task-open.ts): leaves `task` unopened and schedules its next open. */
  readonly defer = (task: Task, err: ComponentError): boolean => {
    if (this.closed) return false;
    const attempt = (this.attempts.get(task) ?? 0) + 1;
    this.attempts.set(task, attempt);
    if (task.opened) {
      task.opened = false;
      task.exec.unopened++;
    }
    const retryInMs = replayDelayMs(attempt + 1, TASK_OPEN_BACKOFF, this.hooks.random);
    task.reportError(err);
    this.hooks.log.warn({ component: task.component, task: task.taskId, code: err.code, attempt, retryInMs }, `${err.message}; opening again in ${retryInMs} ms`);
    const cancel = this.hooks.scheduler.after(retryInMs, () => {
      this.cancels.delete(cancel);
      void this.retry(task);
    });
    this.cancels.add(cancel);
    return true;
  };

  /** Stops every pending retry (engine close). */
  close(): void {
    this.closed = true;
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
  }

  private async retry(task: Task): Promise<void> {
    if (this.closed || !this.hooks.runs(task)) {
      this.attempts.delete(task);
      return;
    }
    try {
      await this.hooks.reopen(task);
    } catch (err) {
      task.reportError(err);
      this.hooks.log.error({ component: task.component, task: task.taskId, code: (err as { code?: unknown }).code }, `${(err as Error).message}; not retried (the error is not retriable)`);
      return;
    }
    if (!task.opened) return; // failed again: deferred with the next delay
    this.attempts.delete(task);
    task.exec.unopened--;
    this.hooks.log.info({ component: task.component, task: task.taskId }, 'task opened after retrying');
    if (this.closed) {
      // The engine closed while this open ran, and skipped the task: close what just opened.
      try {
        if (task instanceof SpoutTask) await task.instance.close?.();
        else await task.instance.cleanup?.();
      } catch (err) {
        task.reportError(err);
      }
      return;
    }
    if (task instanceof SpoutTask && this.hooks.active()) activateSpout(task, true);
    this.hooks.wake();
  }
}
