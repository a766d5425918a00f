import type { RemoteLink } from './remote.js';
import type { Sender } from './router.js';
import type { TaskQueue } from './task-queue.js';
import type { TupleImpl } from './tuple.js';

/** Deepest chain of bolts run on one stack before falling back to queues. */
const MAX_INLINE_DEPTH = 32;

/** A bolt executor as the transfer sees it. */
export interface BoltTarget {
  readonly queue: TaskQueue<TupleImpl>;
  /** True when a tuple may run now, on the caller's stack, without reordering. */
  readonly canRunInline: boolean;
  runInline(task: number, tuple: TupleImpl): void;
  /** A tuple-less control message for a system bolt (see SystemBolt.controlInline); false: not taken. */
  runControlInline(task: number, stream: string, sourceTask: number, a: number, b: number, c: number): boolean;
  /** Network tuples that found the queue full wait here, in order (see {@link Transfer.receive}). */
  receiveBacklogged(task: number, tuple: TupleImpl): void;
  readonly backlog: number;
}

/** A spout executor as the transfer sees it: it only receives control tuples (tree outcomes). */
export interface SpoutTarget {
  receive(task: number, tuple: TupleImpl): void;
}

/**
 * The last stage of the pipeline: hands a tuple to the task that must process it — run at once
 * on the caller's stack (operator chaining), put in the task's local queue, or sent to the
 * worker that runs the task. Data tuples may be refused (a full queue or peer: backpressure,
 * the sender keeps them in its outbox); control tuples never are (see system-component.ts).
 */
export class Transfer {
  private readonly bolts: (BoltTarget | undefined)[] = [];
  private readonly spouts: (SpoutTarget | undefined)[] = [];
  private inlineDepth = 0;
  /** Closed until every local task is prepared: nothing runs inline before (tuples wait in queues). */
  private opened = false;
  /** Sender for control streams. */
  readonly control: Sender = { send: (task, tuple) => this.deliverControl(task, tuple) };
  readonly enqueueBound = (task: number, tuple: TupleImpl): boolean => this.enqueue(task, tuple);

  constructor(private readonly link: RemoteLink | undefined, private readonly wake: () => void) {}

  addBolt(task: number, target: BoltTarget): void {
    this.bolts[task] = target;
  }

  addSpout(task: number, target: SpoutTarget): void {
    this.spouts[task] = target;
  }

  /** The task no longer runs here (its executor moved away): tuples for it go to the link. */
  removeTask(task: number): void {
    this.bolts[task] = undefined;
    this.spouts[task] = undefined;
  }

  /** Every local task is prepared: tuples may run inline from now on. */
  open(): void {
    this.opened = true;
  }

  isLocalTask = (task: number): boolean => this.bolts[task] !== undefined || this.spouts[task] !== undefined;

  /**
   * Runs the tuple on the caller's stack when its executor is free. Chains are bounded by the
   * topology's depth (acyclic), and by MAX_INLINE_DEPTH for safety.
   */
  runInline(task: number, tuple: TupleImpl): boolean {
    const ex = this.bolts[task];
    if (ex === undefined || !this.opened || this.inlineDepth >= MAX_INLINE_DEPTH || !ex.canRunInline) return false;
    this.inlineDepth++;
    try {
      ex.runInline(task, tuple);
    } finally {
      this.inlineDepth--;
    }
    return true;
  }

  /**
   * A three-number control message for a local task, run now without a tuple object when its
   * executor is free and its bolt takes it (the acker's ack and init); false: send a tuple.
   */
  controlInline(task: number, stream: string, sourceTask: number, a: number, b: number, c: number): boolean {
    const ex = this.bolts[task];
    if (ex === undefined || !this.opened || this.inlineDepth >= MAX_INLINE_DEPTH || !ex.canRunInline) return false;
    this.inlineDepth++;
    try {
      return ex.runControlInline(task, stream, sourceTask, a, b, c);
    } finally {
      this.inlineDepth--;
    }
  }

  /** Queues a data tuple for a local task, or sends it to the worker that runs the task; false: full. */
  enqueue(task: number, tuple: TupleImpl): boolean {
    const ex = this.bolts[task];
    if (ex !== undefined) return ex.queue.push(tuple, task);
    return this.link!.sendTuple(task, tuple);
  }

  /** A control tuple: never refused, never behind data in an outbox. */
  deliverControl(task: number, tuple: TupleImpl): void {
    const ex = this.bolts[task];
    if (ex !== undefined) {
      if (!this.runInline(task, tuple)) {
        ex.queue.pushGrow(tuple, task);
        this.wake();
      }
      return;
    }
    const sp = this.spouts[task];
    if (sp !== undefined) sp.receive(task, tuple);
    else this.link!.sendTuple(task, tuple); // the link's contract: control tuples are never refused
  }

  /**
   * A tuple from another worker for a local task. Runs or queues it; a data tuple that finds the
   * queue full waits in the executor's backlog (the worker pauses reading from the network while
   * {@link backlog} is large: that is how backpressure crosses workers). False: no such task here.
   */
  receive(task: number, tuple: TupleImpl): boolean {
    if (tuple.stream.control) {
      if (!this.isLocalTask(task)) return false;
      this.deliverControl(task, tuple);
      return true;
    }
    const ex = this.bolts[task];
    if (ex === undefined) return false;
    if (ex.backlog > 0 || !(this.runInline(task, tuple) || ex.queue.push(tuple, task))) ex.receiveBacklogged(task, tuple);
    this.wake();
    return true;
  }
}
