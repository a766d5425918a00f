import type { RemoteLink } from './remote.js';
import type { Sender } from './router.js';
import type { TaskQueue } from './task-queue.js';
import { rootHigh, rootLow, untrackedTuple, type StreamRef, type TupleImpl } from './tuple.js';

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
  /** A control message `[a, b]` on `stream` without a tuple (see ControlDirectEmitter); false: not taken. */
  receiveControl(task: number, stream: string, a: number, b: number): boolean;
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
  /**
   * One ack `[root, hi, lo]` for a local system bolt (the acker), held while tuples run inline
   * (see {@link holdAck}): the acks of one tree from one chain of inline executions (a spout's
   * emit, a split's words counted inline) are XORed into it, and it reaches the acker once, when
   * the chain returns (inline depth 0) or before any other control message. 0: none held.
   * Invariant the order of fails, resets and forgets rests on: every path to an acker goes
   * through this class and flushes the held ack first; a new path that reaches the acker some
   * other way (e.g. straight to the remote link) must call flushAcks() before it sends.
   */
  private heldAcks = 0;
  private heldTask = 0;
  private heldRef: StreamRef | undefined;
  private heldSource = 0;
  private heldRoot = 0;
  /** `heldRoot` in halves, as a tuple carries its root (see {@link mergeAckOf}); -1: none. */
  private heldRootHi = -1;
  private heldRootLo = 0;
  private heldHi = 0;
  private heldLo = 0;

  constructor(private readonly link: RemoteLink | undefined, private readonly wake: () => void) {}

  /** The engine's run ended: the link hands over its partial batches (RemoteLink.endOfRun). */
  endOfRun(): void {
    this.link?.endOfRun?.();
  }

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
      if (--this.inlineDepth === 0 && this.heldAcks > 0) this.flushAcks();
    }
    return true;
  }

  /**
   * XORs an ack into the held one when it is of the same tree (so for the same acker task: the
   * acker is a function of the root); false: not merged, the caller picks the task and calls
   * {@link holdAck}. Merging is what the acker itself would do (its entry is the XOR of every
   * edge seen), minus a ledger update and the call chain per ack.
   */
  mergeAck(root: number, hi: number, lo: number): boolean {
    if (this.heldAcks === 0 || this.heldRoot !== root) return false;
    this.heldHi ^= hi;
    this.heldLo ^= lo;
    this.heldAcks++;
    return true;
  }

  /**
   * {@link mergeAck} for a root given in halves (TupleImpl.rootHi/rootLo): a bolt's ack of an
   * input tells the tree from the two ints, so the joined root, a double beyond the small-integer
   * range, is not made (and boxed, when the call that takes it is not inlined) once per ack.
   */
  mergeAckOf(rootHi: number, rootLo: number, hi: number, lo: number): boolean {
    if (this.heldAcks === 0 || this.heldRootHi !== rootHi || this.heldRootLo !== rootLo) return false;
    this.heldHi ^= hi;
    this.heldLo ^= lo;
    this.heldAcks++;
    return true;
  }

  /**
   * A spout's init of tree `root` while the ack of that tree is held (every tuple of the tree ran
   * inline, so the ack is the XOR of all their edges): merged, the two reach the acker as one init,
   * and a tree complete by then never takes a slot in its ledger (AckLedger.init). False: nothing
   * of that tree is held; the caller sends the init.
   */
  mergeInit(ref: StreamRef, sourceTask: number, root: number, hi: number, lo: number): boolean {
    if (!this.mergeAck(root, hi, lo)) return false;
    this.heldRef = ref;
    this.heldSource = sourceTask;
    return true;
  }

  /**
   * A spout's tracked emit starts: acks of its tree are held (as during an inline run) until
   * {@link endEmit}, so that its init can merge with them ({@link mergeInit}).
   */
  beginEmit(): void {
    this.inlineDepth++;
  }

  endEmit(): void {
    if (--this.inlineDepth === 0 && this.heldAcks > 0) this.flushAcks();
  }

  /**
   * Holds an ack for local task `task` while a chain of inline runs is on the stack, after
   * sending the one held before (another tree's); false when none is (no chain, or the task runs
   * elsewhere): the caller sends it now. A held ack never outlives the outermost inline run, so a
   * tree still completes in the same call as before, only after the chain's last execute.
   */
  holdAck(task: number, ref: StreamRef, sourceTask: number, root: number, hi: number, lo: number): boolean {
    if (this.inlineDepth === 0 || this.bolts[task] === undefined) return false;
    if (this.heldAcks > 0) this.flushAcks();
    this.heldAcks = 1;
    this.heldTask = task;
    this.heldRef = ref;
    this.heldSource = sourceTask;
    this.heldRoot = root;
    this.heldRootHi = rootHigh(root);
    this.heldRootLo = rootLow(root);
    this.heldHi = hi;
    this.heldLo = lo;
    return true;
  }

  /** Sends the held ack: tuple-less when the acker is free, else as a control tuple. */
  private flushAcks(): void {
    this.heldAcks = 0;
    const task = this.heldTask;
    const ref = this.heldRef!;
    const root = this.heldRoot;
    const hi = this.heldHi;
    const lo = this.heldLo;
    if (!this.controlInline(task, ref.id, this.heldSource, root, hi, lo)) this.deliverControl(task, untrackedTuple([root, hi, lo], ref, this.heldSource));
  }

  /**
   * A three-number control message for a local task, run now without a tuple object when its
   * executor is free and its bolt takes it (the acker's ack and init); false: send a tuple.
   */
  controlInline(task: number, stream: string, sourceTask: number, a: number, b: number, c: number): boolean {
    if (this.heldAcks > 0) this.flushAcks();
    const ex = this.bolts[task];
    if (ex === undefined || !this.opened || this.inlineDepth >= MAX_INLINE_DEPTH || !ex.canRunInline) return false;
    this.inlineDepth++;
    try {
      return ex.runControlInline(task, stream, sourceTask, a, b, c);
    } finally {
      if (--this.inlineDepth === 0 && this.heldAcks > 0) this.flushAcks();
    }
  }

  /** A two-number control message for a local spout task, without a tuple; false: not local, or not taken. */
  controlToSpout(task: number, stream: string, a: number, b: number): boolean {
    const sp = this.spouts[task];
    if (sp === undefined) return false;
    if (this.heldAcks > 0) this.flushAcks();
    return sp.receiveControl(task, stream, a, b);
  }

  /** Queues a data tuple for a local task, or sends it to the worker that runs the task; false: full. */
  enqueue(task: number, tuple: TupleImpl): boolean {
    const ex = this.bolts[task];
    if (ex !== undefined) return ex.queue.push(tuple, task);
    return this.link!.sendTuple(task, tuple);
  }

  /** A control tuple: never refused, never behind data in an outbox. */
  deliverControl(task: number, tuple: TupleImpl): void {
    // Control messages keep their order: a held ack goes first (a fail after it must stay after it).
    if (this.heldAcks > 0) this.flushAcks();
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
   * A control message from another worker shaped `[root, hi, lo]` (an ack or init), run now
   * without a tuple when its task is a free bolt that takes it ({@link controlInline}), as a local
   * one is; false: not taken, the caller sends it as a tuple through {@link receive} (a malformed
   * one too: the acker ignores it there). The caller checked that the task receives the stream.
   */
  receiveControl(task: number, ref: StreamRef, sourceTask: number, values: readonly unknown[]): boolean {
    if (values.length !== 3) return false;
    const root = values[0], hi = values[1], lo = values[2];
    return typeof root === 'number' && root >= 0 && Number.isSafeInteger(root) && typeof hi === 'number' && typeof lo === 'number'
      && this.controlInline(task, ref.id, sourceTask, root, hi, lo);
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
