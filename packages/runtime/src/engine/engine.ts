import type { Topology } from '../api/builder.js';
import type { TopologyConfig } from '../config/topology-config.js';
import { LifecycleError } from '../errors.js';
import { hopTrace, stampRun } from '../hop-trace.js';
import { ACKER_COMPONENT } from './acker.js';
import { BoltExecutor } from './bolt-executor.js';
import { BoltTask } from './bolt-task.js';
import type { CrashCounts, CrashReport } from './crash-counts.js';
import { sendCrashReports } from './crash-reports.js';
import { findCrashReport } from './crash-suspects.js';
import { watchExecutions, type ExecutionJournal, type ExecutionWatch } from './crash-journal.js';
import { DrainStep } from './drain.js';
import { ErrorLog } from './error-log.js';
import type { EmitListener, ExecutorHost } from './host.js';
import type { IdSource } from './ids.js';
import type { ComponentStats, ReportedError } from './metrics.js';
import { buildPlan, type Plan, type PlannedComponent } from './plan.js';
import { diffExecutors, executorIdentity, failRefused, retireExecutor, type ExecutorDiff } from './executor-swap.js';
import { createExecutors, ExecutorSet } from './executor-set.js';
import type { Placement } from './remote.js';
import type { Clock, EngineLog, Scheduler } from './ports.js';
import { buildRoutes, subscribersOf } from './router.js';
import { SpoutTask } from './spout-task.js';
import { activateSpout, TaskOpenRetry } from './task-open-retry.js';
import { collectStats, quiescent, sampleWindows } from './stats.js';
import { openTasks, type OpenContext } from './task-open.js';
import { closeOpened, warnStillOpening } from './task-close.js';
import { rotationMs } from './timeouts.js';
import { DEFAULT_SYSTEM_COMPONENTS } from './system-components.js';
import { Transfer } from './transfer.js';
import { failUnsent } from './unsent.js';
import { TreeOutcome, type FailOutcome } from './tree-outcome.js';
import { tupleFromAnchors, type StreamRef, type TupleImpl } from './tuple.js';
import { Waiters } from './waiters.js';
import type { EngineOptions } from './engine-options.js';
import type { SystemEnv } from './system-component.js';
import type { StateStoreProvider } from '../api/state/state-store.js';

export { ACKER_COMPONENT } from './acker.js';
export { DEFAULT_SYSTEM_COMPONENTS } from './system-components.js';
export { assignTaskIds, executorTaskRanges } from './plan.js';
export { errorMessage } from './error-message.js';
export type { EngineOptions } from './engine-options.js';

/** Time slice of one scheduler run before yielding to I/O (shorter while acks are awaited: EngineOptions.ackSliceMs). */
const SLICE_MS = 8;

/**
 * Runs the executors of a topology placed here on one event loop. It composes the pipeline —
 * plan (tasks, executors, streams) → collectors (spout/bolt tasks) → router (groupings) →
 * transfer (inline, local queue or remote link) → executor loop — and owns lifecycle, the run
 * loop, timeouts and errors. Acking is not here: the acker is a system bolt (acker.ts).
 * Pure of I/O: time, scheduling and randomness are injected, so tests can drive it and the local and cluster shells share it.
 */
export class Engine implements ExecutorHost {
  readonly topology: Topology;
  readonly config: TopologyConfig;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly random: () => number;
  readonly ids: IdSource;
  readonly log: EngineLog;
  private readonly stateStores: StateStoreProvider | undefined;
  readonly onEmit: EmitListener | undefined;
  readonly transfer: Transfer;
  /** Replaced when a rebalance changes which executors run here ({@link reassign}). */
  plan: Plan;
  readonly tracking: boolean;
  epoch = 0; // rotation counter for timeouts; spout pending entries are stamped with it

