import { Fields } from '../api/fields.js';
import { FAIL_HELD_INPUTS, holdsInputs } from '../api/held-inputs.js';
import type { AckHolder, HeldAcks } from '../api/state/held-acks.js';
import type { HeldTuples, TupleHolder } from '../api/window/held-tuples.js';
import type { BasicBolt, Bolt, OutputCollector, Tuple, Values } from '../api/types.js';
import { DEFAULT_STREAM } from '../api/types.js';
import { FailedException } from '../errors.js';
import { Hop, hopTrace, stampHop } from '../hop-trace.js';
import { BasicCollector } from './basic-collector.js';
import { ACK_ACK_STREAM, ACK_FAIL_STREAM, ACK_RESET_STREAM } from './acker.js';
import type { ExecutorBase } from './executor-base.js';
import type { ExecutorHost } from './host.js';
import { checkRecords, forEachRecordTree, holdRecord, recordView, settleRecord } from './held-records.js';
import { asInput, checkAnchor, heldIn, isTrackedAnchor } from './input-checks.js';
import { fanOutOneTree } from './edge-fan-out.js';
import { AnchoredEdges, fanOut, type OutRoute } from './router.js';
import type { SystemBolt } from './system-component.js';
import { TaskBase } from './task-base.js';
import { TreeOutcome, type FailOutcome } from './tree-outcome.js';
import { heldGenOf, heldState, TICK_REF, TUPLE_ACKED, TUPLE_FAILED, TUPLE_PENDING, TupleImpl, untrackedTuple } from './tuple.js';

/**
 * What a basic bolt's collector holds as its input while that input is untracked: its emits
 * anchor to nothing either way (an untracked anchor sends untracked tuples), and the collector, an
 * old object, then takes no young tuple per input (a write barrier's stub call each: ~2% of an
 * untracked word count). The tuple itself is still what execute gets, acks, and fails.
 */
const UNTRACKED_INPUT = untrackedTuple([], { component: '', id: '', fields: new Fields([]), index: -1, control: false }, -1);

/** Execute latency is timed on one tuple in this many (timing costs more than a counter). */
const LATENCY_SAMPLE_MASK = 15;

/**
 * Told about every tracked input around its execute (engine/crash-journal.ts ExecutionWatch: the
 * trees a worker executes, written down while a launch watches after an unexplained death).
 */
export interface ExecuteWatch {
  /** Before the execute of `tuple`; false: not recorded (untracked, or the watch is over), no {@link end} follows. */
  begin(task: BoltTask, tuple: TupleImpl): boolean;
  /** `tuple`'s execute returned, threw, or (async) settled. */
  end(tuple: TupleImpl): void;
}

/** The collector of one bolt task: anchored emits, and ack/fail/resetTimeout sent to the acker. */
export class BoltTask extends TaskBase implements OutputCollector, AckHolder, TupleHolder {
  instance!: Bolt | BasicBolt;
  basic = false;
  private basicCollector!: BasicCollector;
  private sample = 0;
  /** metricsEnabled: false skips latency timing (the bench measures what it costs). */
  private readonly timing: boolean;
  private readonly anchored: AnchoredEdges;
  private ackRoute: OutRoute | undefined;
  private failRoute: OutRoute | undefined;
  private resetRoute: OutRoute | undefined;
  /**
   * The input whose synchronous execute is running now (what a process.exit from it was doing);
   * for a basic bolt, the collector that holds it: the task is an old object and the tuple a young
   * one, so storing the tuple here too cost a second write barrier per input.
   */
  private current: TupleImpl | BasicCollector | undefined;
  /** The system bolt's tuple-less control entry (the acker's), when it has one. */
  private controlHandler: Required<Pick<SystemBolt, 'controlInline'>> | undefined;
  /** Inputs whose async execute has not settled. */
  private readonly awaiting = new Set<TupleImpl>();
  /** Set only while a crash watch lasts (engine/crash-journal.ts): otherwise one field check per execute. */
  watch: ExecuteWatch | undefined;

  constructor(host: ExecutorHost, exec: ExecutorBase, component: string, taskId: number, private readonly maxConcurrency: number) {
    super(host, exec, component, taskId);
    this.anchored = new AnchoredEdges(host.ids, taskId);
    this.timing = host.config.metricsEnabled;
  }

