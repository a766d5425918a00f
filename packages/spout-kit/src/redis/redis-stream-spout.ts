import { setTimeout as sleep } from 'node:timers/promises';
import {
  BaseRichSpout, isRedisNoGroup, redactUrl, redisCommandError, RedisCommandError, rootLog,
  type Logger, type OutputFieldsDeclarer, type SpoutOutputCollector, type TopologyContext, type Values, UNSENDABLE_FAIL_REASONS,
} from '@gale/runtime';
import { Outage } from './outage.js';
import { parseRedisStreamSpoutOptions, type RedisStreamSpoutOptions, type RedisStreamSpoutSettings } from './redis-stream-spout-options.js';
import { StreamAcks } from './stream-acks.js';
import { StreamConsumer } from './stream-consumer.js';
import type { StreamEntry } from './stream-reply.js';

/** Per-task state, created in `open()` (instances are deep-copied per task before it). */
interface ConsumeState {
  readonly consumer: StreamConsumer;
  readonly log: Logger;
  /** Read (or claimed) and not emitted yet, from `head` on. */
  buffer: StreamEntry[];
  head: number;
  /** Emitted, not yet acked: the values a replay re-emits. */
  readonly inFlight: Map<string, Values>;
  /** Failed ids to re-emit before anything new. */
  replay: string[];
  replayHead: number;
  /** The read in flight (at most one: a blocking read never piles up behind another). */
  reading: Promise<void> | undefined;
  /** A read-ahead starts only while `inFlight + buffered + batchSize` stays within this (the spout's maxSpoutPending: its own option, else the topology's). */
  readonly readAheadLimit: number;
  /** Acked by gale, not yet XACKed (Redis may be away). */
  readonly acks: StreamAcks;
  /** `own`: re-reading this consumer's pending entries (after open or an outage), from `ownCursor`; `new`: reading `>`. */
  phase: 'own' | 'new';
  ownCursor: string;
  lastReadEmpty: boolean;
  claimCursor: string;
  claiming: Promise<void> | undefined;
  claimTimer: ReturnType<typeof setInterval> | undefined;
  readonly readOutage: Outage;
  readonly commandOutage: Outage;
  /** Aborts backoff sleeps on close. */
  readonly stop: AbortController;
  closed: boolean;
}

/**
 * Reads a Redis stream through a consumer group and emits one tuple per entry, with the entry id
 * as message id (at-least-once):
 *
 * - the group is created at open when missing (`XGROUP CREATE ... MKSTREAM`, from `startId`);
 * - each task is the consumer `<consumerPrefix>-<task index>`, a name stable across restarts, and
 *   first re-reads its own pending entries (what it held when it stopped), then new ones with
 *   `XREADGROUP ... COUNT batchSize BLOCK blockMs STREAMS key >`, one batch ahead of what it
 *   emits (one read in flight, at most two batches unemitted, within the spout's maxSpoutPending: its own option, else the topology's);
 * - an acked tuple is XACKed (one pipelined XACK per event-loop turn); a failed one is re-emitted with the same id, after gale's
 *   replay backoff (`replayBackoffInitialMs`/`replayBackoffMaxMs`: the engine holds `fail()`);
 * - every `claimIntervalMs` the task claims entries idle for `claimMinIdleMs` in other consumers
 *   (`XAUTOCLAIM`: a crashed or removed task's entries) and refreshes the idle time of its own;
 * - while Redis is away the spout backs off (exponential, jittered), reports one
 *   {@link RedisUnavailableError} per outage through the component error path (`gale status`),
 *   keeps acks until they can be sent, and after the outage re-reads its own pending entries.
 *
 * `open()` throws a {@link RedisConnectError} (`GALE_ERR_REDIS_CONNECT`) when Redis cannot be
 * reached, a {@link RedisAuthError} (`GALE_ERR_REDIS_AUTH`) for refused credentials and a
 * {@link RedisCommandError} (`GALE_ERR_REDIS_COMMAND`) when the key is not a stream.
 *
 * ```ts
 * builder.setSpout('events', new RedisStreamSpout({ url: 'redis://127.0.0.1:6379', stream: 'events', group: 'gale', fields: ['user', 'url'] }), 2);
 * ```
 */
export class RedisStreamSpout extends BaseRichSpout {
  /** A tuple that cannot be sent fails the same way on every replay: dead-letter it at once (docs/kits.md). */
  readonly deadLetterOn = UNSENDABLE_FAIL_REASONS;
  private readonly o: RedisStreamSpoutSettings;
  private s: ConsumeState | undefined;

  constructor(options: RedisStreamSpoutOptions) {
    super();
    this.o = parseRedisStreamSpoutOptions(options);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(this.o.outputFields);
  }