  /** Executors here, their tasks by id and the loop's run order (changed by {@link reassign}). */
  private readonly execs: ExecutorSet;
  private readonly errorLog: ErrorLog;
  private readonly waiters: Waiters;
  private readonly cancels: (() => void)[] = [];
  private localRoot = 0;
  private scheduled = false;
  private running = false;
  private stopped = false;
  private started = false;
  /** Every local task is open/prepared: the loop may run executors (tuples that arrive earlier wait in queues). */
  private prepared = false;
  private closing: Promise<void> | undefined;
  /** What activate/deactivate last asked for: executors added by {@link reassign} follow it. */
  private activeWanted = false;
  private readonly systemComponents: EngineOptions['systemComponents'] & object;
  private readonly runBound = (): void => this.run();
  private readonly ackSliceMs: number; // a run this long yields while trees are pending (EngineOptions.ackSliceMs)
  private runEarly = Infinity; // the running run's start + ackSliceMs (Infinity between runs, or without ackSliceMs)
  /** Per stream index, the tasks that subscribe to it: what a tuple from the network may target. */
  private readonly receivers: ReadonlySet<number>[];
  /** What system bolts see of this engine (the metrics component reads stats through it). */
  private readonly systemEnv: SystemEnv;
  private readonly crashCounts: CrashCounts | undefined;
  private readonly subscribers: ReturnType<typeof subscribersOf>;
  /** Cluster mode: re-opens tasks whose open()/prepare() failed with a retriable error. */
  private readonly openRetry: TaskOpenRetry | undefined;
  /** Tasks whose open()/prepare() runs now (task-open.ts); a close names them (it does not wait: one may never resolve). */
  private readonly opening = new Set<SpoutTask | BoltTask>();
  /** Tasks a rebalance opens and has not registered yet: a close meanwhile closes them (reassign then registers nothing). */
  private readonly unregistered = new Set<SpoutTask | BoltTask>();

  constructor(opts: EngineOptions) {
    this.topology = opts.topology;
    this.config = opts.config;
    this.clock = opts.clock;
    this.scheduler = opts.scheduler;
    this.random = opts.random;
    this.ids = opts.ids;
    this.log = opts.log;
    this.stateStores = opts.stateStores;
    this.onEmit = opts.onEmit;
    this.systemComponents = opts.systemComponents ?? DEFAULT_SYSTEM_COMPONENTS;
    this.plan = buildPlan({
      topology: opts.topology, config: opts.config, systemComponents: this.systemComponents,
      isLocal: opts.placement?.isLocal.bind(opts.placement), parallelism: opts.placement?.parallelism,
    });
    this.tracking = this.plan.components.has(ACKER_COMPONENT);
    this.transfer = new Transfer(opts.placement?.link, () => this.wake());
    this.ackSliceMs = opts.ackSliceMs ?? Infinity;
    this.waiters = new Waiters(opts.scheduler, opts.log);
    this.errorLog = new ErrorLog(opts.clock, opts.log, opts.onError);
    this.systemEnv = {
      worker: opts.worker ?? 'local', topology: opts.topology, epochMs: () => opts.clock.epochMs(), stats: () => this.stats(), ...(opts.processStats !== undefined ? { processStats: opts.processStats } : {}),
      localTasksOf: (component) => this.localTaskList().filter((t) => t.component === component).map((t) => t.taskId),
    };
    this.crashCounts = opts.crashCounts;
    this.execs = new ExecutorSet(this);
    for (const ex of createExecutors(this, this.plan.localExecutors, this.crashCounts)) this.execs.register(ex);
    this.subscribers = subscribersOf(this.plan);
    this.receivers = this.plan.streamTable.map((ref) => new Set((this.subscribers.get(`${ref.component}\u0000${ref.id}`) ?? []).flatMap((s) => s.target.tasks)));
    this.routeTasks();
    this.openRetry = opts.retryOpen === true ? new TaskOpenRetry({ ...opts, reopen: (t) => openTasks([t], this.openContext()), active: () => this.activeWanted && !this.stopped, wake: () => this.wake() }) : undefined;
  }

  /** (Re)builds tasks' routes (default: every local task's): which target tasks are local changes their local-or-shuffle choice. */
  private routeTasks(tasks: readonly (SpoutTask | BoltTask)[] = this.execs.tasks()): void {
    const rc = { plan: this.plan, subscribers: this.subscribers, random: this.random, isLocalTask: this.transfer.isLocalTask };
    for (const t of tasks) {
      const c = this.plan.components.get(t.component)!;
      t.setRoutes(buildRoutes(rc, c, t.taskId), c.kind === 'bolt' && c.system !== undefined);
    }
  }

