import type { DeadLetterReason, Spout, SpoutOutputCollector, Values } from '../api/types.js';
import { DEAD_LETTER_STREAM, DEFAULT_STREAM } from '../api/types.js';
import { ComponentError } from '../errors.js';
import { ACK_FORGET_STREAM, ACK_INIT_STREAM, ByRoot } from './acker.js';
import type { ExecutorBase } from './executor-base.js';
import type { ExecutorHost } from './host.js';
import { nextRootId } from './ids.js';
import { EdgeXor, fanOutNewTree } from './edge-fan-out.js';
import type { OutRoute } from './router.js';
import { TaskBase } from './task-base.js';
import { messageKey, type CrashCounts } from './crash-counts.js';
import { NO_VALUES, PendingTrees, TreeTuples, type PendingTree } from './pending-trees.js';
import { TreeOutcome, type FailOutcome, type TreeOutcomeCode } from './tree-outcome.js';
import { rootHigh, rootLow } from './tuple.js';
import { Hop, hopTrace, stampHop } from '../hop-trace.js';

/**
 * Most message ids whose failures a spout task counts at once (maxRetries set, or a replay
 * backoff). Ids leave the count when acked or dead-lettered; a spout that drops failed ids
 * instead of replaying them would grow it forever, so past this the oldest count is forgotten
 * (that id gets more retries, and its backoff starts over).
 */
export const MAX_RETRY_COUNTS = 65_536;

export type { PendingTree } from './pending-trees.js';

/** Where a spout task hands tree outcomes (its executor's inbox). */
export interface OutcomeInbox {
  notify(outcome: TreeOutcomeCode, taskId: number, root: number): void;
  /** Workers lost and not back: a tree emitted meanwhile is exposed (crash-reports.ts). */
  readonly peersDown: number;
}

/** The collector of one spout task: its emits start trees; it keeps its pending trees and retry counts. */
export class SpoutTask extends TaskBase implements SpoutOutputCollector {
  instance!: Spout;
  readonly pending = new PendingTrees();
  maxPending = Infinity;
  /** Failures of one message id before the next one dead-letters it; null: replay forever. */
  maxRetries: number | null = null;
  /** The reserved `__dead_letter` stream; kept out of `routes` so user code cannot emit on it. */
  deadLetterRoute: OutRoute | undefined;
  private initRoute: OutRoute | undefined;
  /** The acker grouping of `initRoute`, to pick roots whose acker runs in this worker (ByRoot.localRoot). */
  private ackerChooser: ByRoot | undefined;
  private forgetRoute: OutRoute | undefined;
  /** The XOR of the edge ids of the emit in progress. */
  private readonly edges = new EdgeXor();
  private readonly inbox: OutcomeInbox;
  /**
   * Consecutive failures so far per message id (when `countsFailures`), keyed by the id value:
   * numbers and strings by value, objects by identity. Only ids that failed and are neither acked
   * nor dead-lettered.
   */
  private readonly failures = new Map<unknown, number>();
  private evictionWarned = false;
  /** Crash counts from earlier launches (crash-counts.ts); undefined: none are kept here. */
  private crashStore: CrashCounts | undefined;
  /** Crash counts per message key: from earlier launches (crashStore), and charged by crash reports. */
  private crashes = new Map<string, number>();
  /**
   * Roots of trees whose timeout was excused (exposed to a lost worker) → their message ids, so a
   * crash report arriving after the timeout still charges its message (crash-reports.ts). Bounded.
   */
  private readonly excused = new Map<number, unknown>();
  /** Root of the tracked emit in progress (its init not sent yet), else -1. */
  private emittingRoot = -1;
  /**
   * Clock time of the last tree outcome from the acker (acked, or failed by a bolt), of the last
   * `resetTimeout` of one of its trees, or of the task's creation: a timeout is no completion.
   * Stats report its age: `gale status` flags a topology whose trees stall (cluster/admin/stalled.ts).
   */
  lastCompletionAt: number;
  /** A delivery of the emit in progress failed outright: drop the tree at the acker once its init is out. */
  private forgetAfterInit = false;

  constructor(host: ExecutorHost, exec: ExecutorBase & OutcomeInbox, component: string, taskId: number) {
    super(host, exec, component, taskId);
    this.lastCompletionAt = host.clock.now();
    this.inbox = exec;
  }

  override setRoutes(all: ReadonlyMap<string, OutRoute>, systemTask: boolean): void {
    super.setRoutes(all, systemTask);
    this.deadLetterRoute = this.routes.get(DEAD_LETTER_STREAM);
    this.routes.delete(DEAD_LETTER_STREAM);
    this.defaultRoute = this.routes.get(DEFAULT_STREAM);
  }

