import type { Topology } from '../api/builder.js';
import type { StateStoreProvider } from '../api/state/state-store.js';
import type { BasicBolt, Bolt } from '../api/types.js';
import type { TopologyConfig } from '../config/topology-config.js';
import { ComponentError } from '../errors.js';
import { BoltTask } from './bolt-task.js';
import { errorMessage } from './error-message.js';
import type { Plan } from './plan.js';
import { SpoutTask } from './spout-task.js';
import type { SystemEnv } from './system-component.js';
import { spoutConfig } from './spout-config.js';
import { closeTask } from './task-close.js';
import { TaskContextImpl } from './task-context.js';

export interface OpenContext {
  readonly topology: Topology;
  readonly config: TopologyConfig;
  readonly plan: Plan;
  readonly stateStores: StateStoreProvider | undefined;
  readonly systemEnv: SystemEnv;
  /**
   * Cluster mode: called when a spout's open() or a bolt's prepare() throws a retriable error (its
   * server is not up yet). Returning true leaves the task unopened for the caller to retry
   * (task-open-retry.ts) instead of failing the start, which the supervisor would answer with a
   * restart loop.
   */
  readonly deferOpen?: (task: SpoutTask | BoltTask, err: ComponentError) => boolean;
  /**
   * The engine was closed: open no more tasks. One whose open was in flight then is closed here
   * once that open resolves (the engine's close skipped it: it was not marked opened yet).
   */
  readonly stopped?: () => boolean;
  /** Tasks whose open()/prepare() runs now (added before, removed once it settles): what a close names as still opening. */
  readonly inFlight?: Set<SpoutTask | BoltTask>;
}

/**
 * Creates the component instances of tasks and runs their user code: bolts' prepare() first, then
 * spouts' open() (a spout may emit from open(), and its tuples must find prepared bolts). At engine
 * start, and for the executors a rebalance brings to a running engine.
 */
export async function openTasks(tasks: readonly (SpoutTask | BoltTask)[], o: OpenContext): Promise<void> {
  for (const task of [...tasks.filter((t) => t instanceof BoltTask), ...tasks.filter((t) => t instanceof SpoutTask)]) {
    if (o.stopped?.() === true) return;
    // Opened once its open()/prepare() resolved: a close meanwhile must not close it (cleanup() while prepare() runs).
    const wasOpened = task.opened;
    task.opened = false;
    const c = o.plan.components.get(task.component)!;
    const config = c.kind === 'spout' ? spoutConfig(o.config, c.spec) : o.config;
    const ctx = new TaskContextImpl(o.topology, config, o.plan.tasksOf, task.component, task.taskId, c.tasks.indexOf(task.taskId), o.stateStores);
    o.inFlight?.add(task);
    try {
      if (task instanceof SpoutTask && c.kind === 'spout') {
        task.instance = c.spec.create();
        await task.instance.open?.(ctx, task);
      } else if (task instanceof BoltTask && c.kind === 'bolt') {
        const bolt = c.create(o.systemEnv);
        task.init(bolt);
        if (task.basic) await (bolt as BasicBolt).prepare?.(ctx);
        else await (bolt as Bolt).prepare?.(ctx, task);
      }
    } catch (err) {
      task.opened = wasOpened; // as before the attempt: a deferred task is marked unopened by its retrier
      const spout = task instanceof SpoutTask;
      const failed = new ComponentError(
        spout ? 'GALE_ERR_SPOUT_OPEN' : 'GALE_ERR_BOLT_PREPARE',
        `${spout ? 'spout' : 'bolt'} "${task.component}" (task ${task.taskId}) failed in ${spout ? 'open' : 'prepare'}(): ${errorMessage(err)}`,
        { cause: err, retriable: (err as { retriable?: unknown } | null)?.retriable === true },
      );
      if (failed.retriable && o.deferOpen?.(task, failed) === true) continue;
      throw failed;
    } finally {
      o.inFlight?.delete(task);
    }
    if (o.stopped?.() === true) {
      // The engine closed while it opened, and closed only the tasks opened before: nobody else closes this one.
      await closeTask(task);
      return;
    }
    task.opened = true;
  }
}