  /** Component id → sorted task ids (Storm numbering: from 1, components sorted by id). */
  get tasksOf(): ReadonlyMap<string, readonly number[]> { return this.plan.tasksOf; }

  /** Every (component, stream), sorted: a stream's wire name is its index here. */
  get streamTable(): readonly StreamRef[] { return this.plan.streamTable; }

  /** Executors of a component (the topology's parallelism unless a rebalance changed it). */
  parallelismOf(component: string): number {
    return this.plan.components.get(component)?.parallelism ?? 0;
  }

  private localTaskList(): (SpoutTask | BoltTask)[] { return this.execs.tasks(); }

  /** Task ids of the executors running in this engine (system components included). */
  localTasks(): number[] {
    return this.localTaskList().map((t) => t.taskId);
  }

  // --- Lifecycle

  /** Opens spouts and prepares bolts (user code), then activates spouts and starts running. */
  async start(): Promise<void> {
    if (this.started) throw new LifecycleError('GALE_ERR_ALREADY_STARTED', `topology "${this.topology.name}" is already started`);
    this.started = true;
    // Bolts first: a spout may emit from open() (or a timer it starts), and its tuples must find
    // prepared bolts.
    await this.openTasks(this.localTaskList());
    if (this.stopped) return; // closed while opening (close() did not drain): start no timers
    this.prepared = true;
    this.transfer.open();
    if (this.tracking) this.cancels.push(this.scheduler.every(rotationMs(this.config), () => this.rotate()));
    for (const ex of this.execs.bolts) this.startTicks(ex);
    this.cancels.push(this.scheduler.every(50, () => this.waiters.check()));
    const sample = (): void => sampleWindows(this.execs.runOrder, this.clock.now());
    if (this.config.metricsEnabled) this.cancels.push((sample(), this.scheduler.every(1000, sample)));
    this.activate();
  }

  private startTicks(ex: BoltExecutor): void {
    const c = this.plan.components.get(ex.component) as Extract<PlannedComponent, { kind: 'bolt' }>;
    if (c.tickMs !== undefined) this.execs.setTicks(ex, ex.startTicks(c.tickMs, c.system?.tickAtStart === true));
  }

  /** Opens spouts and prepares bolts (user code), bolts first; a failure stops the engine. */
  private openTasks(tasks: readonly (SpoutTask | BoltTask)[]): Promise<void> {
    return openTasks(tasks, this.openContext()).catch((err: unknown) => { this.stopped = true; throw err; });
  }

  private openContext(): OpenContext {
    const { topology, config, plan, stateStores, systemEnv } = this;
    return { topology, config, plan, stateStores, systemEnv, deferOpen: this.openRetry?.defer, stopped: () => this.stopped, inFlight: this.opening };
  }

  activate(): void { this.setActive(true); }

  /** Spouts stop being asked for tuples; in-flight trees still complete. */
  deactivate(): void { this.setActive(false); }

  get isActive(): boolean { return this.execs.spouts.some((e) => e.active); }

  private setActive(on: boolean): void {
    this.activeWanted = on;
    for (const ex of this.execs.spouts) {
      if (ex.active === on || ex.closed) continue;
      ex.active = on;
      for (const t of ex.tasks) activateSpout(t, on);
    }
    this.wake();
  }

  /** No tuple queued, in flight or awaiting its ack anywhere in this engine. */
  isQuiescent(): boolean {
    return quiescent(this.execs.runOrder);
  }

  /** Every spout says it will never emit again (spouts without `isExhausted` never are). */
  allSpoutsExhausted(): boolean {
    return this.execs.spouts.every((ex) => ex.tasks.every((t) => t.opened && t.instance?.isExhausted?.() === true));
  }

  /** Resolves true once `pred()` holds (checked as the engine runs), false after `timeoutMs`. */
  waitUntil(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    const p = this.waiters.add(pred, timeoutMs);
    this.wake();
    return p;
  }

