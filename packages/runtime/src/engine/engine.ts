import type { BoltSpec, ComponentSpec, Topology } from '../api/builder.js';
import { Fields } from '../api/fields.js';
import { DEAD_LETTER_STREAM, SYSTEM_COMPONENT, TICK_STREAM, type BasicBolt, type Bolt, type TopologyContext } from '../api/types.js';
import type { TopologyConfig } from '../config/topology-config.js';
import { ComponentError, LifecycleError } from '../errors.js';
import { AckLedger, NOT_DONE, type LedgerOutcome } from './ack-ledger.js';
import { ACKED, BoltExecutor, BoltTask, ExecutorBase, FAILED, SpoutExecutor, SpoutTask } from './executors.js';
import { makeChooser, type TaskChooser } from './groupings.js';
import { nextRootId, type IdSource } from './ids.js';
import { Histogram } from './histogram.js';
import { summarize, type ComponentStats, type ReportedError } from './metrics.js';
import type { Clock, EngineLog, Scheduler } from './ports.js';
import {
  ACKER_ACK, ACKER_FAIL, ACKER_INIT, ACKER_TOUCH, NOTIFY_ACKED, NOTIFY_FAILED, NOTIFY_TOUCH, type Placement, type RemoteLink,
} from './remote.js';
import { TupleImpl, type StreamRef } from './tuple.js';

/** Component id of the acker tasks. */
export const ACKER_COMPONENT = '__acker';
/** Time slice of one scheduler run before yielding to I/O. */
const SLICE_MS = 8;
/** A tree expires this many rotations (of messageTimeoutMs / 2) after it was last touched: 1x–1.5x the timeout. */
const KEEP_EPOCHS = 2;
const MAX_ERRORS_KEPT = 10;
/** Longest delay a Node timer honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Deepest chain of bolts run on one stack before falling back to queues. */
const MAX_INLINE_DEPTH = 32;

/** Where one task's tuples on one stream go. */
export interface OutRoute {
  readonly ref: StreamRef;
  readonly choosers: readonly TaskChooser[];
  readonly direct: boolean;
  /** Tasks reachable with emitDirect on this stream; null when the stream is not direct. */
  readonly directTargets: ReadonlySet<number> | null;
}

export interface EngineOptions {
  topology: Topology;
  /** The resolved config (topology config with overrides applied). */
  config: TopologyConfig;
  clock: Clock;
  scheduler: Scheduler;
  ids: IdSource;
  /** Uniform in [0, 1), for shuffle groupings. */
  random: () => number;
  log: EngineLog;
  /** Sees every emit (testing capture); keep it cheap. */
  onEmit?: (component: string, streamId: string, values: readonly unknown[], sourceTask: number) => void;
  onError?: (error: ReportedError) => void;
  /** Cluster mode: which executors run here and how to reach the others. Default: all local. */
  placement?: Placement;
}

/** Tasks of each executor of a component: contiguous, as even as possible (Storm's split). */
export function executorTaskRanges(tasks: readonly number[], parallelism: number): number[][] {
  const out: number[][] = [];
  for (let e = 0; e < parallelism; e++) {
    out.push(tasks.slice(Math.floor((e * tasks.length) / parallelism), Math.floor(((e + 1) * tasks.length) / parallelism)));
  }
  return out;
}

/** Task ids per component, Storm numbering: from 1, components sorted by id, `__acker` included. */
export function assignTaskIds(topology: Topology, ackers: number): Map<string, number[]> {
  const counts = new Map<string, number>();
  for (const c of topology.components.values()) counts.set(c.id, c.numTasks);
  if (ackers > 0) counts.set(ACKER_COMPONENT, ackers);
  const out = new Map<string, number[]>();
  let next = 1;
  for (const id of [...counts.keys()].sort()) {
    const tasks: number[] = [];
    for (let i = 0; i < counts.get(id)!; i++) tasks.push(next++);
    out.set(id, tasks);
  }
  return out;
}

interface Waiter {
  pred: () => boolean;
  resolve: (ok: boolean) => void;
  cancel: () => void;
}

/** XOR of the edge ids a tracked spout emit sent; reused between calls. */
interface TrackedFanOut {
  count: number;
  hi: number;
  lo: number;
}

