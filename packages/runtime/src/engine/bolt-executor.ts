import { ExecutorBase, TURN_BUDGET } from './executor-base.js';
import type { ExecutorHost } from './host.js';
import type { BoltTask } from './bolt-task.js';
import { Outbox, TaskQueue } from './task-queue.js';
import type { BoltTarget } from './transfer.js';
import { TICK_REF, untrackedTuple, type TupleImpl } from './tuple.js';

/**
 * Runs the tasks of one bolt executor: takes tuples from its bounded queue (or on the sender's
 * stack when it is free), at most `maxConcurrency` async executes at once, and tick tuples.
 */
export class BoltExecutor extends ExecutorBase implements BoltTarget {
  readonly tasks: BoltTask[] = [];
  readonly queue: TaskQueue<TupleImpl>;
  /** Tuples from other workers that found the queue full; moved in, in order, as it drains. */
  private readonly inbound = new Outbox<TupleImpl>();
  inflight = 0;
  /** On the stack (its turn or an inline run): never re-entered. */
  private running = false;
  private tickDue = false;
  /** Value carried by tick tuples: the period in seconds. */
  private tickSecs = 0;

  constructor(host: ExecutorHost, component: string, capacity: number, readonly maxConcurrency: number) {
    super(host, component);
    this.queue = new TaskQueue(capacity);
  }

  get idle(): boolean {
    return this.queue.size === 0 && this.outbox.size === 0 && this.inflight === 0 && this.inbound.size === 0;
  }

  get backlog(): number {
    return this.inbound.size;
  }

  receiveBacklogged(task: number, tuple: TupleImpl): void {
    this.inbound.push(task, tuple);
  }

  /** Empties the network backlog into `take` (an executor going away fails what it held). */
  takeBacklog(take: (task: number, tuple: TupleImpl) => boolean): void {
    this.inbound.drain(take);
  }

  /** Starts ticking every `ms` (the first tick at once when `atStart`); returns the cancel function. */
  startTicks(ms: number, atStart = false): () => void {
    this.tickSecs = ms / 1000;
    if (atStart) {
      this.tickDue = true;
      this.host.wake();
    }
    return this.host.scheduler.every(ms, () => {
      this.tickDue = true;
      this.host.wake();
    });
  }

  private readonly pushInbound = (task: number, tuple: TupleImpl): boolean => this.queue.push(tuple, task);

  get canRunInline(): boolean {
    return !this.running && this.queue.size === 0 && this.outbox.size === 0 && this.inbound.size === 0 && this.inflight < this.maxConcurrency && !this.tickDue && this.unopened === 0;
  }

  runInline(taskId: number, tuple: TupleImpl): void {
    this.running = true;
    try {
      this.start(this.tasks[taskId - this.tasks[0]!.taskId]!, tuple);
    } finally {
      this.running = false;
    }
  }

  runControlInline(taskId: number, stream: string, sourceTask: number, a: number, b: number, c: number): boolean {
    this.running = true;
    try {
      return this.tasks[taskId - this.tasks[0]!.taskId]!.runControlInline(stream, sourceTask, a, b, c);
    } finally {
      this.running = false;
    }
  }

  turn(): boolean {
    this.running = true;
    try {
      return this.runTurn();
    } finally {
      this.running = false;
    }
  }

  private runTurn(): boolean {
    let progress = false;
    if (this.inbound.size > 0) {
      const before = this.inbound.size;
      this.inbound.drain(this.pushInbound);
      progress = this.inbound.size < before;
    }
    if (!this.flushOutbox() || this.unopened > 0) return progress; // unopened: inputs wait in the queue (backpressure)
    // A due tick is a barrier: it waits for in-flight async executes (concurrency limit, shared
    // collector), and no queued tuple starts before it, so a backlog cannot starve it.
    if (this.tickDue) {
      if (this.inflight > 0) return progress;
      this.tickDue = false;
      for (const task of this.tasks) this.start(task, untrackedTuple([this.tickSecs], TICK_REF, -1));
      progress = true;
    }
    const q = this.queue;
    const first = this.tasks[0]!.taskId;
    let budget = TURN_BUDGET;
    while (budget-- > 0 && q.size > 0 && this.inflight < this.maxConcurrency && this.outbox.size === 0) {
      const tuple = q.shift()!;
      this.start(this.tasks[q.lastTag - first]!, tuple);
      progress = true;
    }
    return progress;
  }

  private start(task: BoltTask, tuple: TupleImpl): void {
    const p = task.run(tuple);
    if (p !== undefined) {
      this.inflight++;
      void p.then(this.settled);
    }
  }

  /**
   * An async execute settled. A field rather than a closure in {@link start}: one there makes the
   * optimized start allocate a context on every call (as BoltTask.settle explains for run).
   */
  private readonly settled = (): void => {
    this.inflight--;
    this.host.wake();
  };
}