  /** Deactivates spouts, waits up to `drainTimeoutMs` for in-flight trees (failing at once what waiting cannot complete
   * here: drain.ts), then stops, closes spouts and cleans up bolts (sources first). No drain while tasks open. Idempotent. */
  close(drainTimeoutMs = this.config.drainTimeoutMs): Promise<void> {
    this.closing ??= (async () => {
      if (this.started && !this.stopped && !this.prepared) this.log.warn({}, 'closing without a drain: components are still opening (nothing ran, nothing to flush)');
      else if (this.started && !this.stopped) {
        this.deactivate();
        const drain = new DrainStep(this.log);
        const drained = await this.waitUntil(() => (drain.step(this.execs.bolts), this.isQuiescent()), drainTimeoutMs);
        if (!drained) this.log.warn({ drainTimeoutMs }, 'closing with tuples still in flight');
      }
      this.stopped = true;
      for (const c of this.cancels.splice(0)) c();
      this.openRetry?.close();
      this.execs.cancelTicks();
      this.waiters.settleAll();
      warnStillOpening(this.opening, this.log); // their openers close them once they resolve (task-open.ts)
      for (const ex of this.execs.spouts) ex.close();
      const tasks = [...this.execs.spouts, ...this.execs.bolts].flatMap((ex): (SpoutTask | BoltTask)[] => ex.tasks);
      await closeOpened([...tasks, ...this.unregistered.values()]); // spouts first; each task once (task-close.ts)
      this.errorLog.close(); // after cleanup: its errors are counted too
    })();
    return this.closing;
  }

  /**
   * A rebalance changed which executors run here: stops the ones that go (the trees of the tuples
   * they hold fail at once and replay, instead of timing out) and opens the ones that come, while
   * every unchanged executor keeps running. A changed component's tasks start over as new
   * instances (in-memory state is not carried, as in Storm). Resolves once the new ones run.
   */
  async reassign(placement: Pick<Placement, 'isLocal' | 'parallelism'>): Promise<ExecutorDiff> {
    const next = buildPlan({
      topology: this.topology, config: this.config, systemComponents: this.systemComponents,
      isLocal: placement.isLocal.bind(placement), parallelism: placement.parallelism,
    });
    if (this.closing !== undefined) return diffExecutors(this.plan.localExecutors, this.plan.localExecutors); // opens nothing it would not close
    const diff = diffExecutors(this.plan.localExecutors, next.localExecutors);
    const leaving = this.execs.withIdentity(new Set(diff.removed.map(executorIdentity)));
    this.plan = next;
    const coming = createExecutors(this, diff.added, this.crashCounts);
    for (const ex of leaving) this.execs.unregister(ex);
    this.routeTasks();
    for (const ex of leaving) await retireExecutor(ex, this.log);
    const fresh = coming.flatMap((ex): (SpoutTask | BoltTask)[] => ex.tasks);
    for (const t of fresh) this.unregistered.add(t);
    this.routeTasks(fresh); // a spout may emit from open()
    await this.openTasks(fresh);
    // Closed meanwhile: the close closed those that had opened, their openers close the rest; run none.
    if (this.stopped) return diff;
    for (const t of fresh) this.unregistered.delete(t);
    for (const ex of coming) {
      this.execs.register(ex);
      if (ex instanceof BoltExecutor) this.startTicks(ex);
    }
    this.routeTasks();
    if (this.activeWanted) this.activate();
    this.wake();
    return diff;
  }

  // --- Run loop
  wake(): void {
    if (this.scheduled || this.running || this.stopped) return;
    this.scheduled = true;
    this.scheduler.defer(this.runBound);
  }

  private run(): void {
    this.scheduled = false;
    if (this.stopped || !this.prepared) return;
    this.running = true;
    let progress: boolean, now = this.clock.now();
    const start = now, deadline = now + SLICE_MS, early = (this.runEarly = now + this.ackSliceMs);
    try {
      do {
        progress = false;
        for (const ex of this.execs.runOrder) if (ex.turn()) progress = true;
      } while (progress && (now = this.clock.now()) < deadline && !(now >= early && this.execs.treesPending()));
    } finally {
      this.running = false;
      this.runEarly = Infinity;
    }
    this.transfer.endOfRun();
    if (hopTrace.on) stampRun(start, this.clock.now());
    if (progress) this.wake();
    this.waiters.check();
  }