  /** It can fail trees through the acker (a user bolt of a topology with ackers). */
  get canFail(): boolean {
    return this.failRoute !== undefined;
  }

  protected controlRoute(streamId: string, route: OutRoute): void {
    if (streamId === ACK_ACK_STREAM) this.ackRoute = route;
    else if (streamId === ACK_FAIL_STREAM) this.failRoute = route;
    else if (streamId === ACK_RESET_STREAM) this.resetRoute = route;
  }

  init(instance: Bolt | BasicBolt): void {
    this.instance = instance;
    const sys = instance as Partial<SystemBolt>;
    this.controlHandler = typeof sys.controlInline === 'function' ? (sys as Required<Pick<SystemBolt, 'controlInline'>>) : undefined;
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
    const list = anchors as readonly TupleImpl[] | TupleImpl | undefined;
    // Small, tracked cases apart: inlined in every emit, its size decides what else V8 inlines there.
    this.metrics.transferred += list === undefined || (list instanceof TupleImpl && list.rootHi < 0)
      ? this.sendUntracked(route, values, directTask)
      : this.emitAnchored(route, values, list, directTask);
    this.host.wake();
  }

  private emitAnchored(route: OutRoute, values: Values, list: readonly TupleImpl[] | TupleImpl, directTask: number): number {
    if (list instanceof TupleImpl && list.more === null) {
      checkAnchor(list, this.component); // tracked (see emitOn), of one tree: a basic bolt's emit
      return fanOutOneTree(this.dataSender, route, values, directTask, list, this.host.ids, this.taskId);
    }
    if (!isTrackedAnchor(list, this.component)) return this.sendUntracked(route, values, directTask);
    return fanOut(this.dataSender, route, values, directTask, this.anchored.begin(values, route.ref, list));
  }

  ack(tuple: Tuple): void {
    const t = asInput(tuple, this.component, 'ack');
    if (t.state !== TUPLE_PENDING) return;
    t.state = TUPLE_ACKED;
    this.metrics.acked++;
    if (t.rootHi < 0) return;
    const hi = t.edgeHi ^ t.ackHi;
    const lo = t.edgeLo ^ t.ackLo;
    // The tree's ack held by the transfer, told by the root's halves: no joined root per ack.
    if (!this.host.transfer.mergeAckOf(t.rootHi, t.rootLo, hi, lo)) this.sendAck(this.ackRoute!, t.root, hi, lo);
    if (t.more !== null) this.ackMore(t);
  }

  /** The other trees of a tuple anchored to several (apart, so that `ack` stays small enough to inline its one send). */
  private ackMore(t: TupleImpl): void {
    const m = t.more!;
    for (let i = 0; i < m.length; i += 3) this.sendAck(this.ackRoute!, m[i]!, m[i + 1]! ^ t.ackHi, m[i + 2]! ^ t.ackLo);
  }

  fail(tuple: Tuple): void {
    const t = asInput(tuple, this.component, 'fail');
    if (t.state !== TUPLE_PENDING) return;
    t.state = TUPLE_FAILED;
    this.metrics.failed++;
    this.failTrees(t, this.failOutcome);
  }

  /** Fails every tree of `t` through the acker. */
  private failTrees(t: TupleImpl, outcome: FailOutcome = TreeOutcome.FAILED): void {
    if (t.rootHi < 0) return;
    this.sendControl(this.failRoute!, [t.root, outcome]);
    const m = t.more;
    if (m !== null) for (let i = 0; i < m.length; i += 3) this.sendControl(this.failRoute!, [m[i]!, outcome]);
  }

  /** Fails every tree in a flat anchors list (also used when a tuple cannot be sent at all, with that reason). */
  failRoots(anchors: readonly number[] | null, outcome: FailOutcome = TreeOutcome.FAILED): void {
    if (anchors === null) return;
    for (let i = 0; i < anchors.length; i += 3) this.sendControl(this.failRoute!, [anchors[i]!, outcome]);
  }

  holdAck(tuple: Tuple, into: HeldAcks): boolean {
    const t = asInput(tuple, this.component, 'ack');
    if (t.state !== TUPLE_PENDING) return false;
    t.state = heldState(into.gen);
    into.tuples++;
    if (t.rootHi < 0) return true;
    into.addSplit(t.rootHi, t.rootLo, t.edgeHi ^ t.ackHi, t.edgeLo ^ t.ackLo);
    const m = t.more;
    if (m !== null) for (let i = 0; i < m.length; i += 3) into.add(m[i]!, m[i + 1]! ^ t.ackHi, m[i + 2]! ^ t.ackLo);
    return true;
  }

