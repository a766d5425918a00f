import type { ExecutorHost } from './host.js';
import type { Sender } from './router.js';
import { Outbox } from './task-queue.js';
import type { TupleImpl } from './tuple.js';

/** Tuples emitted in one executor turn before it yields to the others. */
export const TURN_BUDGET = 512;

/** One executor: runs its tasks' work in turns of the engine's loop. */
export abstract class ExecutorBase implements Sender {
  /** Tuples this executor could not hand to a full target queue; it does nothing else until they drain. */
  readonly outbox = new Outbox<TupleImpl>();
  /** Index among its component's executors (`component#index`). */
  index = 0;
  /** Tasks waiting for a retry of their open()/prepare() (task-open-retry.ts): a bolt executor runs nothing meanwhile. */
  unopened = 0;
  /** Moved away by a rebalance (executor-swap.ts): its tasks are not opened again. */
  retired = false;
  /** Backpressure time: measured on the outbox's empty/non-empty transitions only, never per tuple. */
  private blockedSince = 0;
  private blockedMs = 0;

  constructor(readonly host: ExecutorHost, readonly component: string) {}

  /**
   * Hands a data tuple to the task's executor: runs it right away when that executor is free
   * and has nothing queued (run-time operator chaining: same order, data still hot in cache),
   * else queues it, else keeps it (in order) in the outbox because the queue is full.
   */
  send(targetTask: number, tuple: TupleImpl): void {
    const t = this.host.transfer;
    if (this.outbox.size === 0 && (t.runInline(targetTask, tuple) || t.enqueue(targetTask, tuple))) return;
    if (this.outbox.size === 0) this.blockedSince = this.host.clock.now();
    this.outbox.push(targetTask, tuple);
  }

  /** Returns true when the outbox is empty (the executor may run). */
  flushOutbox(): boolean {
    if (this.outbox.size === 0) return true;
    if (!this.outbox.drain(this.host.transfer.enqueueBound)) return false;
    this.blockedMs += this.host.clock.now() - this.blockedSince;
    return true;
  }

  /** Total ms spent with tuples stuck in the outbox, the current stretch included. */
  backpressureMs(now: number): number {
    return this.blockedMs + (this.outbox.size > 0 ? now - this.blockedSince : 0);
  }

  /** Runs one turn; true when it made progress. */
  abstract turn(): boolean;
  /** Nothing queued, held back or in flight here. */
  abstract get idle(): boolean;
}
