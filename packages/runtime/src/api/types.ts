import type { Fields } from './fields.js';
import type { TopologyConfig } from '../config/topology-config.js';

/** The values of one tuple, positionally matching the declared {@link Fields}. */
export type Values = unknown[];

/** Name of the stream used when a component does not name one. */
export const DEFAULT_STREAM = 'default';

/** Stream on which tick tuples arrive (see `tickFrequencySecs`). */
export const TICK_STREAM = '__tick';

/** Component id of tick tuples. */
export const SYSTEM_COMPONENT = '__system';

/**
 * Reserved stream every spout has: a tuple whose tree failed or timed out more than
 * `maxRetries` times is emitted here (untracked) instead of being replayed, and the spout gets
 * `ack(msgId)`. Subscribe like any stream: `.shuffleGrouping('spoutId', DEAD_LETTER_STREAM)`.
 * Fields: {@link DEAD_LETTER_FIELDS}.
 */
export const DEAD_LETTER_STREAM = '__dead_letter';

/**
 * Fields of {@link DEAD_LETTER_STREAM}: the spout's message id, the stream and values of the
 * original emit, why the last attempt ended ({@link DeadLetterReason}), and how many attempts
 * failed (`maxRetries + 1`).
 */
export const DEAD_LETTER_FIELDS: readonly string[] = Object.freeze(['messageId', 'stream', 'values', 'reason', 'attempts']);

/**
 * Why a message's tree did not complete, as `Spout.fail` gets it:
 * - `failed`: a bolt failed a tuple of the tree (explicit `fail`, or a throw from `execute`);
 * - `timed-out`: the tree did not complete within `messageTimeoutMs`;
 * - `too-large`: a tuple of the tree is larger than a frame between workers (4 MiB): it can never be sent;
 * - `unencodable`: a tuple of the tree holds a value the wire cannot carry (see docs/protocol.md).
 *
 * The last two fail the tree at once (not after the timeout) and will fail the same way on every replay.
 */
export type FailReason = 'failed' | 'timed-out' | 'too-large' | 'unencodable';

/**
 * The fail reasons that repeat on every replay: the tuple can never be sent. A spout that lists
 * them in {@link Spout.deadLetterOn} (every spout of `@gale/spout-kit` does) dead-letters such a
 * message at once instead of replaying it forever.
 */
export const UNSENDABLE_FAIL_REASONS: readonly FailReason[] = Object.freeze(['too-large', 'unencodable'] as const);

/**
 * `reason` of a dead-letter tuple: why the last attempt ended ({@link FailReason}), or
 * `worker-crashed` when the worker died while a bolt executed a tuple of the message's tree
 * (process.exit, an uncaught exception) `maxRetries + 1` times in a row.
 */
export type DeadLetterReason = FailReason | 'worker-crashed';

/** A tuple received by a bolt. Immutable. */
export interface Tuple {
  readonly values: readonly unknown[];
  readonly fields: Fields;
  readonly sourceComponent: string;
  readonly sourceStreamId: string;
  readonly sourceTask: number;
  /** Storm-style id of this tuple in its tuple trees: `{root:edge,...}`, or `{}` when untracked. */
  readonly messageId: string;
  getValue(i: number): unknown;
  /** Throws a ComponentError naming the declared fields if `name` is not one of them. */
  getValueByField(name: string): unknown;
  getStringByField(name: string): string;
  getNumberByField(name: string): number;
  /** True for tick tuples (stream `__tick` from `__system`). */
  isTick(): boolean;
}

/** Declares the output streams of a component. */
export interface OutputFieldsDeclarer {
  /** Declares the `default` stream. `direct` streams may only be emitted with `emitDirect`. */
  declare(fields: Fields | readonly string[], direct?: boolean): void;
  declareStream(streamId: string, fields: Fields | readonly string[], direct?: boolean): void;
}

/** What a task knows about itself and the topology. */
export interface TopologyContext {
  readonly topologyName: string;
  readonly thisComponentId: string;
  readonly thisTaskId: number;
  /** 0-based index of this task among its component's tasks. */
  readonly thisTaskIndex: number;
  readonly config: TopologyConfig;
  /** Every component id, including system components such as `__acker`. */
  componentIds(): string[];
  /** Sorted task ids of a component ([] for an unknown id). */
  componentTasks(componentId: string): number[];
  /** Declared output fields of a component's stream, or undefined. */
  componentOutputFields(componentId: string, streamId?: string): Fields | undefined;
  /**
   * The streams this component subscribes to, as declared with the builder, each with the task
   * ids of its source component (Storm's `getThisSources()`, plus the tasks): every upstream task
   * that may send this task tuples on that stream. Windowed bolts use it to hold their watermark
   * until each of them has been heard from. Empty for spouts.
   */
  thisSources(): TaskSource[];
}