  protected controlRoute(streamId: string, route: OutRoute): void {
    if (streamId === ACK_INIT_STREAM) {
      this.initRoute = route;
      const c = route.choosers.length === 1 ? route.choosers[0] : undefined;
      this.ackerChooser = c instanceof ByRoot ? c : undefined;
    } else if (streamId === ACK_FORGET_STREAM) {
      this.forgetRoute = route;
    }
  }

  /**
   * A tuple of a tree this task started could not be sent at all (too large, or a value the wire
   * cannot carry): fail the tree now with that reason, and drop its acker entry — after the init,
   * which counted the lost edge.
   */
  failTree(root: number, outcome: FailOutcome = TreeOutcome.FAILED): void {
    if (root === this.emittingRoot) this.forgetAfterInit = true;
    else this.forgetTree(root);
    this.inbox.notify(outcome, this.taskId, root);
  }

  /** Gives this task the crash counts of its earlier launches (the worker keeps them on disk). */
  useCrashCounts(store: CrashCounts): void {
    this.crashStore = store;
    this.crashes = store.of(this.component, this.taskId);
  }

  /**
   * The crash count to store for `messageId` when the worker dies while running its tree:
   * one more than its failures so far (stored crashes, or counted here since).
   */
  crashCountAfter(messageId: unknown): number {
    const key = messageKey(messageId);
    const stored = key === undefined ? 0 : (this.crashes.get(key) ?? 0);
    return Math.max(stored, this.failures.get(messageId) ?? 0) + 1;
  }

  /**
   * Failure counts to keep when the worker dies (crash-store.ts), suspects or not: without them a
   * crash of this worker erased the counts of every other failing message, and a poison tuple
   * that crashed another worker got its retries back whenever this one died.
   */
  countsToKeep(): { key: string; count: number }[] {
    const out: { key: string; count: number }[] = [];
    for (const [id, n] of this.failures) {
      const key = messageKey(id);
      const count = key === undefined ? 0 : Math.max(n, this.crashes.get(key) ?? 0);
      if (count > 0) out.push({ key: key!, count });
    }
    return out;
  }

  /** The timeout of `root`'s tree was not charged: remember it, for a crash report that comes later. */
  excuse(root: number, messageId: unknown): void {
    if (this.excused.size >= MAX_RETRY_COUNTS) this.excused.delete(this.excused.keys().next().value!);
    this.excused.set(root, messageId);
    // Mark the message outstanding (count unchanged): an ack clears the mark, so a report that
    // comes after the replay succeeded finds the message settled and charges nothing.
    if (!this.failures.has(messageId) && this.failures.size < MAX_RETRY_COUNTS) this.failures.set(messageId, 0);
  }

  /**
   * A crash report for a tree that is no longer pending (its timeout was excused, and the message
   * replayed): charge its message one failure now. Past maxRetries it is dead-lettered instead of
   * its next emit ({@link crashedOut}). False: not a tree of this task (or already charged).
   */
  chargeLate(root: number): boolean {
    if (!this.excused.has(root)) return false;
    const messageId = this.excused.get(root);
    this.excused.delete(root);
    // Acked (or dead-lettered) since its timeout: over, and a count now would outlive it.
    if (!this.failures.has(messageId)) return true;
    const key = messageKey(messageId);
    const n = Math.max(this.failures.get(messageId) ?? 0, key === undefined ? 0 : (this.crashes.get(key) ?? 0)) + 1;
    this.failures.set(messageId, n);
    if (key !== undefined) this.crashes.set(key, n);
    this.crashStore?.charged();
    return true;
  }

  /**
   * A crash report charged `messageId`'s pending tree (its count is now `count`): keep the count
   * with the crash counts on disk, which a death of this worker without an 'exit' handler would
   * otherwise lose (crash-journal.ts).
   */
  keepCrashCount(messageId: unknown, count: number): void {
    const key = messageKey(messageId);
    if (key === undefined || this.crashStore === undefined) return;
    this.crashes.set(key, count);
    this.crashStore.charged();
  }

  /** Failures counted so far for `messageId` (not counting one). */
  failuresOf(messageId: unknown): number {
    return this.failures.get(messageId) ?? 0;
  }

  /** The message is over (acked or dead-lettered): its crash count too. */
  private settleCrashes(messageId: unknown): void {
    const m = this.crashes;
    if (m.size === 0) return;
    const key = messageKey(messageId);
    if (key !== undefined && m.delete(key)) this.crashStore?.settled();
  }