  override async open(context: TopologyContext, collector: SpoutOutputCollector): Promise<void> {
    await super.open(context, collector);
    const o = this.o;
    const prefix = o.consumerPrefix ?? `${context.topologyName}.${context.thisComponentId}`;
    const reconnect = { initialMs: o.reconnectInitialMs, maxMs: o.reconnectMaxMs };
    const consumer = await StreamConsumer.open(
      { stream: o.stream, group: o.group, consumer: `${prefix}-${context.thisTaskIndex}` },
      {
        url: o.url, name: `gale:${context.topologyName}:${context.thisComponentId}-${context.thisTaskIndex}`,
        connectTimeoutMs: o.connectTimeoutMs, commandTimeoutMs: o.commandTimeoutMs, reconnect,
      },
      o.startId,
    );
    const commandOutage = new Outage(reconnect);
    const s: ConsumeState = {
      consumer,
      log: rootLog.child({ component: context.thisComponentId, task: context.thisTaskId, stream: o.stream, group: o.group }),
      buffer: [], head: 0, inFlight: new Map(), replay: [], replayHead: 0,
      reading: undefined, readAheadLimit: context.config.maxSpoutPending ?? Infinity,
      acks: new StreamAcks(
        (ids) => consumer.ack(ids),
        (err) => this.commandFailed(s, 'XACK', err),
        () => commandOutage.succeeded(),
      ),
      phase: 'own', ownCursor: '0', lastReadEmpty: false, claimCursor: '0-0', claiming: undefined, claimTimer: undefined,
      readOutage: new Outage(reconnect), commandOutage, stop: new AbortController(), closed: false,
    };
    this.s = s;
    s.claimTimer = setInterval(() => {
      if (s.claiming === undefined && !s.closed) s.claiming = this.claimRound(s).finally(() => (s.claiming = undefined));
    }, o.claimIntervalMs);
    s.claimTimer.unref();
    s.log.info({ consumer: consumer.address.consumer, url: redactUrl(o.url) }, 'redis stream spout open');
  }

  nextTuple(): void | Promise<void> {
    const s = this.s;
    if (s === undefined || s.closed) return;
    if (s.replayHead < s.replay.length) {
      const id = s.replay[s.replayHead++]!;
      if (s.replayHead === s.replay.length) {
        s.replay = [];
        s.replayHead = 0;
      }
      const values = s.inFlight.get(id);
      if (values !== undefined) this.collector.emit(values, id);
      return;
    }
    if (s.head < s.buffer.length) {
      const e = s.buffer[s.head++]!;
      if (s.head === s.buffer.length) {
        s.buffer = [];
        s.head = 0;
      }
      const values = this.o.toValues(e.id, e.fields!);
      s.inFlight.set(e.id, values);
      this.collector.emit(values, e.id);
      // Read ahead while this batch is emitted, so the next one is here when it is done.
      if (s.reading === undefined && this.mayReadAhead(s)) void this.startRead(s);
      return;
    }
    // Nothing to emit: wait for the read in flight (the executor calls again once it settles).
    if (s.reading !== undefined) return s.reading;
    // A finite stream read to its end: stop polling, so the executor can go idle.
    if (this.isExhausted()) return;
    return this.startRead(s);
  }

  override ack(messageId: unknown): void {
    const s = this.s;
    if (s === undefined || typeof messageId !== 'string') return;
    s.inFlight.delete(messageId);
    s.acks.add(messageId);
  }

  override fail(messageId: unknown): void {
    const s = this.s;
    if (s !== undefined && typeof messageId === 'string' && s.inFlight.has(messageId)) s.replay.push(messageId);
  }

  /** The in-flight entry's values, for its dead letter (Spout.deadLetterValues); the message id is the entry id. */
  deadLetterValues(messageId: unknown): Values | undefined {
    return typeof messageId === 'string' ? this.s?.inFlight.get(messageId) : undefined;
  }

  /** With `untilEmpty`: true once a read found nothing new and every emitted entry was acked and XACKed. */
  isExhausted(): boolean {
    const s = this.s;
    return this.o.untilEmpty && s !== undefined && s.phase === 'new' && s.lastReadEmpty && s.head >= s.buffer.length
      && s.reading === undefined && s.replayHead >= s.replay.length && s.inFlight.size === 0 && s.acks.size === 0
      && !s.acks.busy && s.claiming === undefined;
  }

  /**
   * Stops reading, sends the acks it still holds (one attempt), then closes both connections; a
   * blocked read in flight is cut off by dropping its connection (its entries stay pending in the
   * group and are read again, by this consumer on restart or by another's claim). Idempotent.
   */
  override async close(): Promise<void> {
    const s = this.s;
    if (s === undefined || s.closed) return;
    s.closed = true;
    s.stop.abort();
    clearInterval(s.claimTimer);
    await s.claiming;
    await s.acks.close();
    await s.consumer.close();
    await s.reading;
  }

  /**
   * A read-ahead keeps at most two batches unemitted here (this one and the next) and never holds
   * more entries than the spout's maxSpoutPending: its own option, else the topology's lets out.
   */
  private mayReadAhead(s: ConsumeState): boolean {
    const buffered = s.buffer.length - s.head;
    return buffered <= this.o.batchSize && s.inFlight.size + buffered + this.o.batchSize <= s.readAheadLimit;
  }

  private startRead(s: ConsumeState): Promise<void> {
    s.reading ??= this.read(s).finally(() => (s.reading = undefined));
    return s.reading;
  }