/** One subscription of a component ({@link TopologyContext.thisSources}). */
export interface TaskSource {
  readonly component: string;
  readonly stream: string;
  readonly grouping: GroupingSpec;
  /** Sorted task ids of `component`: the upstream tasks that may send on `stream`. */
  readonly tasks: readonly number[];
}

/** Collector given to a bolt in `prepare`. */
export interface OutputCollector {
  /** Emits on the default stream, anchored to `anchors` (anchoring makes the tuple part of their trees). */
  emit(values: Values, anchors?: Tuple | readonly Tuple[]): void;
  emitStream(streamId: string, values: Values, anchors?: Tuple | readonly Tuple[]): void;
  /** Sends to one task of a component subscribed with `directGrouping` on a direct stream. */
  emitDirect(taskId: number, values: Values, anchors?: Tuple | readonly Tuple[], streamId?: string): void;
  ack(tuple: Tuple): void;
  /** Fails the tuple's trees at once: their spouts get `fail(msgId)` and may replay. */
  fail(tuple: Tuple): void;
  /** Restarts the timeout clock of the tuple's trees (for long-running work). */
  resetTimeout(tuple: Tuple): void;
  reportError(error: unknown): void;
}

/** Collector given to a spout in `open`. */
export interface SpoutOutputCollector {
  /** Emits on the default stream. With a `messageId` the tuple tree is tracked and `ack`/`fail` is called back. */
  emit(values: Values, messageId?: unknown): void;
  emitStream(streamId: string, values: Values, messageId?: unknown): void;
  emitDirect(taskId: number, values: Values, messageId?: unknown, streamId?: string): void;
  /**
   * gale extension: emits every tuple of `tuples` on `streamId` (default stream by default) as
   * ONE tuple tree with one `messageId`: one root, each tuple its own edge (grouped on its own
   * values, as if emitted alone), one acker init for all of them. `ack(messageId)` is called once
   * every tuple's tree part completed; `fail(messageId)` when any of them failed or the tree timed
   * out, and the spout replays the whole group (all its tuples; typically with `emitTree` again).
   * The tree counts once against `maxSpoutPending`. Tracking costs per tree (acker ledger, pending
   * trees, a stateful bolt's held acks): grouping N tuples in a tree pays it once per N. Every
   * tuple's shape is checked before any is sent, so a malformed one throws with nothing of the
   * group sent (a custom grouping that throws midway leaves the tree to time out and replay).
   * The tuples are kept by reference while pending: pass fresh arrays.
   * No tuples with a `messageId`: the tree is complete at once (`ack`). Without a `messageId`
   * it is N untracked emits.
   */
  emitTree(tuples: readonly Values[], messageId?: unknown, streamId?: string): void;
  reportError(error: unknown): void;
}

/**
 * gale extension, implemented by the collectors the engine passes to `open` and `prepare`:
 * Storm's `emit` returns the task ids the tuple went to, gale's returns nothing; wrap one or
 * more emits in `captureTargets` to learn them (shell components use it for `need_task_ids`).
 */
export interface TargetCapture {
  /** Runs `emit` and returns the task ids its tuples were sent to, in send order. */
  captureTargets(emit: () => void): number[];
}

/** True when `collector` can report the task ids of its emits ({@link TargetCapture}). */
export function canCaptureTargets(collector: object): collector is TargetCapture {
  return typeof (collector as Partial<TargetCapture>).captureTargets === 'function';
}

/** Collector of a {@link BasicBolt}: every emit is anchored to the input; the input is acked after `execute`. */
export interface BasicOutputCollector {
  emit(values: Values): void;
  emitStream(streamId: string, values: Values): void;
  emitDirect(taskId: number, values: Values, streamId?: string): void;
  reportError(error: unknown): void;
}

type MaybePromise<T> = T | Promise<T>;