  /**
   * Before a tracked emit: a message whose earlier attempts crashed their worker continues its
   * count from there; past maxRetries it is not emitted again but dead-lettered (returns true).
   */
  private crashedOut(messageId: unknown, stream: string, values: readonly unknown[] | TreeTuples): boolean {
    const key = messageKey(messageId);
    const crashes = key === undefined ? 0 : (this.crashes.get(key) ?? 0);
    if (crashes === 0) return false;
    if (crashes > (this.failures.get(messageId) ?? 0)) this.failures.set(messageId, crashes);
    if (this.maxRetries === null || crashes <= this.maxRetries) return false;
    const root = this.host.nextLocalRoot();
    this.pending.add(root, messageId, this.host.clock.now(), this.host.epoch, stream, values, false, crashes);
    this.inbox.notify(TreeOutcome.WORKER_CRASHED, this.taskId, root);
    this.host.wake();
    return true;
  }

  /** This task timed the tree out: its acker entry can go now. */
  forgetTree(root: number): void {
    if (this.forgetRoute !== undefined) this.sendControl(this.forgetRoute, [root]);
  }

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

  emitTree(tuples: readonly Values[], messageId?: unknown, streamId: string = DEFAULT_STREAM): void {
    const route = this.route(streamId);
    if (!Array.isArray(tuples as unknown)) {
      throw new ComponentError('GALE_ERR_BAD_VALUES', `component "${this.component}" called emitTree with ${typeof tuples} on stream "${route.ref.id}"; pass an array of value arrays`);
    }
    // All checked first: a bad tuple must not leave part of the group sent in a tree never inited.
    for (let i = 0; i < tuples.length; i++) this.checkShape(route, tuples[i]!, false);
    const host = this.host;
    const tracked = messageId !== undefined && messageId !== null;
    const kept = new TreeTuples(tuples);
    if (!tracked || this.initRoute === undefined) {
      for (let i = 0; i < tuples.length; i++) this.emitOn(route, tuples[i]!, undefined, -1);
      if (tracked) {
        // Without ackers a tracked emit is complete at once (Storm's behaviour).
        const root = host.nextLocalRoot();
        this.pending.add(root, messageId, host.clock.now(), host.epoch, route.ref.id, kept, false);
        this.inbox.notify(TreeOutcome.ACKED, this.taskId, root);
      }
      return;
    }
    if (this.crashes.size > 0 && this.crashedOut(messageId, route.ref.id, kept)) return;
    const ackers = this.ackerChooser;
    const root = ackers === undefined ? nextRootId(host.ids) : ackers.localRoot(nextRootId(host.ids), host.transfer.isLocalTask);
    this.pending.add(root, messageId, host.clock.now(), host.epoch, route.ref.id, this.maxRetries === null ? NO_VALUES : kept, this.inbox.peersDown > 0);
    if (hopTrace.on) stampHop(Hop.EMIT, root);
    const edges = this.edges;
    const transfer = host.transfer;
    this.emittingRoot = root;
    // One emit for the transfer: acks of tuples that run inline merge into one held ack, and
    // with the init when every tuple completed inline (Transfer.mergeInit).
    transfer.beginEmit();
    try {
      const rootHi = rootHigh(root);
      const rootLo = rootLow(root);
      let hi = 0;
      let lo = 0;
      for (let i = 0; i < tuples.length; i++) {
        const values = tuples[i]!;
        this.countEmit(route, values);
        this.metrics.transferred += fanOutNewTree(this.dataSender, route, values, -1, rootHi, rootLo, host.ids, this.taskId, edges);
        hi ^= edges.hi;
        lo ^= edges.lo;
      }
      const init = this.initRoute;
      if (!transfer.mergeInit(init.ref, this.taskId, root, hi, lo)) this.sendControl3(init, root, hi, lo);
    } finally {
      this.emittingRoot = -1;
      transfer.endEmit();
      // In the finally: a tuple that threw after another was failed here (failTree) must not
      // leave the flag set for the next emit, which would drop its own tree at the acker.
      if (this.forgetAfterInit) {
        this.forgetAfterInit = false;
        this.forgetTree(root);
      }
    }
    host.wake();
  }

