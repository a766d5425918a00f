import type { ComponentError } from '../errors.js';
import type { BoltTask } from './bolt-task.js';
import type { EngineLog, Scheduler } from './ports.js';
import { replayDelayMs, type ReplayBackoff } from './replay-backoff.js';
import { SpoutTask } from './spout-task.js';
import { closeTask } from './task-close.js';

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
 * queue or store server is not up yet, or is restarting; a multilang subprocess that exited before
 * its handshake — is opened again after a backoff instead of failing the worker's start, which the
 * supervisor would answer with a restart loop. Until then a spout task is asked for nothing and a
 * bolt task's executor runs nothing (its inputs wait in its queue: backpressure, and trees that
 * wait too long time out and replay). Each failure is reported (`gale status` shows it with the
 * component's errors) and logged with the delay before the next attempt. Once the worker runs,
 * every failure of a retry is retried, retriable or not (a server that came back asking for a
 * password is fixed there, not by restarting the worker), at the backoff's cap.
 */
export class TaskOpenRetry {
  private readonly attempts = new Map<Task, number>();
  private readonly cancels = new Set<() => void>();
  private closed = false;

  constructor(private readonly hooks: TaskOpenRetryHooks) {}

  /** For `deferOpen` (task-open.ts): leaves `task` unopened and schedules its next open. */
  readonly defer = (task: Task, err: ComponentError): boolean => {
    if (this.closed) return false;
    this.schedule(task, err);
    return true;
  };

  /**
   * Stops every pending retry. One whose open() runs now is not waited for (it may never resolve:
   * the engine names it in its close); the engine's stop makes the opener close the task once that
   * open resolves (task-open.ts).
   */
  close(): void {
    this.closed = true;
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
  }

  private schedule(task: Task, err: unknown): void {
    const attempt = (this.attempts.get(task) ?? 0) + 1;
    this.attempts.set(task, attempt);
    if (task.opened) {
      task.opened = false;
      task.exec.unopened++;
    }
    const retryInMs = replayDelayMs(attempt + 1, TASK_OPEN_BACKOFF, this.hooks.random);
    task.reportError(err);
    const code = (err as { code?: unknown } | null)?.code;
    this.hooks.log.warn({ component: task.component, task: task.taskId, code, err: (err as Error)?.message ?? String(err), attempt, retryInMs }, 'task could not open; opening it again after a backoff');
    const cancel = this.hooks.scheduler.after(retryInMs, () => {
      this.cancels.delete(cancel);
      void this.retry(task);
    });
    this.cancels.add(cancel);
  }

  private async retry(task: Task): Promise<void> {
    if (this.gone(task)) return;
    try {
      await this.hooks.reopen(task);
    } catch (err) {
      // Not retriable (the first failure was): retried all the same, see the class comment.
      if (!this.gone(task)) this.schedule(task, err);
      return;
    }
    if (!task.opened) return; // failed again, retriably: deferred with the next delay
    const attempts = this.attempts.get(task);
    this.attempts.delete(task);
    if (this.gone(task)) {
      // The engine closed, or a rebalance moved the task away, while this open ran: nobody else
      // will close what just opened (or the engine's close saw it opened and did: closeTask runs once).
      task.opened = false;
      await closeTask(task);
      return;
    }
    task.exec.unopened--;
    this.hooks.log.info({ component: task.component, task: task.taskId, attempts }, 'task opened after retrying');
    if (task instanceof SpoutTask && this.hooks.active()) activateSpout(task, true);
    this.hooks.wake();
  }

  /** The engine closed or the task's executor left this engine (a rebalance): no more retries. */
  private gone(task: Task): boolean {
    if (!this.closed && !task.exec.retired) return false;
    this.attempts.delete(task);
    return true;
  }
}