/** A source of tuples. */
export interface Spout {
  declareOutputFields(declarer: OutputFieldsDeclarer): void;
  open?(context: TopologyContext, collector: SpoutOutputCollector): MaybePromise<void>;
  /**
   * Emit zero or more tuples. Called in a loop while the spout is active and
   * `maxSpoutPending` and backpressure allow; when it emits nothing the executor waits
   * `spoutWaitMs` before calling again. May be async: the next call waits for it.
   */
  nextTuple(): MaybePromise<void>;
  /** The tree of the tuple emitted with `messageId` completed. */
  ack?(messageId: unknown): void;
  /**
   * The tree failed or timed out; replay if you want at-least-once. `reason` says why; a
   * `too-large` or `unencodable` message fails the same way on every replay.
   */
  fail?(messageId: unknown, reason: FailReason): void;
  /**
   * gale extension: fail reasons that end a message at once. A failure with one of them is not
   * handed to `fail` for a replay (whatever `maxRetries`): the message is dead-lettered
   * ({@link DEAD_LETTER_STREAM}; its `values` are the emitted ones when the spout has `maxRetries`,
   * which keeps them, else what {@link deadLetterValues} returns) and the spout gets
   * `ack(messageId)`. Read on each failure. The kit spouts give {@link UNSENDABLE_FAIL_REASONS};
   * absent: every failure goes to `fail` (Storm).
   */
  readonly deadLetterOn?: readonly FailReason[];
  /**
   * gale extension: the values the spout emitted for pending message `messageId` (a spout that
   * replays keeps them anyway), for its dead-letter record when the engine kept none: without
   * `maxRetries` the engine keeps no values per pending tree. Called just before the dead
   * letter's `ack(messageId)`; `undefined` (or absent): the record's `values` are empty (`[]`),
   * and `messageId` alone must identify the message. What it throws is reported; the dead letter
   * goes out with empty values.
   */
  deadLetterValues?(messageId: unknown): Values | undefined;
  activate?(): void;
  deactivate?(): void;
  close?(): MaybePromise<void>;
  /**
   * gale extension: true once the source has nothing more to emit, ever (end of file,
   * all replays done). Needed by `gale local --until-idle` and `completeTopology`.
   */
  isExhausted?(): boolean;
}

/** A processing step that acks or fails its inputs itself. */
/** One subscription of a bolt, as `build()` shows it to {@link Bolt.checkInputs}. */
export interface BoltInput {
  readonly component: string;
  readonly stream: string;
  /** The fields the source declares on that stream. */
  readonly fields: Fields;
  readonly grouping: GroupingSpec;
}

/** A bolt's place in the topology, as `build()` shows it to {@link Bolt.checkInputs}. */
export interface BoltWiring {
  readonly id: string;
  readonly numTasks: number;
  readonly inputs: readonly BoltInput[];
}

export interface Bolt {
  readonly basic?: false;
  declareOutputFields(declarer: OutputFieldsDeclarer): void;
  /**
   * gale extension: optional check of the wiring at `build()`, once the subscriptions themselves
   * are valid. A bolt that reads fields by name refuses a topology that cannot feed it (a field
   * its input stream does not declare) by throwing a `TopologyError` naming the component, the
   * field and the declared fields, before anything runs: a wiring mistake is not replayed.
   */
  checkInputs?(wiring: BoltWiring): void;
  prepare?(context: TopologyContext, collector: OutputCollector): MaybePromise<void>;
  /** May be async; at most `maxConcurrency` executions run at once per executor (default 1, keeps order). */
  execute(tuple: Tuple): MaybePromise<void>;
  cleanup?(): MaybePromise<void>;
}

/**
 * A bolt whose emits are anchored to the input and whose input is acked when `execute`
 * returns (or its promise resolves). Throwing {@link FailedException} fails the input.
 */
export interface BasicBolt {
  readonly basic: true;
  declareOutputFields(declarer: OutputFieldsDeclarer): void;
  /** As {@link Bolt.checkInputs}. */
  checkInputs?(wiring: BoltWiring): void;
  prepare?(context: TopologyContext): MaybePromise<void>;
  execute(tuple: Tuple, collector: BasicOutputCollector): MaybePromise<void>;
  cleanup?(): MaybePromise<void>;
}

/** A user-defined grouping. */
export interface CustomGrouping {
  prepare?(info: { sourceComponent: string; streamId: string; targetTasks: readonly number[] }): void;
  /** Returns the target task ids (each one of `targetTasks`) for a tuple. */
  chooseTasks(sourceTask: number, values: readonly unknown[]): readonly number[];
}

export type GroupingSpec =
  | { readonly type: 'shuffle' }
  | { readonly type: 'localOrShuffle' }
  | { readonly type: 'none' }
  | { readonly type: 'all' }
  | { readonly type: 'global' }
  | { readonly type: 'direct' }
  | { readonly type: 'fields'; readonly fields: readonly string[] }
  | { readonly type: 'partialKey'; readonly fields: readonly string[] }
  | { readonly type: 'custom'; readonly grouping: CustomGrouping };