  private emitOn(route: OutRoute, values: Values, messageId: unknown, directTask: number): void {
    this.checkValues(route, values, directTask >= 0);
    const host = this.host;
    const tracked = messageId !== undefined && messageId !== null;
    if (!tracked || this.initRoute === undefined) {
      this.metrics.transferred += this.sendUntracked(route, values, directTask);
      if (tracked) {
        // Without ackers a tracked emit is complete at once (Storm's behaviour).
        const root = host.nextLocalRoot();
        this.pending.add(root, messageId, host.clock.now(), host.epoch, route.ref.id, values, false);
        this.inbox.notify(TreeOutcome.ACKED, this.taskId, root);
      }
      host.wake();
      return;
    }
    if (this.crashes.size > 0 && this.crashedOut(messageId, route.ref.id, values)) return;
    const ackers = this.ackerChooser;
    const root = ackers === undefined ? nextRootId(host.ids) : ackers.localRoot(nextRootId(host.ids), host.transfer.isLocalTask);
    // The values are kept only to dead-letter them, and only a spout with maxRetries dead-letters:
    // without, the pending tree does not keep them alive for as long as it is held.
    this.pending.add(root, messageId, host.clock.now(), host.epoch, route.ref.id, this.maxRetries === null ? NO_VALUES : values, this.inbox.peersDown > 0);
    if (hopTrace.on) stampHop(Hop.EMIT, root);
    const edges = this.edges;
    const transfer = host.transfer;
    this.emittingRoot = root;
    transfer.beginEmit();
    try {
      this.metrics.transferred += fanOutNewTree(this.dataSender, route, values, directTask, rootHigh(root), rootLow(root), host.ids, this.taskId, edges);
      const init = this.initRoute;
      if (!transfer.mergeInit(init.ref, this.taskId, root, edges.hi, edges.lo)) this.sendControl3(init, root, edges.hi, edges.lo);
    } finally {
      this.emittingRoot = -1;
      transfer.endEmit();
      // In the finally: a tuple that threw after another was failed here (failTree) must not
      // leave the flag set for the next emit, which would drop its own tree at the acker.
      if (this.forgetAfterInit) {
        this.forgetAfterInit = false;
        this.forgetTree(root);
      }
    }
    host.wake();
  }

  /** Failures are counted per message id: maxRetries is set, or the replay backoff grows with them. */
  get countsFailures(): boolean {
    return this.maxRetries !== null || this.host.config.replayBackoffInitialMs > 0;
  }

  /** The tree of `messageId` completed: its failure count (if any) is over. */
  clearFailures(messageId: unknown): void {
    if (this.failures.size > 0) this.failures.delete(messageId);
    this.settleCrashes(messageId);
  }

  /**
   * Counts one more failure of `messageId` (only called when `countsFailures`) and returns the
   * attempts so far. Past maxRetries the count is dropped: the caller dead-letters the id.
   */
  countFailure(messageId: unknown): number {
    const f = this.failures;
    const attempts = (f.get(messageId) ?? 0) + 1;
    if (this.maxRetries !== null && attempts > this.maxRetries) {
      f.delete(messageId);
      return attempts;
    }
    if (attempts === 1 && f.size >= MAX_RETRY_COUNTS) {
      f.delete(f.keys().next().value);
      // Without maxRetries a forgotten count only restarts that id's backoff: nothing to warn about.
      if (!this.evictionWarned && this.maxRetries !== null) {
        this.evictionWarned = true;
        this.host.log.warn(
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
    this.settleCrashes(p.messageId);
    const route = this.deadLetterRoute;
    const subscribed = route !== undefined && route.choosers.length > 0;
    const info = { component: this.component, task: this.taskId, messageId: p.messageId, stream: p.stream, attempts, reason };
    if (!subscribed) {
      this.host.log.warn(info, 'tuple dead-lettered (nothing subscribes to __dead_letter)');
      return;
    }
    this.host.log.info(info, 'tuple dead-lettered');
    // Without maxRetries the engine kept no values: the spout's own (Spout.deadLetterValues), if it has them.
    let kept = p.values;
    if (kept === NO_VALUES) try { kept = this.instance.deadLetterValues?.(p.messageId) ?? NO_VALUES; } catch (err) { this.reportError(err); }
    try {
      // A tree of several tuples (emitTree) is dead-lettered as one dead letter per tuple: each
      // has the shape of a single emit's, so a subscriber need not know how the tree was emitted.
      const all = kept instanceof TreeTuples ? kept.tuples : [kept];
      for (const tupleValues of all) {
        const values = [p.messageId, p.stream, tupleValues, reason, attempts];
        this.checkValues(route, values, false);
        this.metrics.transferred += this.sendUntracked(route, values, -1);
      }
      this.host.wake();
    } catch (err) {
      this.reportError(err);
    }
  }
}