class TaskContextImpl implements TopologyContext {
  constructor(
    private readonly engine: Engine,
    readonly thisComponentId: string,
    readonly thisTaskId: number,
    readonly thisTaskIndex: number,
  ) {}
  get topologyName(): string { return this.engine.topology.name; }
  get config(): TopologyConfig { return this.engine.config; }
  componentIds(): string[] { return [...this.engine.tasksOf.keys()]; }
  componentTasks(componentId: string): number[] { return [...(this.engine.tasksOf.get(componentId) ?? [])]; }
  componentOutputFields(componentId: string, streamId = 'default'): Fields | undefined {
    return this.engine.topology.components.get(componentId)?.streams.get(streamId)?.fields;
  }
}

/**
 * Runs every task of a topology on one event loop: executors with bounded queues, groupings,
 * the XOR acker, timeouts, ticks and backpressure. Pure of I/O: time, scheduling and
 * randomness are injected, so tests can drive it and the local and cluster shells share it.
 */
export class Engine {
  readonly topology: Topology;
  readonly config: TopologyConfig;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly ackers: number;
  readonly onEmit: EngineOptions['onEmit'];
  /** Component id → sorted task ids (Storm numbering: from 1, components sorted by id). */
  readonly tasksOf: Map<string, number[]>;
  /** Every (component, stream) of the topology, sorted: a stream's wire name is its index here. */
  readonly streamTable: StreamRef[] = [];
  /** Rotation counter for timeouts; spout pending entries and acker slots are stamped with it. */
  epoch = 0;

  private readonly opts: EngineOptions;
  private readonly ids: IdSource;
  /** Also used by spout tasks (dead-lettering); pass the component in the object. */
  readonly log: EngineLog;
  private readonly spoutExecs: SpoutExecutor[] = [];
  private readonly boltExecs: BoltExecutor[] = [];
  /** Executors in run order: sinks first so space frees up before producers try. */
  private readonly runOrder: ExecutorBase[] = [];
  private readonly boltExecOfTask: BoltExecutor[] = [];
  private readonly spoutExecOfTask: SpoutExecutor[] = [];
  private readonly spoutTaskOf: SpoutTask[] = [];
  /** Per acker task index: the ledger when that acker runs here, else undefined. */
  private readonly ledgers: (AckLedger | undefined)[] = [];
  private readonly ackerTasks: number[];
  private readonly link: RemoteLink | undefined;
  private readonly errorsOf = new Map<string, ReportedError[]>();
  private readonly waiters: Waiter[] = [];
  private readonly cancels: (() => void)[] = [];
  private readonly fx: TrackedFanOut = { count: 0, hi: 0, lo: 0 };
  private localRoot = 0;
  private inlineDepth = 0;
  private scheduled = false;
  private running = false;
  private stopped = false;
  private started = false;
  private closing: Promise<void> | undefined;
  private readonly runBound = (): void => this.run();
  readonly enqueueBound = (task: number, tuple: TupleImpl): boolean => this.enqueue(task, tuple);

  constructor(opts: EngineOptions) {
    this.opts = opts;
    this.topology = opts.topology;
    this.config = opts.config;
    this.clock = opts.clock;
    this.scheduler = opts.scheduler;
    this.ids = opts.ids;
    this.log = opts.log;
    this.onEmit = opts.onEmit;
    this.ackers = opts.config.ackers ?? opts.config.workers;
    this.link = opts.placement?.link;
    this.tasksOf = assignTaskIds(this.topology, this.ackers);
    this.ackerTasks = this.tasksOf.get(ACKER_COMPONENT) ?? [];
    for (let i = 0; i < this.ackers; i++) this.ledgers.push(this.isLocal(ACKER_COMPONENT, i) ? new AckLedger() : undefined);
    this.buildStreamTable();
    this.buildExecutors();
    this.buildRoutes();
  }

  private isLocal(component: string, executorIndex: number): boolean {
    return this.opts.placement === undefined || this.opts.placement.isLocal(component, executorIndex);
  }