  failTuple(tuple: Tuple, held: readonly HeldAcks[]): boolean {
    const t = asInput(tuple, this.component, 'fail');
    if (t.state === TUPLE_FAILED) return false;
    if (t.state !== TUPLE_PENDING) {
      // Acked. Its own ack, not just some ack of its trees: another input of a tree may still be held
      // while this one's ack went to the acker at a COMMIT (or its trees failed at a ROLLBACK).
      // A fail now would fail a tree whose ack it already gave, as a fail after a plain ack.
      const table = heldIn(heldGenOf(t.state), held);
      if (table === undefined) return false;
      table.tuples--;
    }
    t.state = TUPLE_FAILED;
    this.metrics.failed++;
    if (t.rootHi >= 0) {
      this.killHeld(t.root, held);
      const m = t.more;
      if (m !== null) for (let i = 0; i < m.length; i += 3) this.killHeld(m[i]!, held);
    }
    return true;
  }

  /** Fails tree `root` unless a table holds it killed (failed already), and kills it in every table. */
  private killHeld(root: number, held: readonly HeldAcks[]): void {
    let dead = false;
    for (const h of held) if (h.holds(root) === 2) dead = true;
    for (const h of held) h.kill(root);
    if (!dead) this.sendControl(this.failRoute!, [root, this.failOutcome]);
  }

  applyHeld(held: HeldAcks): void {
    this.metrics.acked += held.tuples;
    if (held.size > 0) held.forEach(this.sendHeldAck);
  }

  private readonly sendHeldAck = (root: number, hi: number, lo: number): void => this.sendAck(this.ackRoute!, root, hi, lo);
  private readonly sendFail = (root: number): void => this.sendControl(this.failRoute!, [root, this.failOutcome]);
  /** How this task's fails fail their trees: FAILED_STOPPED inside {@link failHeldInputs}. */
  private failOutcome: FailOutcome = TreeOutcome.FAILED;

  /**
   * The bolt gives up the inputs it holds (a window's: api/held-inputs.ts) because it stops here
   * (drain.ts, executor-swap.ts): each is failed as FAILED_STOPPED, which the spout replays without
   * charging maxRetries. Returns how many trees' inputs failed; 0 for a task not opened or a bolt
   * that holds none.
   */
  failHeldInputs(): number {
    const bolt = this.instance;
    if (!this.opened || !holdsInputs(bolt)) return 0;
    this.failOutcome = TreeOutcome.FAILED_STOPPED;
    try {
      return bolt[FAIL_HELD_INPUTS]();
    } finally {
      this.failOutcome = TreeOutcome.FAILED;
    }
  }

  failHeld(held: HeldAcks): void {
    this.metrics.failed += held.tuples;
    if (held.size > 0) held.forEach(this.sendFail);
  }

  resetHeld(held: HeldAcks): void {
    if (held.size > 0) held.forEach((root) => this.sendControl(this.resetRoute!, [root]));
  }

  holdTuple(tuple: Tuple, store: HeldTuples): number {
    return holdRecord(asInput(tuple, this.component, 'hold'), store);
  }

  viewOf(store: HeldTuples, h: number): TupleImpl {
    return recordView(store, h);
  }

  ackEntry(store: HeldTuples, h: number): void {
    const view = store.views[h];
    if (view !== undefined) return this.ack(view);
    if (!settleRecord(store, h, TUPLE_ACKED)) return;
    this.metrics.acked++;
    forEachRecordTree(store, h, this.sendHeldAck);
  }

  failEntry(store: HeldTuples, h: number): void {
    const view = store.views[h];
    if (view !== undefined) return this.fail(view);
    if (!settleRecord(store, h, TUPLE_FAILED)) return;
    this.metrics.failed++;
    forEachRecordTree(store, h, this.sendFail);
  }

  emitEntries(streamId: string, values: Values, store: HeldTuples, hs: readonly number[]): void {
    const route = this.route(streamId);
    this.checkValues(route, values, false);
    if (!checkRecords(store, hs, this.component)) {
      this.metrics.transferred += this.sendUntracked(route, values, -1);
    } else {
      this.metrics.transferred += fanOut(this.dataSender, route, values, -1, this.anchored.beginHeld(values, route.ref, store, hs));
    }
    this.host.wake();
  }

