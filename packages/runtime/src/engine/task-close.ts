import { ComponentError } from '../errors.js';
import type { BoltTask } from './bolt-task.js';
import { errorMessage } from './error-message.js';
import type { EngineLog } from './ports.js';
import { SpoutTask } from './spout-task.js';

type Task = SpoutTask | BoltTask;

/**
 * Tasks already closed. Up to four parties may close one task — the engine's close, a rebalance
 * retiring its executor, the opener of a task whose open() resolved after the close, and a retry
 * of its open (task-open-retry.ts) — and they race across awaits: the first one closes it, the
 * others find it here. Weak: a task is dropped with its engine.
 */
const closed = new WeakSet<Task>();

/**
 * Closes a spout task or cleans up a bolt task, once: a second call does nothing. What the user
 * code throws is reported as the task's error (GALE_ERR_CLOSE).
 */
export async function closeTask(task: Task): Promise<void> {
  if (closed.has(task)) return;
  closed.add(task);
  const phase = task instanceof SpoutTask ? 'close' : 'cleanup';
  try {
    await (task instanceof SpoutTask ? task.instance?.close?.() : task.instance?.cleanup?.());
  } catch (err) {
    task.reportError(new ComponentError('GALE_ERR_CLOSE', `"${task.component}" (task ${task.taskId}) failed in ${phase}(): ${errorMessage(err)}`, { cause: err }));
  }
}

/** Closes the opened ones of `tasks` (each once), spouts first: sources before the bolts they feed. */
export async function closeOpened(tasks: Iterable<Task>): Promise<void> {
  const list = [...tasks].filter((t) => t.opened);
  for (const t of list) if (t instanceof SpoutTask) await closeTask(t);
  for (const t of list) if (!(t instanceof SpoutTask)) await closeTask(t);
}

/**
 * At close, the tasks whose open()/prepare() still runs: the close does not wait for them (one may
 * never resolve); the opener closes each once it resolves (task-open.ts). Said per task, so that
 * a component whose open never resolves — left open, as nobody can close it — can be found.
 */
export function warnStillOpening(tasks: Iterable<Task>, log: EngineLog): void {
  for (const t of tasks) {
    log.warn({ component: t.component, task: t.taskId, waitingFor: t instanceof SpoutTask ? 'open' : 'prepare' },
      'closing while a task is still opening: it is closed when its open()/prepare() resolves, and stays open if that never happens');
  }
}