  /** One read: this consumer's own pending entries first (after open or an outage), then new ones. Never rejects. */
  private async read(s: ConsumeState): Promise<void> {
    const o = this.o;
    try {
      if (s.phase === 'own') {
        const entries = await s.consumer.readOwnPending(s.ownCursor, o.batchSize);
        // Closed meanwhile: what was read stays in our PEL, for the next open to read again.
        if (s.closed) return;
        if (entries.length === 0) s.phase = 'new';
        else s.ownCursor = entries[entries.length - 1]!.id;
        this.enqueue(s, entries, false);
      } else {
        const entries = await s.consumer.readNew(o.batchSize, o.blockMs);
        if (s.closed) return;
        s.lastReadEmpty = entries.length === 0;
        this.enqueue(s, entries, true);
      }
      if (s.readOutage.succeeded()) this.recovered(s);
    } catch (err) {
      if (s.closed) return;
      await this.onReadError(s, err);
    }
  }

  /**
   * Buffers entries not already held here; entries deleted while pending have nothing to emit and
   * are acked. `fresh`: read with `>`, never delivered to this group before, so none can be held
   * here (the common path skips the look-ups); a re-read of our PEL or a claim can overlap.
   */
  private enqueue(s: ConsumeState, entries: readonly StreamEntry[], fresh: boolean): void {
    let held: Set<string> | undefined;
    for (const e of entries) {
      if (!fresh) {
        held ??= new Set([...this.bufferedIds(s), ...s.acks.heldIds()]);
        if (held.has(e.id) || s.inFlight.has(e.id)) continue;
        held.add(e.id);
      }
      if (e.fields === null) {
        s.acks.add(e.id);
        continue;
      }
      s.buffer.push(e);
    }
  }

  private bufferedIds(s: ConsumeState): string[] {
    const ids: string[] = [];
    for (let i = s.head; i < s.buffer.length; i++) ids.push(s.buffer[i]!.id);
    return ids;
  }

  private async onReadError(s: ConsumeState, err: unknown): Promise<void> {
    if (isRedisNoGroup(err)) {
      // The server came back without our group (restarted without persistence, or the key was
      // deleted): create it again and carry on; what was lost with the server is not ours to replay.
      s.log.warn({ err: (err as Error).message }, 'consumer group missing; creating it again');
      try {
        await s.consumer.ensureGroup(this.o.startId);
        return;
      } catch (again) {
        err = again;
      }
    }
    const e = redisCommandError('XREADGROUP', this.o.stream, err);
    const { delayMs, first } = s.readOutage.failed(Date.now());
    if (first || e instanceof RedisCommandError) {
      this.collector.reportError(e);
      s.log.warn({ err: e.message, retryInMs: delayMs }, 'redis read failed; backing off');
    }
    try {
      await sleep(delayMs, undefined, { signal: s.stop.signal });
    } catch {
      // closed during the backoff
    }
  }

  /** After an outage: re-read our own pending entries (a read whose reply was lost is in our PEL), send held acks. */
  private recovered(s: ConsumeState): void {
    s.phase = 'own';
    s.ownCursor = '0';
    s.log.info({}, 'redis reachable again; resuming');
    s.acks.resume();
  }

  /**
   * Refreshes the idle time of every entry this task holds (emitted or buffered: none is idle for
   * more than a claim interval, under `claimMinIdleMs`) so no other consumer claims them, then
   * claims entries idle for `claimMinIdleMs` anywhere in the group. Refreshing all of them, not
   * only those older than an interval, costs one XCLAIM id per held entry per interval and saves
   * a timestamp per emitted entry.
   */
  private async claimRound(s: ConsumeState): Promise<void> {
    const o = this.o;
    try {
      const held = [...s.inFlight.keys(), ...this.bufferedIds(s)];
      if (held.length > 0) await s.consumer.touch(held);
      // Page through the PEL, but buffer at most about a batch of claimed entries per round.
      do {
        const r = await s.consumer.autoClaim(o.claimMinIdleMs, s.claimCursor, o.batchSize);
        s.claimCursor = r.cursor;
        if (s.closed) return;
        this.enqueue(s, [...r.entries, ...r.deleted.map((id) => ({ id, fields: null }))], false);
        if (r.entries.length > 0) s.log.info({ claimed: r.entries.length }, 'claimed idle entries of other consumers');
      } while (s.claimCursor !== '0-0' && s.buffer.length - s.head < o.batchSize);
      s.commandOutage.succeeded();
    } catch (err) {
      if (!s.closed) this.commandFailed(s, 'XAUTOCLAIM', err);
    }
  }

  /** Reports a failed command (once per outage, or each time for a command error); returns the backoff delay. */
  private commandFailed(s: ConsumeState, command: string, err: unknown): number {
    const e = redisCommandError(command, this.o.stream, err);
    const { delayMs, first } = s.commandOutage.failed(Date.now());
    if (first || e instanceof RedisCommandError) {
      this.collector.reportError(e);
      s.log.warn({ err: e.message, retryInMs: delayMs }, 'redis command failed; backing off');
    }
    return delayMs;
  }
}
