import { BoltExecutor } from './bolt-executor.js';
import { BoltTask } from './bolt-task.js';
import type { CrashCounts } from './crash-counts.js';
import type { ExecutorBase } from './executor-base.js';
import type { ExecutorHost } from './host.js';
import type { PlannedExecutor } from './plan.js';
import { spoutConfig } from './spout-config.js';
import { SpoutExecutor } from './spout-executor.js';
import { SpoutTask } from './spout-task.js';

export type AnyExecutor = SpoutExecutor | BoltExecutor;

/** Executors and their tasks, not yet registered: no tuple reaches them before {@link ExecutorSet.register}. */
export function createExecutors(host: ExecutorHost, list: readonly PlannedExecutor[], crashCounts: CrashCounts | undefined): AnyExecutor[] {
  const cfg = host.config;
  const out: AnyExecutor[] = [];
  for (const { component: c, tasks, index } of list) {
    if (c.kind === 'spout') {
      const ex = new SpoutExecutor(host, c.id, cfg.spoutWaitMs);
      ex.index = index;
      for (const id of tasks) {
        const t = new SpoutTask(host, ex, c.id, id);
        // The spout's own options win, including a maxRetries of null (retry forever).
        const own = spoutConfig(cfg, c.spec);
        t.maxPending = own.maxSpoutPending ?? Infinity;
        t.maxRetries = own.maxRetries;
        if (crashCounts !== undefined) t.useCrashCounts(crashCounts);
        ex.tasks.push(t);
      }
      out.push(ex);
    } else {
      const ex = new BoltExecutor(host, c.id, cfg.queueCapacity, c.maxConcurrency);
      ex.index = index;
      for (const id of tasks) ex.tasks.push(new BoltTask(host, ex, c.id, id, c.maxConcurrency));
      out.push(ex);
    }
  }
  return out;
}

/** The executors running in an engine, their tasks by id, the loop's run order and their tick timers. */
export class ExecutorSet {
  readonly spouts: SpoutExecutor[] = [];
  readonly bolts: BoltExecutor[] = [];
  /** Run order: sinks (and system bolts) first so space frees up before producers try. */
  readonly runOrder: ExecutorBase[] = [];
  /** Local tasks by id. */
  readonly taskOf: (SpoutTask | BoltTask | undefined)[] = [];
  private readonly ticks = new Map<BoltExecutor, () => void>();

  constructor(private readonly host: ExecutorHost) {}

  /** A spout here has trees out: their acks may be waiting as I/O (EngineOptions.ackSliceMs). */
  treesPending(): boolean {
    for (const ex of this.spouts) for (const t of ex.tasks) if (t.pending.size > 0) return true;
    return false;
  }

  /** Makes an executor's tasks local: tuples reach them and the loop runs them. */
  register(ex: AnyExecutor): void {
    for (const t of ex.tasks) {
      this.taskOf[t.taskId] = t;
      if (ex instanceof SpoutExecutor) this.host.transfer.addSpout(t.taskId, ex);
      else this.host.transfer.addBolt(t.taskId, ex);
    }
    if (ex instanceof SpoutExecutor) this.spouts.push(ex);
    else this.bolts.push(ex);
    this.runOrder.splice(0, this.runOrder.length, ...[...this.bolts].reverse(), ...this.spouts);
  }

  /** The executor no longer runs here: tuples for its tasks go to the link, its ticks stop. */
  unregister(ex: AnyExecutor): void {
    for (const t of ex.tasks) {
      this.taskOf[t.taskId] = undefined;
      this.host.transfer.removeTask(t.taskId);
    }
    const drop = <T>(list: T[], item: T): void => void list.splice(list.indexOf(item), 1);
    if (ex instanceof SpoutExecutor) drop(this.spouts, ex);
    else drop(this.bolts, ex);
    drop(this.runOrder, ex as ExecutorBase);
    if (ex instanceof BoltExecutor) {
      this.ticks.get(ex)?.();
      this.ticks.delete(ex);
    }
  }

  setTicks(ex: BoltExecutor, cancel: () => void): void {
    this.ticks.set(ex, cancel);
  }

  cancelTicks(): void {
    for (const c of this.ticks.values()) c();
    this.ticks.clear();
  }

  tasks(): (SpoutTask | BoltTask)[] {
    return this.taskOf.filter((t): t is SpoutTask | BoltTask => t !== undefined);
  }

  /** The running executors with these identities (`component#index:tasks`, see executor-swap.ts). */
  withIdentity(ids: ReadonlySet<string>): AnyExecutor[] {
    return [...this.spouts, ...this.bolts].filter((ex) => ids.has(`${ex.component}#${ex.index}:${ex.tasks.map((t) => t.taskId).join(',')}`));
  }
}
