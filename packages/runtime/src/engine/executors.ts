import type {
  BasicBolt, BasicOutputCollector, Bolt, DeadLetterReason, OutputCollector, Spout, SpoutOutputCollector, Tuple, Values,
} from '../api/types.js';
import { DEFAULT_STREAM } from '../api/types.js';
import { ComponentError, FailedException } from '../errors.js';
import type { Runtime, OutRoute } from './engine.js';
import { TaskMetrics } from './metrics.js';
import { Outbox, TaskQueue } from './task-queue.js';
import { TUPLE_ACKED, TUPLE_FAILED, TUPLE_PENDING, TupleImpl, type StreamRef } from './tuple.js';

/** Tuples emitted in one executor turn before it yields to the others. */
export const TURN_BUDGET = 512;

/** Spout inbox message kinds. */
export const ACKED = 1;
export const FAILED = 2;
const TIMED_OUT = 3;

/** Execute latency is timed on one tuple in this many (timing costs more than a counter). */
const LATENCY_SAMPLE_MASK = 15;

/**
 * Most message ids whose failures a spout task counts at once (maxRetries set). Ids leave the
 * count when acked or dead-lettered; a spout that drops failed ids instead of replaying them
 * would grow it forever, so past this the oldest count is forgotten (that id gets more retries).
 */
export const MAX_RETRY_COUNTS = 65_536;

export interface PendingTree {
  readonly messageId: unknown;
  readonly startedAt: number;
  epoch: number;
  /** Stream and values of the spout emit, kept to dead-letter them (references, not copies). */
  readonly stream: string;
  readonly values: readonly unknown[];
}

/** Normalises the optional `anchors` argument without allocating in the common cases. */
function anchorList(anchors: Tuple | readonly Tuple[] | undefined): readonly TupleImpl[] | TupleImpl | undefined {
  return anchors as readonly TupleImpl[] | TupleImpl | undefined;
}

abstract class TaskBase {
  readonly metrics = new TaskMetrics();
  /** Routes per output stream, built by the runtime. */
  routes!: Map<string, OutRoute>;
  defaultRoute: OutRoute | undefined;

  constructor(
    readonly rt: Runtime,
    readonly exec: ExecutorBase,
    readonly component: string,
    readonly taskId: number,
  ) {}

  route(streamId: string): OutRoute {
    const r = streamId === DEFAULT_STREAM ? this.defaultRoute : this.routes.get(streamId);
    if (r === undefined) {
      throw new ComponentError('GALE_ERR_UNDECLARED_STREAM', `component "${this.component}" emitted on stream "${streamId}", which it did not declare in declareOutputFields (declared: ${[...this.routes.keys()].join(', ') || 'none'})`);
    }
    return r;
  }

  checkValues(route: OutRoute, values: Values, direct: boolean): void {
    if (!Array.isArray(values)) {
      throw new ComponentError('GALE_ERR_BAD_VALUES', `component "${this.component}" emitted ${typeof values} on stream "${route.ref.id}"; emit an array of values`);
    }
    if (values.length !== route.ref.fields.size) {
      throw new ComponentError('GALE_ERR_ARITY', `component "${this.component}" emitted ${values.length} values on stream "${route.ref.id}", which declares ${route.ref.fields.size} fields ${route.ref.fields}`);
    }
    if (route.direct !== direct) {
      throw new ComponentError('GALE_ERR_DIRECT_MISMATCH', direct
        ? `component "${this.component}" used emitDirect on stream "${route.ref.id}", which is not declared direct`
        : `component "${this.component}" used emit on direct stream "${route.ref.id}"; use emitDirect`);
    }
    this.metrics.emitted++;
    if (this.rt.onEmit !== undefined) this.rt.onEmit(this.component, route.ref.id, values, this.taskId);
  }

  checkDirect(route: OutRoute, taskId: number): void {
    if (route.directTargets === null || !route.directTargets.has(taskId)) {
      throw new ComponentError('GALE_ERR_BAD_DIRECT_TASK', `component "${this.component}" emitDirect to task ${taskId} on stream "${route.ref.id}", but no direct-grouped subscriber has that task (valid: ${[...(route.directTargets ?? [])].join(', ') || 'none'})`);
    }
  }