  resetTimeout(tuple: Tuple): void {
    const t = asInput(tuple, this.component, 'resetTimeout');
    if (t.rootHi < 0) return;
    this.sendControl(this.resetRoute!, [t.root]);
    const m = t.more;
    if (m !== null) for (let i = 0; i < m.length; i += 3) this.sendControl(this.resetRoute!, [m[i]!]);
  }

  /**
   * A control message without a tuple (Transfer.controlInline), counted like an executed
   * tuple; false when this bolt has no such entry or does not take that stream.
   */
  runControlInline(stream: string, sourceTask: number, a: number, b: number, c: number): boolean {
    const h = this.controlHandler;
    if (h === undefined) return false;
    let taken: boolean;
    try {
      taken = h.controlInline(stream, sourceTask, a, b, c);
    } catch (err) {
      // As for a control tuple whose execute throws (it has no anchors to fail).
      this.metrics.executed++;
      this.reportError(err);
      return true;
    }
    if (taken) this.metrics.executed++;
    return taken;
  }

  /** Runs one input; returns a promise when the bolt's execute is async. */
  run(tuple: TupleImpl): Promise<void> | undefined {
    const timed = (++this.sample & LATENCY_SAMPLE_MASK) === 0 && this.timing;
    const t0 = timed ? this.host.clock.now() : 0;
    if (hopTrace.on && tuple.rootHi >= 0) stampHop(Hop.EXECUTE, tuple.root);
    let watch = this.watch;
    if (watch !== undefined && !watch.begin(this, tuple)) watch = undefined;
    let r: void | Promise<void>;
    try {
      if (this.basic) {
        const c = this.maxConcurrency > 1 ? new BasicCollector(this) : this.basicCollector;
        c.input = tuple.rootHi < 0 ? UNTRACKED_INPUT : tuple;
        this.current = c;
        r = (this.instance as BasicBolt).execute(tuple, c);
      } else {
        this.current = tuple;
        r = (this.instance as Bolt).execute(tuple);
      }
    } catch (err) {
      this.current = undefined;
      watch?.end(tuple);
      this.onExecuteError(tuple, err);
      return undefined;
    }
    this.current = undefined;
    // A system tick is no input: `executed` counts inputs (a window's ticks would count while nothing flows).
    if (tuple.stream === TICK_REF) this.metrics.ticks++;
    else this.metrics.executed++;
    if (r !== undefined && typeof (r as Promise<void>).then === 'function') return this.settle(tuple, r as Promise<void>, timed ? t0 : this.host.clock.now(), watch);
    watch?.end(tuple);
    if (timed) this.metrics.executeLatency.record((this.host.clock.now() - t0) * 1000);
    if (this.basic) this.ack(tuple);
    return undefined;
  }

  /**
   * Waits for an async execute. Apart from {@link run} so that its closures are not there: a
   * closure in `run` puts run's variables in a context object allocated on every call once the
   * optimized code can reach it (a stateful bolt's first async checkpoint step made it so: ~60
   * bytes per input, for every input after it).
   */
  private settle(tuple: TupleImpl, r: Promise<void>, start: number, watch: ExecuteWatch | undefined): Promise<void> {
    this.awaiting.add(tuple);
    return r.then(
      () => {
        this.awaiting.delete(tuple);
        watch?.end(tuple);
        if (this.timing) this.metrics.executeLatency.record((this.host.clock.now() - start) * 1000);
        if (this.basic) this.ack(tuple);
      },
      (err: unknown) => {
        this.awaiting.delete(tuple);
        watch?.end(tuple);
        this.onExecuteError(tuple, err);
      },
    );
  }

  /** The inputs being executed right now (for a worker dying in the middle: crash-counts.ts). */
  executing(): TupleImpl[] {
    const out = [...this.awaiting];
    const cur = this.current;
    if (cur instanceof BasicCollector) {
      if (cur.input !== UNTRACKED_INPUT) out.push(cur.input!);
    } else if (cur !== undefined) out.push(cur);
    return out;
  }

  private onExecuteError(tuple: TupleImpl, err: unknown): void {
    if (!(err instanceof FailedException)) {
      this.metrics.executeThrew++;
      this.reportError(err);
    }
    this.fail(tuple);
  }
}