  /** Executors of a component (the topology's parallelism unless a rebalance changed it). */
  parallelismOf(component: string): number {
    const spec = this.topology.components.get(component);
    if (spec === undefined) return component === ACKER_COMPONENT ? this.ackers : 0;
    return Math.min(spec.numTasks, this.opts.placement?.parallelism?.[component] ?? spec.parallelism);
  }

  private buildStreamTable(): void {
    const keys: [string, ComponentSpec, string][] = [];
    for (const c of this.topology.components.values()) for (const st of c.streams.keys()) keys.push([`${c.id}\u0000${st}`, c, st]);
    keys.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    keys.forEach(([, c, st], index) => {
      this.streamTable.push(Object.freeze({ component: c.id, id: st, fields: c.streams.get(st)!.fields, index }));
    });
  }

  private buildExecutors(): void {
    const cfg = this.config;
    for (const spec of this.topology.components.values()) {
      const ranges = executorTaskRanges(this.tasksOf.get(spec.id)!, this.parallelismOf(spec.id));
      for (let e = 0; e < ranges.length; e++) {
        if (!this.isLocal(spec.id, e)) continue;
        const mine = ranges[e]!;
        if (spec.kind === 'spout') {
          const ex = new SpoutExecutor(this, spec.id, cfg.spoutWaitMs);
          for (const id of mine) {
            const t = new SpoutTask(this, ex, spec.id, id);
            t.maxPending = spec.maxSpoutPending ?? cfg.maxSpoutPending ?? Infinity;
            // The spout's own option wins, including its null (retry forever).
            t.maxRetries = spec.maxRetries !== undefined ? spec.maxRetries : cfg.maxRetries;
            ex.tasks.push(t);
            this.spoutExecOfTask[id] = ex;
            this.spoutTaskOf[id] = t;
          }
          this.spoutExecs.push(ex);
        } else {
          const ex = new BoltExecutor(this, spec.id, cfg.queueCapacity, spec.maxConcurrency ?? cfg.maxConcurrency);
          for (const id of mine) {
            ex.tasks.push(new BoltTask(this, ex, spec.id, id));
            this.boltExecOfTask[id] = ex;
          }
          this.boltExecs.push(ex);
        }
      }
    }
    this.runOrder.push(...[...this.boltExecs].reverse(), ...this.spoutExecs);
  }

  private allTasks(): (SpoutTask | BoltTask)[] {
    return [...this.spoutExecs.flatMap((e) => e.tasks), ...this.boltExecs.flatMap((e) => e.tasks)];
  }