  reportError(err: unknown): void {
    this.metrics.errors++;
    this.rt.reportError(this.component, this.taskId, err);
  }
}

export abstract class ExecutorBase {
  /** Tuples this executor could not hand to a full target queue; it does nothing else until they drain. */
  readonly outbox = new Outbox<TupleImpl>();

  constructor(readonly rt: Runtime, readonly component: string) {}

  /**
   * Hands a tuple to the task's executor: runs it right away when that executor is free and
   * has nothing queued (run-time operator chaining: same order, data still hot in cache), else
   * queues it, else keeps it (in order) in the outbox because the queue is full.
   */
  send(targetTask: number, tuple: TupleImpl): void {
    if (this.outbox.size === 0 && (this.rt.runInline(targetTask, tuple) || this.rt.enqueue(targetTask, tuple))) return;
    this.outbox.push(targetTask, tuple);
  }

  /** Returns true when the outbox is empty (the executor may run). */
  flushOutbox(): boolean {
    return this.outbox.size === 0 || this.outbox.drain(this.rt.enqueueBound);
  }

  abstract turn(): boolean;
  abstract get idle(): boolean;
}

// ---------------------------------------------------------------------------------------------
// Spouts

export class SpoutTask extends TaskBase implements SpoutOutputCollector {
  instance!: Spout;
  readonly pending = new Map<number, PendingTree>();
  maxPending = Infinity;
  /** Failures of one message id before the next one dead-letters it; null: replay forever. */
  maxRetries: number | null = null;
  /** The reserved `__dead_letter` stream; kept out of `routes` so user code cannot emit on it. */
  deadLetterRoute: OutRoute | undefined;
  /**
   * Failures so far per message id (maxRetries set), keyed by the id value: numbers and strings
   * by value, objects by identity. Only ids that failed and are neither acked nor dead-lettered.
   */
  private readonly failures = new Map<unknown, number>();
  private evictionWarned = false;

  emit(values: Values, messageId?: unknown): void {
    this.emitOn(this.defaultRoute ?? this.route(DEFAULT_STREAM), values, messageId, -1);
  }
  emitStream(streamId: string, values: Values, messageId?: unknown): void {
    this.emitOn(this.route(streamId), values, messageId, -1);
  }
  emitDirect(taskId: number, values: Values, messageId?: unknown, streamId: string = DEFAULT_STREAM): void {
    const route = this.route(streamId);
    this.checkDirect(route, taskId);
    this.emitOn(route, values, messageId, taskId);
  }

  private emitOn(route: OutRoute, values: Values, messageId: unknown, directTask: number): void {
    this.checkValues(route, values, directTask >= 0);
    const rt = this.rt;
    const tracked = messageId !== undefined && messageId !== null;
    if (!tracked || rt.ackers === 0) {
      const tuple = new TupleImpl(values, route.ref, this.taskId, null);
      this.metrics.transferred += rt.fanOut(this.exec, route, values, directTask, tuple);
      if (tracked) {
        // Without ackers a tracked emit is complete at once (Storm's behaviour).
        const root = rt.nextLocalRoot();
        this.pending.set(root, { messageId, startedAt: rt.clock.now(), epoch: rt.epoch, stream: route.ref.id, values });
        (this.exec as SpoutExecutor).notify(ACKED, this.taskId, root);
      }
      rt.wake();
      return;
    }
    const root = rt.newRoot();
    this.pending.set(root, { messageId, startedAt: rt.clock.now(), epoch: rt.epoch, stream: route.ref.id, values });
    const x = rt.fanOutTracked(this.exec, route, values, directTask, this.taskId, root);
    this.metrics.transferred += x.count;
    rt.ackInit(root, x.hi, x.lo, this.taskId);
    rt.wake();
  }

  /** The tree of `messageId` completed: its failure count (if any) is over. */
  clearFailures(messageId: unknown): void {
    if (this.failures.size > 0) this.failures.delete(messageId);
  }

