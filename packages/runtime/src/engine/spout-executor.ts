import { ACK_OUTCOME_STREAM } from './acker.js';
import type { ExecutorHost } from './host.js';
import { ExecutorBase, TURN_BUDGET } from './executor-base.js';
import type { SpoutTask } from './spout-task.js';
import { replayDelayMs, type ReplayBackoff } from './replay-backoff.js';
import { KEEP_EPOCHS } from './timeouts.js';
import type { SpoutTarget } from './transfer.js';
import type { FailReason } from '../api/types.js';
import { Hop, hopTrace, stampHop } from '../hop-trace.js';
import { failReasonOf, isTreeOutcome, TreeOutcome, type TreeOutcomeCode } from './tree-outcome.js';
import type { TupleImpl } from './tuple.js';

/** Emits between two hand-backs of completed trees within a turn (see {@link SpoutExecutor.turn}). */
const DRAIN_EVERY = 16;
/** A spout that had nothing to emit this recently is below its capacity: its turns stop at the run's ackSliceMs. */
const RECENT_IDLE_MS = 100;

/** A failed message id whose `fail()` waits for its replay backoff. */
interface HeldReplay {
  readonly task: SpoutTask;
  readonly messageId: unknown;
  readonly reason: FailReason;
  /** Cancels its timer; undefined once it fired. */
  cancel: (() => void) | undefined;
}

/**
 * Runs the tasks of one spout executor: asks them for tuples (nextTuple) within
 * maxSpoutPending, and hands them their tree outcomes — from the acker (`__ack_outcome`
 * tuples), from its own timeout rotation, or at once when nothing tracks trees. A message id
 * that fails again is handed back (`fail`) only after its replay backoff (replay-backoff.ts).
 */
export class SpoutExecutor extends ExecutorBase implements SpoutTarget {
  readonly tasks: SpoutTask[] = [];
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
  private isActive = false;
  private readonly backoff: ReplayBackoff;
  /**
   * Failed ids waiting for their backoff. Not pending trees: they do not count against
   * maxSpoutPending (as in Storm, where a KafkaSpout's retry schedule lives in the spout, out of
   * the executor's pending map), but they keep the executor from being idle.
   */
  private readonly held = new Set<HeldReplay>();
  /** Held ids whose backoff is over (or cut short): `fail()` on the next turn. */
  private due: HeldReplay[] = [];
  /** metricsEnabled: false skips the complete-latency histogram (the bench measures what it costs). */
  private readonly timing: boolean;
  /** When a turn last found nothing to emit below maxSpoutPending (the source had no data, or a rate limit). */
  private idleAt = -Infinity;

  constructor(host: ExecutorHost, component: string, private readonly waitMs: number) {
    super(host, component);
    this.backoff = { initialMs: host.config.replayBackoffInitialMs, maxMs: host.config.replayBackoffMaxMs };
    this.timing = host.config.metricsEnabled;
  }

  /** Spouts are asked for tuples. */
  get active(): boolean {
    return this.isActive;
  }

  /**
   * Deactivating (`deactivate`, or the drain before close) hands back every held replay at once:
   * an inactive spout emits nothing, so there is no hot loop to hold off, and a drain should not
   * wait out a backoff; failures while inactive are handed back at once too.
   */
  set active(on: boolean) {
    this.isActive = on;
    if (!on) this.releaseHeld();
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
    if (typeof root === 'number') this.outcome(taskId, root, tuple.values[1]); // else malformed: the tree times out
  }

  /** `[root, outcome]` from an acker task of this engine without a tuple (ControlDirectEmitter). */
  receiveControl(taskId: number, stream: string, root: number, outcome: number): boolean {
    if (stream !== ACK_OUTCOME_STREAM) return false;
    this.outcome(taskId, root, outcome);
    return true;
  }

  private outcome(taskId: number, root: number, outcome: unknown): void {
    if (!isTreeOutcome(outcome)) return; // malformed: the tree times out
    if (outcome === TreeOutcome.RESET) this.touch(taskId, root);
    else this.notify(outcome, taskId, root);
  }

  /** Restarts the timeout of a pending tree (`resetTimeout`). */
  touch(taskId: number, root: number): void {
    const task = this.taskOf(taskId);
    if (!task.pending.touch(root, this.host.epoch)) return;
    // A bolt that keeps a long tree alive is working on it: the tree is not stalled.
    task.lastCompletionAt = this.host.clock.now();
  }