  /** The run has used its ackSliceMs while trees are pending: a spout's turn stops there too (a turn is up to 512 emits). */
  sliceOver(): boolean {
    return this.runEarly !== Infinity && this.clock.now() >= this.runEarly && this.execs.treesPending();
  }

  /** Moves trees past their timeout to their spouts (the acker expires its entries on its own ticks). */
  private rotate(): void {
    this.epoch++;
    for (const ex of this.execs.spouts) ex.expire(this.epoch);
  }

  nextLocalRoot(): number { return ++this.localRoot; }

  // --- Inbound from other workers (cluster mode)

  /**
   * A tuple from another worker for a local task (data or control). Returns false for a task or
   * stream that does not exist here, or a task that does not subscribe to that stream (a stale,
   * corrupt or hostile frame: an `__ack_outcome` for a bolt task is refused here).
   */
  receiveTuple(targetTask: number, streamIndex: number, sourceTask: number, values: readonly unknown[], anchors: number[] | null): boolean {
    const ref = this.plan.streamTable[streamIndex];
    // After close, components are cleaned up: nothing may run them again (the tree replays).
    if (this.stopped || ref === undefined || !this.receivers[streamIndex]!.has(targetTask)) return false;
    if (ref.control && anchors === null && this.transfer.receiveControl(targetTask, ref, sourceTask, values)) return true;
    return this.transfer.receive(targetTask, tupleFromAnchors(values, ref, sourceTask, anchors));
  }

  /** Tuples from the network waiting for room in local queues. */
  inboundBacklog(): number {
    let n = 0;
    for (const ex of this.execs.bolts) n += ex.backlog;
    return n;
  }

  /** A data tuple from another worker that this engine refused (its task moved): fails its trees now (executor-swap.ts). */
  failRefused(anchors: readonly number[] | null): boolean {
    return !this.stopped && failRefused(this.execs.bolts, anchors);
  }

  /** Fails the trees of a tuple that could not be sent at all, at once, with why (unsent.ts). */
  failUnsendable(tuple: TupleImpl, outcome: FailOutcome = TreeOutcome.FAILED): void {
    failUnsent(this.execs.taskOf[tuple.sourceTask], tuple.anchors, outcome);
  }

  /** {@link failUnsendable} for a tuple the transport dropped after taking it: its source task and anchors. */
  failUnsent(sourceTask: number, anchors: readonly number[] | null, outcome: FailOutcome): void {
    failUnsent(this.execs.taskOf[sourceTask], anchors, outcome);
  }

  /** What local bolts are executing now, and the spouts' counts: for a worker that is dying (crash-counts.ts). */
  crashReport(): CrashReport { return findCrashReport(this.localTaskList()); }

  /** Tells every spout task that these roots were executing when a worker died (crash-reports.ts). */
  reportCrashes(roots: readonly number[]): number { return sendCrashReports(this.plan, this.transfer, roots); }

  /** After a crash that left no report: records tracked executes into `journal` until `untilMs` (crash-journal.ts). */
  watchExecutions(journal: ExecutionJournal, untilMs: number): ExecutionWatch { return watchExecutions(this.localTaskList(), this.plan, this, untilMs, journal); }

  /** Workers of the topology lost and not back: timeouts of trees pending meanwhile are not charged (crash-reports.ts). */
  peersDown(n: number): void {
    for (const ex of this.execs.spouts) ex.setPeersDown(n);
  }

  // --- Errors and stats

  reportError(component: string, task: number, err: unknown): void {
    this.errorLog.report(component, task, err);
  }

  /** The last errors per component (at most 10 each), oldest first. */
  errors(component?: string): ReportedError[] {
    return this.errorLog.list(component);
  }

  /** Per-component (and per-executor) counters, latencies and sliding-window rates of the executors here. */
  stats(): ComponentStats[] {
    return collectStats(this.plan, this.execs.runOrder, this.config.queueCapacity, this.clock.now());
  }
}