  /**
   * Counts one more failure of `messageId` (only called with maxRetries set) and returns the
   * attempts so far. Past maxRetries the count is dropped: the caller dead-letters the id.
   */
  countFailure(messageId: unknown): number {
    const f = this.failures;
    const attempts = (f.get(messageId) ?? 0) + 1;
    if (attempts > this.maxRetries!) {
      f.delete(messageId);
      return attempts;
    }
    if (attempts === 1 && f.size >= MAX_RETRY_COUNTS) {
      f.delete(f.keys().next().value);
      if (!this.evictionWarned) {
        this.evictionWarned = true;
        this.rt.log.warn(
          { component: this.component, task: this.taskId, limit: MAX_RETRY_COUNTS },
          'too many failed message ids awaiting replay; forgetting the oldest retry counts (does the spout replay failed ids?)',
        );
      }
    }
    f.set(messageId, attempts);
    return attempts;
  }

  /**
   * Emits the tree's original emit on `__dead_letter` (untracked), or, with no subscriber,
   * only logs it at warn level. Either way it is counted in `deadLettered`. Never throws: a
   * failing subscriber (e.g. a custom grouping) is reported, and the spout is still acked.
   */
  deadLetter(p: PendingTree, reason: DeadLetterReason, attempts: number): void {
    this.metrics.deadLettered++;
    const route = this.deadLetterRoute;
    const subscribed = route !== undefined && route.choosers.length > 0;
    const info = { component: this.component, task: this.taskId, messageId: p.messageId, stream: p.stream, attempts, reason };
    if (!subscribed) {
      this.rt.log.warn(info, 'tuple dead-lettered (nothing subscribes to __dead_letter)');
      return;
    }
    this.rt.log.info(info, 'tuple dead-lettered');
    try {
      const values = [p.messageId, p.stream, p.values, reason, attempts];
      this.checkValues(route, values, false);
      const tuple = new TupleImpl(values, route.ref, this.taskId, null);
      this.metrics.transferred += this.rt.fanOut(this.exec, route, values, -1, tuple);
      this.rt.wake();
    } catch (err) {
      this.reportError(err);
    }
  }
}

export class SpoutExecutor extends ExecutorBase {
  readonly tasks: SpoutTask[] = [];
  active = false;
  /** An async nextTuple is in flight. */
  busy = false;
  /** Not calling nextTuple until the spout-wait timer fires. */
  waiting = false;
  closed = false;
  private inbox: number[] = [];
  private inboxHead = 0;
  private next = 0;

  constructor(rt: Runtime, component: string, private readonly waitMs: number) {
    super(rt, component);
  }

  /** Tree outcome for a task of this executor (from the acker, a timeout, or an ackers=0 emit). */
  notify(kind: number, taskId: number, root: number): void {
    this.inbox.push(kind, taskId, root);
    this.rt.wake();
  }

  timeOut(taskId: number, root: number): void {
    this.notify(TIMED_OUT, taskId, root);
  }

  /** Restarts the timeout of a pending tree (`resetTimeout`). */
  touch(taskId: number, root: number): void {
    const p = this.taskOf(taskId).pending.get(root);
    if (p !== undefined) p.epoch = this.rt.epoch;
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
    const now = this.rt.clock.now();
    while (this.inboxHead < box.length) {
      const kind = box[this.inboxHead]!;
      const task = this.taskOf(box[this.inboxHead + 1]!);
      const root = box[this.inboxHead + 2]!;
      this.inboxHead += 3;
      const p = task.pending.get(root);
      if (p === undefined) continue; // already timed out, or a late duplicate
      task.pending.delete(root);
      try {
        if (kind === ACKED) {
          task.metrics.acked++;
          task.metrics.completeLatency.record((now - p.startedAt) * 1000);
          if (task.maxRetries !== null) task.clearFailures(p.messageId);
          task.instance.ack?.(p.messageId);
        } else {
          task.metrics.failed++;
          if (kind === TIMED_OUT) task.metrics.timedOut++;
          const attempts = task.maxRetries === null ? 0 : task.countFailure(p.messageId);
          if (task.maxRetries !== null && attempts > task.maxRetries) {
            // Terminal: out of retries. The spout sees an ack (it must not replay the id again).
            task.deadLetter(p, kind === TIMED_OUT ? 'timed-out' : 'failed', attempts);
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
          this.waiting = false;
          this.rt.wake();
        };
        if (this.waitMs > 0) this.rt.scheduler.after(this.waitMs, retry);
        else this.rt.scheduler.defer(retry);
      }
    }
    return progress;
  }

  private settleAsync(): void {
    this.busy = false;
    this.rt.wake();
  }
}

// ---------------------------------------------------------------------------------------------
// Bolts

/** Collector of a basic bolt for one input: anchors every emit to it. */
class BasicCollector implements BasicOutputCollector {
  input: TupleImpl | undefined;
  constructor(private readonly task: BoltTask) {}
  emit(values: Values): void {
    this.task.emit(values, this.input);
  }
  emitStream(streamId: string, values: Values): void {
    this.task.emitStream(streamId, values, this.input);
  }
  emitDirect(taskId: number, values: Values, streamId?: string): void {
    this.task.emitDirect(taskId, values, this.input, streamId);
  }
  reportError(error: unknown): void {
    this.task.reportError(error);
  }
}

export class BoltTask extends TaskBase implements OutputCollector {
  instance!: Bolt | BasicBolt;
  basic = false;
  basicCollector!: BasicCollector;
  private sample = 0;

