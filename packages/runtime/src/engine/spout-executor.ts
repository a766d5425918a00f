import { ACK_OUTCOME_STREAM } from './acker.js';
import type { ExecutorHost } from './host.js';
import { ExecutorBase, TURN_BUDGET } from './executor-base.js';
import type { SpoutTask } from './spout-task.js';
import { KEEP_EPOCHS } from './timeouts.js';
import type { SpoutTarget } from './transfer.js';
import { isTreeOutcome, TreeOutcome, type TreeOutcomeCode } from './tree-outcome.js';
import type { TupleImpl } from './tuple.js';


/**
 * Runs the tasks of one spout executor: asks them for tuples (nextTuple) within
 * maxSpoutPending, and hands them their tree outcomes — from the acker (`__ack_outcome`
 * tuples), from its own timeout rotation, or at once when nothing tracks trees.
 */
export class SpoutExecutor extends ExecutorBase implements SpoutTarget {
  readonly tasks: SpoutTask[] = [];
  active = false;
  /** An async nextTuple is in flight. */
  busy = false;
  /** Not calling nextTuple until the spout-wait timer fires. */
  waiting = false;
  closed = false;
  /** (outcome, task, root) triples not yet handed to the spout. */
  private inbox: number[] = [];
  private inboxHead = 0;
  private next = 0;
  /** Cancels the pending spout-wait timer, if any. */
  private cancelWait: (() => void) | undefined;

  constructor(host: ExecutorHost, component: string, private readonly waitMs: number) {
    super(host, component);
  }

  /** Tree outcome for a task of this executor. */
  notify(outcome: TreeOutcomeCode, taskId: number, root: number): void {
    this.inbox.push(outcome, taskId, root);
    this.host.wake();
  }

  /** An `__ack_outcome` tuple from an acker task: `[root, outcome]` (spouts receive nothing else). */
  receive(taskId: number, tuple: TupleImpl): void {
    if (tuple.stream.id !== ACK_OUTCOME_STREAM) return;
    const root = tuple.values[0];
    const outcome = tuple.values[1];
    if (typeof root !== 'number' || !isTreeOutcome(outcome)) return; // malformed: the tree times out
    if (outcome === TreeOutcome.RESET) this.touch(taskId, root);
    else this.notify(outcome, taskId, root);
  }

  /** Restarts the timeout of a pending tree (`resetTimeout`). */
  touch(taskId: number, root: number): void {
    const p = this.taskOf(taskId).pending.get(root);
    if (p !== undefined) p.epoch = this.host.epoch;
  }

  /** Times out the trees not touched for KEEP_EPOCHS rotations (called after each rotation). */
  expire(epoch: number): void {
    for (const t of this.tasks) {
      for (const [root, p] of t.pending) {
        if (epoch - p.epoch > KEEP_EPOCHS) {
          t.forgetTree(root);
          this.notify(TreeOutcome.TIMED_OUT, t.taskId, root);
        }
      }
    }
  }

  get idle(): boolean {
    return this.inboxHead === this.inbox.length && this.outbox.size === 0 && !this.busy;
  }

  get pendingCount(): number {
    let n = 0;
    for (const t of this.tasks) n += t.pending.size;
    return n;
  }

  private taskOf(taskId: number): SpoutTask {
    return this.tasks[taskId - this.tasks[0]!.taskId]!;
  }

  private drainInbox(): boolean {
    const box = this.inbox;
    if (this.inboxHead === box.length) return false;
    const now = this.host.clock.now();
    while (this.inboxHead < box.length) {
      const outcome = box[this.inboxHead]!;
      const task = this.taskOf(box[this.inboxHead + 1]!);
      const root = box[this.inboxHead + 2]!;
      this.inboxHead += 3;
      const p = task.pending.get(root);
      if (p === undefined) continue; // already timed out, or a late duplicate
      task.pending.delete(root);
      try {
        if (outcome === TreeOutcome.ACKED) {
          task.metrics.acked++;
          task.metrics.completeLatency.record((now - p.startedAt) * 1000);
          if (task.maxRetries !== null) task.clearFailures(p.messageId);
          task.instance.ack?.(p.messageId);
        } else {
          task.metrics.failed++;
          if (outcome === TreeOutcome.TIMED_OUT) task.metrics.timedOut++;
          const attempts = task.maxRetries === null ? 0 : task.countFailure(p.messageId);
          if (task.maxRetries !== null && attempts > task.maxRetries) {
            // Terminal: out of retries. The spout sees an ack (it must not replay the id again).
            task.deadLetter(p, outcome === TreeOutcome.TIMED_OUT ? 'timed-out' : 'failed', attempts);
            task.instance.ack?.(p.messageId);
          } else {
            task.instance.fail?.(p.messageId);
          }
        }
      } catch (err) {
        task.reportError(err);
      }
    }
    this.inbox = [];
    this.inboxHead = 0;
    return true;
  }

  turn(): boolean {
    let progress = this.drainInbox();
    if (!this.flushOutbox()) return progress;
    if (!this.active || this.busy || this.waiting || this.closed) return progress;
    const n = this.tasks.length;
    let budget = TURN_BUDGET;
    let idleTasks = 0;
    while (budget > 0 && idleTasks < n && this.outbox.size === 0 && !this.busy) {
      const task = this.tasks[this.next]!;
      this.next = this.next + 1 === n ? 0 : this.next + 1;
      if (task.pending.size >= task.maxPending) {
        idleTasks++;
        continue;
      }
      const before = task.metrics.emitted;
      let r: void | Promise<void>;
      try {
        r = task.instance.nextTuple();
      } catch (err) {
        task.reportError(err);
        idleTasks++;
        continue;
      }
      if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
        this.busy = true;
        (r as Promise<void>).then(
          () => this.settleAsync(),
          (err: unknown) => {
            task.reportError(err);
            this.settleAsync();
          },
        );
      }
      const emitted = task.metrics.emitted - before;
      if (emitted === 0) idleTasks++;
      else {
        idleTasks = 0;
        progress = true;
        budget -= emitted;
      }
    }
    if (idleTasks >= n && !this.busy && this.outbox.size === 0) {
      // Nothing to emit: ask again after spoutWaitMs (0: on the next loop turn) instead of
      // spinning. When every task is at maxSpoutPending, an ack wakes the spout instead.
      const allCapped = this.tasks.every((t) => t.pending.size >= t.maxPending);
      if (!allCapped) {
        this.waiting = true;
        const retry = (): void => {
          this.cancelWait = undefined;
          this.waiting = false;
          this.host.wake();
        };
        if (this.waitMs > 0) this.cancelWait = this.host.scheduler.after(this.waitMs, retry);
        else this.host.scheduler.defer(retry);
      }
    }
    return progress;
  }

  /** No more nextTuple calls; the spout-wait timer is released. */
  close(): void {
    this.closed = true;
    this.cancelWait?.();
    this.cancelWait = undefined;
  }

  private settleAsync(): void {
    this.busy = false;
    this.host.wake();
  }
}