  private buildRoutes(): void {
    const subscribers = new Map<string, { target: ComponentSpec; grouping: BoltSpec['inputs'][number]['grouping'] }[]>();
    for (const c of this.topology.components.values()) {
      for (const input of c.inputs) {
        const key = `${input.component}\u0000${input.stream}`;
        subscribers.set(key, [...(subscribers.get(key) ?? []), { target: c, grouping: input.grouping }]);
      }
    }
    const refs = new Map<string, StreamRef>(this.streamTable.map((r) => [`${r.component}\u0000${r.id}`, r]));
    for (const task of this.allTasks()) {
      const spec = this.topology.components.get(task.component)!;
      task.routes = new Map();
      for (const stream of spec.streams.values()) {
        const key = `${spec.id}\u0000${stream.id}`;
        const ref = refs.get(key)!;
        const choosers: TaskChooser[] = [];
        const directTargets = new Set<number>();
        for (const sub of subscribers.get(key) ?? []) {
          const targetTasks = this.tasksOf.get(sub.target.id)!;
          const chooser = makeChooser(sub.grouping, {
            sourceComponent: spec.id, sourceTask: task.taskId, streamId: stream.id, targetComponent: sub.target.id,
            targetTasks, localTasks: targetTasks.filter((t) => this.boltExecOfTask[t] !== undefined),
            fields: stream.fields, random: this.opts.random,
          });
          if (chooser === null) for (const t of targetTasks) directTargets.add(t);
          else choosers.push(chooser);
        }
        const route: OutRoute = { ref, choosers, direct: stream.direct, directTargets: stream.direct ? directTargets : null };
        if (stream.id === DEAD_LETTER_STREAM && task instanceof SpoutTask) task.deadLetterRoute = route;
        else task.routes.set(stream.id, route);
      }
      task.defaultRoute = task.routes.get('default');
    }
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle

  /** Opens spouts and prepares bolts (user code), then activates spouts and starts running. */
  async start(): Promise<void> {
    if (this.started) throw new LifecycleError('GALE_ERR_ALREADY_STARTED', `topology "${this.topology.name}" is already started`);
    this.started = true;
    // Bolts first: a spout may emit from open() (or a timer it starts), and its tuples must find
    // prepared bolts.
    const tasks = this.allTasks();
    for (const task of [...tasks.filter((t) => !(t instanceof SpoutTask)), ...tasks.filter((t) => t instanceof SpoutTask)]) {
      const spec = this.topology.components.get(task.component)!;
      const ctx = new TaskContextImpl(this, task.component, task.taskId, this.tasksOf.get(task.component)!.indexOf(task.taskId));
      const phase = task instanceof SpoutTask ? 'open' : 'prepare';
      try {
        if (task instanceof SpoutTask) {
          task.instance = (spec as Extract<ComponentSpec, { kind: 'spout' }>).create();
          await task.instance.open?.(ctx, task);
        } else {
          const bolt = (spec as BoltSpec).create();
          task.init(bolt);
          if (task.basic) await (bolt as BasicBolt).prepare?.(ctx);
          else await (bolt as Bolt).prepare?.(ctx, task);
        }
      } catch (err) {
        this.stopped = true;
        throw new ComponentError(
          phase === 'open' ? 'GALE_ERR_SPOUT_OPEN' : 'GALE_ERR_BOLT_PREPARE',
          `${task instanceof SpoutTask ? 'spout' : 'bolt'} "${task.component}" (task ${task.taskId}) failed in ${phase}(): ${errorMessage(err)}`,
          { cause: err },
        );
      }
    }
    if (this.ackers > 0) this.cancels.push(this.scheduler.every(Math.max(1, this.config.messageTimeoutMs / 2), () => this.rotate()));
    for (const ex of this.boltExecs) {
      const spec = this.topology.components.get(ex.component) as BoltSpec;
      const secs = spec.tickFrequencySecs ?? this.config.tickFrequencySecs;
      if (secs === null || secs === undefined) continue;
      ex.tickSecs = secs;
      ex.tickRef = { component: SYSTEM_COMPONENT, id: TICK_STREAM, fields: new Fields(['tickFrequencySecs']), index: -1 };
      this.cancels.push(this.scheduler.every(secs * 1000, () => {
        ex.tickDue = true;
        this.wake();
      }));
    }
    this.cancels.push(this.scheduler.every(50, () => this.checkWaiters()));
    this.activate();
  }

  activate(): void {
    this.setActive(true);
  }

  /** Spouts stop being asked for tuples; in-flight trees still complete. */
  deactivate(): void {
    this.setActive(false);
  }

  get isActive(): boolean {
    return this.spoutExecs.some((e) => e.active);
  }

  private setActive(on: boolean): void {
    for (const ex of this.spoutExecs) {
      if (ex.active === on || ex.closed) continue;
      ex.active = on;
      for (const t of ex.tasks) {
        try {
          if (on) t.instance.activate?.();
          else t.instance.deactivate?.();
        } catch (err) {
          t.reportError(err);
        }
      }
    }
    this.wake();
  }

  /** No tuple queued, in flight or awaiting its ack anywhere. */
  isQuiescent(): boolean {
    for (const ex of this.runOrder) if (!ex.idle) return false;
    for (const ex of this.spoutExecs) if (ex.pendingCount > 0) return false;
    return true;
  }

  /** Every spout says it will never emit again (spouts without `isExhausted` never are). */
  allSpoutsExhausted(): boolean {
    return this.spoutExecs.every((ex) => ex.tasks.every((t) => t.instance?.isExhausted?.() === true));
  }

  /** Resolves true once `pred()` holds (checked as the engine runs), false after `timeoutMs`. */
  waitUntil(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    // Node timers take at most 2^31-1 ms (larger ones, Infinity and NaN fire at once).
    timeoutMs = Number.isFinite(timeoutMs) ? Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS) : MAX_TIMER_MS;
    if (pred()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w: Waiter = { pred, resolve, cancel: () => {} };
      // keepAlive: someone awaits this, so the process must not exit before it settles.
      w.cancel = this.scheduler.after(timeoutMs, () => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(pred());
      }, true);
      this.waiters.push(w);
      this.wake();
    });
  }

  private checkWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      let ok: boolean;
      try {
        ok = w.pred();
      } catch (err) {
        // A throwing condition (e.g. a spout's isExhausted) is not met; the wait times out.
        this.log.warn({ err: errorMessage(err) }, 'wait condition threw');
        ok = false;
      }
      if (ok) {
        this.waiters.splice(i, 1);
        w.cancel();
        w.resolve(true);
      }
    }
  }

  /**
   * Deactivates spouts, waits up to `drainTimeoutMs` for in-flight trees, then stops and
   * closes spouts and cleans up bolts (sources first). Idempotent.
   */
  close(drainTimeoutMs = this.config.drainTimeoutMs): Promise<void> {
    this.closing ??= (async () => {
      if (this.started && !this.stopped) {
        this.deactivate();
        const drained = await this.waitUntil(() => this.isQuiescent(), drainTimeoutMs);
        if (!drained) this.log.warn({ drainTimeoutMs }, 'closing with tuples still in flight');
      }
      this.stopped = true;
      for (const c of this.cancels.splice(0)) c();
      for (const w of this.waiters.splice(0)) {
        w.cancel();
        w.resolve(w.pred());
      }
      for (const ex of this.spoutExecs) {
        ex.closed = true;
        for (const t of ex.tasks) await this.safely(t, 'close', () => t.instance?.close?.());
      }
      for (const ex of this.boltExecs) {
        for (const t of ex.tasks) await this.safely(t, 'cleanup', () => t.instance?.cleanup?.());
      }
    })();
    return this.closing;
  }

  private async safely(task: SpoutTask | BoltTask, phase: string, fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (err) {
      task.reportError(new ComponentError('GALE_ERR_CLOSE', `"${task.component}" (task ${task.taskId}) failed in ${phase}(): ${errorMessage(err)}`, { cause: err }));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Scheduling

  wake(): void {
    if (this.scheduled || this.running || this.stopped) return;
    this.scheduled = true;
    this.scheduler.defer(this.runBound);
  }

  private run(): void {
    this.scheduled = false;
    if (this.stopped) return;
    this.running = true;
    const deadline = this.clock.now() + SLICE_MS;
    let progress: boolean;
    try {
      do {
        progress = false;
        for (const ex of this.runOrder) if (ex.turn()) progress = true;
      } while (progress && this.clock.now() < deadline);
    } finally {
      this.running = false;
    }
    if (progress) this.wake();
    if (this.waiters.length > 0) this.checkWaiters();
  }

  /** Moves expired trees to their spouts as timeouts; frees stale acker entries. */
  private rotate(): void {
    this.epoch++;
    for (const l of this.ledgers) l?.rotate(KEEP_EPOCHS);
    for (const ex of this.spoutExecs) {
      for (const t of ex.tasks) {
        for (const [root, p] of t.pending) {
          if (this.epoch - p.epoch > KEEP_EPOCHS) {
            this.ledgerOf(root)?.forget(root);
            ex.timeOut(t.taskId, root);
          }
        }
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Tuple transfer (called by tasks)

  /**
   * Runs the tuple on the caller's stack when its executor is free. Chains are bounded by
   * the topology's depth (acyclic), and by MAX_INLINE_DEPTH for safety.
   */
  runInline(task: number, tuple: TupleImpl): boolean {
    const ex = this.boltExecOfTask[task];
    if (ex === undefined || this.inlineDepth >= MAX_INLINE_DEPTH || !ex.canRunInline) return false;
    this.inlineDepth++;
    try {
      ex.runInline(task, tuple);
    } finally {
      this.inlineDepth--;
    }
    return true;
  }

  /** Queues a tuple for a local task, or sends it to the worker that runs the task. */
  enqueue(task: number, tuple: TupleImpl): boolean {
    const ex = this.boltExecOfTask[task];
    if (ex !== undefined) return ex.queue.push(tuple, task);
    return this.link!.sendTuple(task, tuple);
  }

  /** Untracked fan-out: one shared tuple object to every target. Returns the number of deliveries. */
  fanOut(exec: ExecutorBase, route: OutRoute, values: readonly unknown[], directTask: number, tuple: TupleImpl): number {
    if (directTask >= 0) {
      exec.send(directTask, tuple);
      return 1;
    }
    let n = 0;
    for (const c of route.choosers) {
      if (c.single) {
        exec.send(c.chooseOne(values), tuple);
        n++;
      } else {
        for (const t of c.chooseMany(values)) {
          exec.send(t, tuple);
          n++;
        }
      }
    }
    return n;
  }

  /** Spout fan-out of a new tree: each delivery gets its own random edge id. */
  fanOutTracked(exec: ExecutorBase, route: OutRoute, values: readonly unknown[], directTask: number, sourceTask: number, root: number): TrackedFanOut {
    const fx = this.fx;
    fx.count = 0;
    fx.hi = 0;
    fx.lo = 0;
    if (directTask >= 0) {
      this.sendEdge(exec, directTask, values, route.ref, sourceTask, root);
      return fx;
    }
    for (const c of route.choosers) {
      if (c.single) this.sendEdge(exec, c.chooseOne(values), values, route.ref, sourceTask, root);
      else for (const t of c.chooseMany(values)) this.sendEdge(exec, t, values, route.ref, sourceTask, root);
    }
    return fx;
  }

  private sendEdge(exec: ExecutorBase, target: number, values: readonly unknown[], ref: StreamRef, sourceTask: number, root: number): void {
    const hi = this.ids.next32();
    const lo = this.ids.next32();
    const fx = this.fx;
    fx.hi ^= hi;
    fx.lo ^= lo;
    fx.count++;
    exec.send(target, new TupleImpl(values, ref, sourceTask, [root, hi, lo]));
  }

  /** Bolt fan-out anchored to inputs: each delivery gets an edge id XORed into every anchor. */
  fanOutAnchored(exec: ExecutorBase, route: OutRoute, values: readonly unknown[], directTask: number, sourceTask: number, anchors: readonly TupleImpl[] | TupleImpl): number {
    if (directTask >= 0) {
      exec.send(directTask, new TupleImpl(values, route.ref, sourceTask, this.anchorIds(anchors)));
      return 1;
    }
    let n = 0;
    for (const c of route.choosers) {
      if (c.single) {
        exec.send(c.chooseOne(values), new TupleImpl(values, route.ref, sourceTask, this.anchorIds(anchors)));
        n++;
      } else {
        for (const t of c.chooseMany(values)) {
          exec.send(t, new TupleImpl(values, route.ref, sourceTask, this.anchorIds(anchors)));
          n++;
        }
      }
    }
    return n;
  }

  /** New edge id for one outgoing tuple: XORed into each anchor's ack val and recorded per root. */
  private anchorIds(anchors: readonly TupleImpl[] | TupleImpl): number[] | null {
    if (anchors instanceof TupleImpl) {
      const a = anchors.anchors;
      if (a === null) return null;
      const hi = this.ids.next32();
      const lo = this.ids.next32();
      anchors.ackHi ^= hi;
      anchors.ackLo ^= lo;
      if (a.length === 3) return [a[0]!, hi, lo];
      const out: number[] = [];
      for (let i = 0; i < a.length; i += 3) out.push(a[i]!, hi, lo);
      return out;
    }
    let out: number[] | null = null;
    for (const anchor of anchors) {
      const a = anchor.anchors;
      if (a === null) continue;
      const hi = this.ids.next32();
      const lo = this.ids.next32();
      anchor.ackHi ^= hi;
      anchor.ackLo ^= lo;
      out ??= [];
      for (let i = 0; i < a.length; i += 3) {
        let j = 0;
        while (j < out.length && out[j] !== a[i]) j += 3;
        if (j < out.length) {
          out[j + 1]! ^= hi;
          out[j + 2]! ^= lo;
        } else out.push(a[i]!, hi, lo);
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Acking

  newRoot(): number {
    return nextRootId(this.ids);
  }

  nextLocalRoot(): number {
    return ++this.localRoot;
  }

  /** Trees are spread over acker tasks by root id. */
  private ackerIndex(root: number): number {
    return root % this.ackers;
  }

  private ledgerOf(root: number): AckLedger | undefined {
    return this.ledgers[this.ackerIndex(root)];
  }

  ackInit(root: number, hi: number, lo: number, spoutTask: number): void {
    const ledger = this.ledgerOf(root);
    if (ledger !== undefined) this.settle(root, ledger.init(root, hi, lo, spoutTask));
    else this.link!.sendAcker(this.ackerTasks[this.ackerIndex(root)]!, ACKER_INIT, root, hi, lo, spoutTask);
  }

  ackAck(root: number, hi: number, lo: number): void {
    const ledger = this.ledgerOf(root);
    if (ledger !== undefined) this.settle(root, ledger.ack(root, hi, lo));
    else this.link!.sendAcker(this.ackerTasks[this.ackerIndex(root)]!, ACKER_ACK, root, hi, lo, -1);
  }

  ackFail(root: number): void {
    const ledger = this.ledgerOf(root);
    if (ledger !== undefined) this.settle(root, ledger.fail(root));
    else this.link!.sendAcker(this.ackerTasks[this.ackerIndex(root)]!, ACKER_FAIL, root, 0, 0, -1);
  }

  /** Restarts the timeout of a tree, at its acker and at its spout task. */
  touchTree(root: number): void {
    const ledger = this.ledgerOf(root);
    if (ledger === undefined) {
      this.link!.sendAcker(this.ackerTasks[this.ackerIndex(root)]!, ACKER_TOUCH, root, 0, 0, -1);
      return;
    }
    ledger.touch(root);
    const owner = ledger.ownerOf(root);
    if (owner === NOT_DONE) return;
    const ex = this.spoutExecOfTask[owner];
    if (ex !== undefined) ex.touch(owner, root);
    else this.link!.sendSpoutNotify(owner, NOTIFY_TOUCH, root);
  }

  private settle(root: number, o: LedgerOutcome): void {
    if (o.spoutTask === NOT_DONE) return;
    const ex = this.spoutExecOfTask[o.spoutTask];
    if (ex !== undefined) ex.notify(o.failed ? FAILED : ACKED, o.spoutTask, root);
    else this.link!.sendSpoutNotify(o.spoutTask, o.failed ? NOTIFY_FAILED : NOTIFY_ACKED, root);
  }

  // -------------------------------------------------------------------------------------------
  // Inbound from other workers (cluster mode)

  /**
   * A tuple from another worker for a local task. Runs or queues it; when the queue is full it
   * waits in the executor's inbound backlog (see {@link inboundBacklog}: the worker pauses
   * reading from the network while it is large, which is how backpressure crosses workers).
   * Returns false for a task or stream that does not exist here (a stale or corrupt frame).
   */
  receiveTuple(targetTask: number, streamIndex: number, sourceTask: number, values: readonly unknown[], anchors: number[] | null): boolean {
    const ex = this.boltExecOfTask[targetTask];
    const ref = this.streamTable[streamIndex];
    if (ex === undefined || ref === undefined) return false;
    const tuple = new TupleImpl(values, ref, sourceTask, anchors);
    if (ex.inbound.size > 0 || !(this.runInline(targetTask, tuple) || ex.queue.push(tuple, targetTask))) {
      ex.inbound.push(targetTask, tuple);
    }
    this.wake();
    return true;
  }

  /** Tuples from the network waiting for room in local queues. */
  inboundBacklog(): number {
    let n = 0;
    for (const ex of this.boltExecs) n += ex.inbound.size;
    return n;
  }

  /** Acker traffic for an acker task of this worker. */
  receiveAcker(ackerTask: number, kind: number, root: number, hi: number, lo: number, spoutTask: number): void {
    const ledger = this.ledgers[this.ackerTasks.indexOf(ackerTask)];
    if (ledger === undefined) return;
    if (kind === ACKER_INIT) this.settle(root, ledger.init(root, hi, lo, spoutTask));
    else if (kind === ACKER_ACK) this.settle(root, ledger.ack(root, hi, lo));
    else if (kind === ACKER_FAIL) this.settle(root, ledger.fail(root));
    else if (kind === ACKER_TOUCH) this.touchTree(root);
  }

  /** A tree outcome (or timeout reset) for a spout task of this worker. */
  receiveSpoutNotify(spoutTask: number, kind: number, root: number): void {
    const ex = this.spoutExecOfTask[spoutTask];
    if (ex === undefined) return;
    if (kind === NOTIFY_TOUCH) ex.touch(spoutTask, root);
    else ex.notify(kind === NOTIFY_FAILED ? FAILED : ACKED, spoutTask, root);
  }

  /** Task ids of executors running in this engine (acker tasks included). */
  localTasks(): number[] {
    return this.allTasks().map((t) => t.taskId).concat(this.ackerTasks.filter((_, i) => this.ledgers[i] !== undefined));
  }

  // -------------------------------------------------------------------------------------------
  // Errors and stats

  reportError(component: string, task: number, err: unknown): void {
    const e: ReportedError = { component, task, message: errorMessage(err), time: this.clock.epochMs() };
    const list = this.errorsOf.get(component) ?? [];
    list.push(e);
    if (list.length > MAX_ERRORS_KEPT) list.shift();
    this.errorsOf.set(component, list);
    this.log.error({ component, task, err: e.message }, 'component error');
    try {
      this.opts.onError?.(e);
    } catch {
      // A listener's failure must never reach the engine.
    }
  }

  /** The last errors per component (at most 10 each), oldest first. */
  errors(component?: string): ReportedError[] {
    if (component !== undefined) return [...(this.errorsOf.get(component) ?? [])];
    return [...this.errorsOf.values()].flat().sort((a, b) => a.time - b.time);
  }

  stats(): ComponentStats[] {
    const out: ComponentStats[] = [];
    const execsOf = (id: string): ExecutorBase[] => this.runOrder.filter((e) => e.component === id);
    for (const spec of this.topology.components.values()) {
      const execs = execsOf(spec.id);
      const tasks = execs.flatMap((e): (SpoutTask | BoltTask)[] => (e as SpoutExecutor | BoltExecutor).tasks);
      const exec = new Histogram();
      const complete = new Histogram();
      const s: ComponentStats = {
        component: spec.id, kind: spec.kind, executors: execs.length, tasks: tasks.length,
        emitted: 0, transferred: 0, executed: 0, acked: 0, failed: 0, timedOut: 0, deadLettered: 0, errors: 0,
        queueDepth: 0, queueHighWater: 0, queueCapacity: spec.kind === 'bolt' ? this.config.queueCapacity : 0, pending: 0,
        executeLatencyMs: summarize(exec), completeLatencyMs: summarize(complete),
      };
      for (const t of tasks) {
        const m = t.metrics;
        s.emitted += m.emitted;
        s.transferred += m.transferred;
        s.executed += m.executed;
        s.acked += m.acked;
        s.failed += m.failed;
        s.timedOut += m.timedOut;
        s.deadLettered = (s.deadLettered ?? 0) + m.deadLettered;
        s.errors += m.errors;
        exec.merge(m.executeLatency);
        complete.merge(m.completeLatency);
        if (t instanceof SpoutTask) s.pending += t.pending.size;
      }
      for (const e of execs) {
        if (e instanceof BoltExecutor) {
          s.queueDepth += e.queue.size;
          s.queueHighWater = Math.max(s.queueHighWater, e.queue.highWater);
        }
      }
      s.executeLatencyMs = summarize(exec);
      s.completeLatencyMs = summarize(complete);
      out.push(s);
    }
    if (this.ackers > 0) {
      const local = this.ledgers.filter((l) => l !== undefined).length;
      out.push({
        component: ACKER_COMPONENT, kind: 'acker', executors: local, tasks: local,
        emitted: 0, transferred: 0, executed: 0, acked: 0, failed: 0, timedOut: 0, deadLettered: 0, errors: 0,
        queueDepth: 0, queueHighWater: 0, queueCapacity: 0, pending: this.ledgers.reduce((n, l) => n + (l?.size ?? 0), 0),
        executeLatencyMs: summarize(new Histogram()), completeLatencyMs: summarize(new Histogram()),
      });
    }
    return out;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err); // BigInt or circular: still a message, never a second throw
  }
}

/** What executors and tasks call back into. */
export type Runtime = Engine;