  init(instance: Bolt | BasicBolt): void {
    this.instance = instance;
    this.basic = (instance as BasicBolt).basic === true;
    this.basicCollector = new BasicCollector(this);
  }

  emit(values: Values, anchors?: Tuple | readonly Tuple[]): void {
    this.emitOn(this.defaultRoute ?? this.route(DEFAULT_STREAM), values, anchors, -1);
  }
  emitStream(streamId: string, values: Values, anchors?: Tuple | readonly Tuple[]): void {
    this.emitOn(this.route(streamId), values, anchors, -1);
  }
  emitDirect(taskId: number, values: Values, anchors?: Tuple | readonly Tuple[], streamId: string = DEFAULT_STREAM): void {
    const route = this.route(streamId);
    this.checkDirect(route, taskId);
    this.emitOn(route, values, anchors, taskId);
  }

  private emitOn(route: OutRoute, values: Values, anchors: Tuple | readonly Tuple[] | undefined, directTask: number): void {
    this.checkValues(route, values, directTask >= 0);
    const list = anchorList(anchors);
    const rt = this.rt;
    if (list === undefined || !isTrackedAnchor(list, this.component)) {
      const tuple = new TupleImpl(values, route.ref, this.taskId, null);
      this.metrics.transferred += rt.fanOut(this.exec, route, values, directTask, tuple);
    } else {
      this.metrics.transferred += rt.fanOutAnchored(this.exec, route, values, directTask, this.taskId, list);
    }
    rt.wake();
  }

  ack(tuple: Tuple): void {
    const t = asInput(tuple, this.component, 'ack');
    if (t.state !== TUPLE_PENDING) return;
    t.state = TUPLE_ACKED;
    this.metrics.acked++;
    const a = t.anchors;
    if (a === null) return;
    for (let i = 0; i < a.length; i += 3) this.rt.ackAck(a[i]!, a[i + 1]! ^ t.ackHi, a[i + 2]! ^ t.ackLo);
  }

  fail(tuple: Tuple): void {
    const t = asInput(tuple, this.component, 'fail');
    if (t.state !== TUPLE_PENDING) return;
    t.state = TUPLE_FAILED;
    this.metrics.failed++;
    const a = t.anchors;
    if (a === null) return;
    for (let i = 0; i < a.length; i += 3) this.rt.ackFail(a[i]!);
  }

  resetTimeout(tuple: Tuple): void {
    const a = asInput(tuple, this.component, 'resetTimeout').anchors;
    if (a === null) return;
    for (let i = 0; i < a.length; i += 3) this.rt.touchTree(a[i]!);
  }