  /**
   * Workers of the topology this one has lost and not got back (connections dropped: a crash, a
   * kill, a network cut). Every tree pending when one is lost, or emitted while one is away, may
   * time out for that alone, so none of those timeouts is charged to maxRetries. The worker that
   * crashed reports the trees it was executing (crash-reports.ts), and only those are charged.
   */
  peersDown = 0;

  /** The number of lost workers changed (Engine.peersDown). */
  setPeersDown(n: number): void {
    if (n > this.peersDown) for (const t of this.tasks) t.pending.exposeAll();
    this.peersDown = n;
  }

  /** Times out the trees not touched for KEEP_EPOCHS rotations (called after each rotation). */
  expire(epoch: number): void {
    for (const t of this.tasks) {
      for (const root of t.pending.expired(epoch, KEEP_EPOCHS)) {
        t.forgetTree(root);
        this.notify(TreeOutcome.TIMED_OUT, t.taskId, root);
      }
      t.pending.trim();
    }
  }

  get idle(): boolean {
    return this.inboxHead === this.inbox.length && this.outbox.size === 0 && !this.busy && this.held.size === 0 && this.due.length === 0;
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
      const pending = task.pending;
      const slot = pending.slotOf(root);
      if (slot < 0) {
        // Already timed out (excused: charge its message now), or a late duplicate.
        if (outcome === TreeOutcome.CRASHED) task.chargeLate(root);
        continue;
      }
      if (outcome === TreeOutcome.ACKED) {
        // The common outcome reads the columns: no tree object (pending-trees.ts).
        const messageId = pending.messageIdAt(slot);
        const startedAt = pending.startedAtAt(slot);
        pending.deleteSlot(slot, root);
        task.lastCompletionAt = now;
        try {
          task.metrics.acked++;
          if (this.timing) task.metrics.completeLatency.record((now - startedAt) * 1000);
          task.clearFailures(messageId);
          if (hopTrace.on) stampHop(Hop.COMPLETE, root);
          task.instance.ack?.(messageId);
        } catch (err) {
          task.reportError(err);
        }
        continue;
      }
      const p = pending.get(root)!;
      pending.deleteSlot(slot, root);
      if (outcome === TreeOutcome.CRASHED) task.forgetTree(root); // the acker may still track it
      else if (outcome !== TreeOutcome.TIMED_OUT) task.lastCompletionAt = now;
      try {
        if (outcome === TreeOutcome.WORKER_CRASHED) {
          // Its earlier attempts crashed their worker past maxRetries (spout-task.ts crashedOut).
          task.metrics.failed++;
          task.clearFailures(p.messageId);
          task.deadLetter(p, 'worker-crashed', p.crashes ?? 0);
          task.instance.ack?.(p.messageId);
        } else {
          task.metrics.failed++;
          if (outcome === TreeOutcome.TIMED_OUT) task.metrics.timedOut++;
          const reason = failReasonOf(outcome as TreeOutcomeCode);
          // A timeout while a worker was lost is not charged (crash-reports.ts), nor a failure by a
          // bolt that stops (tree-outcome.ts): replayed as usual, with the backoff its charged failures give.
          const exposed = outcome === TreeOutcome.TIMED_OUT && p.exposed === true;
          const excused = exposed || outcome === TreeOutcome.FAILED_STOPPED;
          if (exposed && task.countsFailures) task.excuse(root, p.messageId);
          const attempts = !task.countsFailures ? 0 : excused ? task.failuresOf(p.messageId) : task.countFailure(p.messageId);
          if (!excused && task.instance.deadLetterOn?.includes(reason) === true) {
            // A reason the spout says repeats on every replay (e.g. too-large): terminal at once.
            task.clearFailures(p.messageId);
            task.deadLetter(p, reason, Math.max(attempts, 1));
            task.instance.ack?.(p.messageId);
          } else if (!excused && task.maxRetries !== null && attempts > task.maxRetries) {
            // Terminal: out of retries. The spout sees an ack (it must not replay the id again).
            task.deadLetter(p, outcome === TreeOutcome.CRASHED ? 'worker-crashed' : reason, attempts);
            task.instance.ack?.(p.messageId);
          } else {
            if (outcome === TreeOutcome.CRASHED && task.countsFailures) task.keepCrashCount(p.messageId, attempts);
            const delay = this.isActive && !this.closed ? replayDelayMs(attempts, this.backoff, this.host.random) : 0;
            if (delay > 0) this.hold(task, p.messageId, reason, delay);
            else {
              task.metrics.replayed++;
              task.instance.fail?.(p.messageId, reason);
            }
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

  /** Holds the `fail()` of `messageId` until its backoff is over. */
  private hold(task: SpoutTask, messageId: unknown, reason: FailReason, delayMs: number): void {
    const r: HeldReplay = { task, messageId, reason, cancel: undefined };
    this.held.add(r);
    r.cancel = this.host.scheduler.after(delayMs, () => {
      r.cancel = undefined;
      this.held.delete(r);
      this.due.push(r);
      this.host.wake();
    });
  }

  /** Cancels the timers of held replays and makes them due now. */
  private releaseHeld(): void {
    if (this.held.size === 0) return;
    for (const r of this.held) {
      r.cancel?.();
      this.due.push(r);
    }
    this.held.clear();
    this.host.wake();
  }

  /** Hands the due replays to their spouts (`fail`). */
  private drainDue(): boolean {
    if (this.due.length === 0) return false;
    const due = this.due;
    this.due = [];
    for (const r of due) {
      try {
        r.task.metrics.replayed++;
        r.task.instance.fail?.(r.messageId, r.reason);
      } catch (err) {
        r.task.reportError(err);
      }
    }
    // The spout has something to replay now: end its spout-wait, so the replay goes out at its
    // due time (Storm's loop, too, calls nextTuple right after fail).
    if (this.waiting && this.cancelWait !== undefined) {
      this.cancelWait();
      this.cancelWait = undefined;
      this.waiting = false;
    }
    return true;
  }

  turn(): boolean {
    let progress = this.drainDue();
    if (this.drainInbox()) progress = true;
    if (!this.flushOutbox()) return progress;
    if (!this.active || this.busy || this.waiting || this.closed) return progress;
    const n = this.tasks.length;
    let budget = TURN_BUDGET;
    let idleTasks = 0;
    let sinceDrain = 0;
    while (budget > 0 && idleTasks < n && this.outbox.size === 0 && !this.busy && this.active && !this.closed) {
      // Trees that completed during this turn (run inline to the acker) are handed back every few
      // emits, not at the end of the turn: a tree's complete latency would otherwise include the
      // rest of the turn's emits (up to TURN_BUDGET trees, milliseconds), and its pending slot
      // would stay taken as long.
      if (sinceDrain >= DRAIN_EVERY) {
        sinceDrain = 0;
        const drained = this.drainInbox();
        // In a worker, acks of pending trees arrive as socket reads, unread until the run yields:
        // the turn ends where the run's ackSliceMs does, not after its whole budget (~1-2 ms) — while
        // the spout is below its capacity (it went idle lately). A spout that always has data, or
        // stays at maxSpoutPending, is throughput-bound: its latency is its backlog's, and shorter
        // turns would only cost it throughput (more, smaller runs and frames).
        if (this.host.sliceOver() && this.host.clock.now() - this.idleAt < RECENT_IDLE_MS) break;
        // The spout's ack()/fail() may emit, and an emit that finds a queue full waits in the
        // (unbounded) outbox: check the loop's conditions again before the next nextTuple().
        if (drained) continue;
      }
      const task = this.tasks[this.next]!;
      this.next = this.next + 1 === n ? 0 : this.next + 1;
      if (task.pending.size >= task.maxPending || !task.opened) {
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
        sinceDrain += emitted;
      }
    }
    if (idleTasks >= n && !this.busy && this.outbox.size === 0) {
      // Nothing to emit: ask again after spoutWaitMs (0: on the next loop turn) instead of
      // spinning. When every task is at maxSpoutPending, an ack wakes the spout instead.
      const allCapped = this.tasks.every((t) => t.pending.size >= t.maxPending);
      if (!allCapped) {
        this.idleAt = this.host.clock.now();
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

  /**
   * No more nextTuple calls; the spout-wait timer is released, and replays still held (a drain
   * cut short) are handed back now, their timers cancelled, before the engine closes the spout.
   */
  close(): void {
    this.closed = true;
    this.cancelWait?.();
    this.cancelWait = undefined;
    this.releaseHeld();
    this.drainDue();
  }

  private settleAsync(): void {
    this.busy = false;
    this.host.wake();
  }
}