  /** Runs one input; returns a promise when the bolt's execute is async. */
  run(tuple: TupleImpl): Promise<void> | undefined {
    const timed = (++this.sample & LATENCY_SAMPLE_MASK) === 0;
    const t0 = timed ? this.rt.clock.now() : 0;
    let r: void | Promise<void>;
    try {
      if (this.basic) {
        const c = (this.exec as BoltExecutor).maxConcurrency > 1 ? new BasicCollector(this) : this.basicCollector;
        c.input = tuple;
        r = (this.instance as BasicBolt).execute(tuple, c);
      } else {
        r = (this.instance as Bolt).execute(tuple);
      }
    } catch (err) {
      this.onExecuteError(tuple, err);
      return undefined;
    }
    this.metrics.executed++;
    if (r !== undefined && typeof (r as Promise<void>).then === 'function') {
      const start = timed ? t0 : this.rt.clock.now();
      return (r as Promise<void>).then(
        () => {
          this.metrics.executeLatency.record((this.rt.clock.now() - start) * 1000);
          if (this.basic) this.ack(tuple);
        },
        (err: unknown) => this.onExecuteError(tuple, err),
      );
    }
    if (timed) this.metrics.executeLatency.record((this.rt.clock.now() - t0) * 1000);
    if (this.basic) this.ack(tuple);
    return undefined;
  }

  private onExecuteError(tuple: TupleImpl, err: unknown): void {
    if (!(err instanceof FailedException)) this.reportError(err);
    this.fail(tuple);
  }
}

function asInput(tuple: Tuple, component: string, call: string): TupleImpl {
  if (tuple instanceof TupleImpl) return tuple;
  throw new ComponentError('GALE_ERR_BAD_TUPLE', `component "${component}" called ${call}() with ${tuple === null ? 'null' : typeof tuple}, not an input tuple it received`);
}

function isTrackedAnchor(list: readonly TupleImpl[] | TupleImpl, component: string): boolean {
  if (list instanceof TupleImpl) return checkAnchor(list, component);
  let any = false;
  for (const a of list) if (checkAnchor(a, component)) any = true;
  return any;
}

function checkAnchor(a: TupleImpl, component: string): boolean {
  if (!(a instanceof TupleImpl)) {
    throw new ComponentError('GALE_ERR_BAD_ANCHOR', `component "${component}" anchored an emit to something that is not an input tuple`);
  }
  if (a.anchors === null) return false;
  if (a.state !== TUPLE_PENDING) {
    throw new ComponentError('GALE_ERR_ANCHOR_DONE', `component "${component}" emitted anchored to a tuple it already ${a.state === TUPLE_ACKED ? 'acked' : 'failed'}; emit before acking`);
  }
  return true;
}

export class BoltExecutor extends ExecutorBase {
  readonly tasks: BoltTask[] = [];
  readonly queue: TaskQueue<TupleImpl>;
  /** Tuples from other workers that found the queue full; moved in, in order, as it drains. */
  readonly inbound = new Outbox<TupleImpl>();
  inflight = 0;
  /** On the stack (its turn or an inline run): never re-entered. */
  running = false;
  tickDue = false;
  tickRef: StreamRef | undefined;
  tickSecs = 0;

  constructor(rt: Runtime, component: string, capacity: number, readonly maxConcurrency: number) {
    super(rt, component);
    this.queue = new TaskQueue(capacity);
  }

  get idle(): boolean {
    return this.queue.size === 0 && this.outbox.size === 0 && this.inflight === 0 && this.inbound.size === 0;
  }

  private readonly pushInbound = (task: number, tuple: TupleImpl): boolean => this.queue.push(tuple, task);

  /** True when a tuple for this executor may run now, on the caller's stack, without reordering. */
  get canRunInline(): boolean {
    return !this.running && this.queue.size === 0 && this.outbox.size === 0 && this.inbound.size === 0 && this.inflight < this.maxConcurrency && !this.tickDue;
  }

  runInline(taskId: number, tuple: TupleImpl): void {
    this.running = true;
    try {
      this.start(this.tasks[taskId - this.tasks[0]!.taskId]!, tuple);
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
    if (!this.flushOutbox()) return progress;
    // A tick waits for in-flight async executes like any tuple (concurrency limit, shared collector).
    if (this.tickDue && this.tickRef !== undefined && this.inflight === 0) {
      this.tickDue = false;
      for (const task of this.tasks) {
        this.start(task, new TupleImpl([this.tickSecs], this.tickRef, -1, null));
      }
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
      void p.then(() => {
        this.inflight--;
        this.rt.wake();
      });
    }
  }
}

