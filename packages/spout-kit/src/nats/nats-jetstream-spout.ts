import type { JsMsg } from '@nats-io/jetstream';
import {
  BaseRichSpout, backoffDelays, type OutputFieldsDeclarer, type SpoutOutputCollector, type TopologyContext, type Values, UNSENDABLE_FAIL_REASONS,
} from '@gale/runtime';
import { WakeSignal } from '../wake-signal.js';
import { NatsSpoutError } from './nats-errors.js';
import { parseNatsSpoutOptions, type NatsJetStreamSpoutOptions, type NatsSpoutConfig } from './nats-options.js';
import { openNatsSession, type NatsSession } from './nats-session.js';

/** Per-task state, created in `open()` (instances are deep-copied per task before it). */
interface RunState {
  readonly session: NatsSession;
  readonly nakDelayMs: number;
  /** Fetched, not yet emitted. At most one batch: the next fetch starts when it is empty. */
  buffer: JsMsg[];
  /** Emitted, waiting for the tree's outcome: stream sequence (the message id) → message. */
  readonly inflight: Map<number, JsMsg>;
  /** Set by the status watcher between a disconnect and the reconnect. */
  connected: boolean;
  readonly wake: WakeSignal;
  /** Ends the pump's backoff sleep at close. */
  readonly stop: AbortController;
  pump: Promise<void> | undefined;
  heartbeat: ReturnType<typeof setInterval> | undefined;
  closed: boolean;
}

/**
 * Reads a NATS JetStream stream through a durable pull consumer and emits one tuple
 * `[data, subject]` per message (payload decoded as UTF-8), with the message's stream sequence as
 * message id. At least once:
 *
 * - a message is acked on the server only when its tuple tree is acked; a failed or timed-out
 *   tree is `nak`ed (with `nakDelayMs`) and the server redelivers it;
 * - messages fetched or emitted but not yet done get a `working()` heartbeat every third of
 *   `ackWaitMs`, so a slow tree is never redelivered behind its back, while after a crash of the
 *   worker the server redelivers everything unacked after `ackWaitMs`;
 * - a redelivery of a sequence still in flight (an ack lost in a server restart) is not emitted
 *   twice: the spout keeps the newer delivery to ack;
 * - a server that goes away: the spout reports `GALE_ERR_NATS_FETCH` through the component's error
 *   path (`gale status`), the client reconnects with exponential backoff (`retryInitialMs` ..
 *   `retryMaxMs`), acks made meanwhile are sent on reconnect, and fetching resumes;
 * - `close()` naks what was fetched and not completed, so another instance gets it at once.
 *
 * Several tasks may share one durable consumer: JetStream hands each message to one of them.
 * `open()` throws {@link NatsSpoutError} `GALE_ERR_NATS_CONNECT` when the server cannot be reached
 * and `GALE_ERR_NATS_STREAM` when the stream is missing or the consumer cannot be bound.
 *
 * ```ts
 * builder.setSpout('events', new NatsJetStreamSpout({ servers: 'localhost:4222', stream: 'EVENTS', durable: 'gale' }));
 * ```
 */
export class NatsJetStreamSpout extends BaseRichSpout {
  /** A tuple that cannot be sent fails the same way on every replay: dead-letter it at once (docs/kits.md). */
  readonly deadLetterOn = UNSENDABLE_FAIL_REASONS;
  private readonly cfg: NatsSpoutConfig;
  private state: RunState | undefined;

  constructor(options: NatsJetStreamSpoutOptions) {
    super();
    this.cfg = parseNatsSpoutOptions(options);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare([this.cfg.dataField, this.cfg.subjectField]);
  }

  override async open(context: TopologyContext, collector: SpoutOutputCollector): Promise<void> {
    await super.open(context, collector);
    const cfg = this.cfg;
    let delays = backoffDelays({ initialMs: cfg.retryInitialMs, maxMs: cfg.retryMaxMs });
    const name = `gale:${context.topologyName}:${context.thisComponentId}:${context.thisTaskId}`;
    const session = await openNatsSession(cfg, name, () => delays.next().value);
    const s: RunState = {
      session,
      nakDelayMs: cfg.nakDelayMs ?? context.config.replayBackoffInitialMs,
      buffer: [],
      inflight: new Map(),
      connected: true,
      wake: new WakeSignal(),
      stop: new AbortController(),
      pump: undefined,
      heartbeat: undefined,
      closed: false,
    };
    this.state = s;
    void this.watchStatus(s, () => {
      delays = backoffDelays({ initialMs: cfg.retryInitialMs, maxMs: cfg.retryMaxMs });
    });
    s.heartbeat = setInterval(() => this.keepAlive(s), Math.max(100, Math.floor(cfg.ackWaitMs / 3)));
    s.pump = this.pump(s);
  }

  nextTuple(): void | Promise<void> {
    const s = this.state;
    if (s === undefined || s.closed) return;
    while (s.buffer.length > 0) {
      const m = s.buffer.shift()!;
      if (s.buffer.length === 0) s.wake.notify(); // the pump fetches the next batch
      const seq = m.seq;
      if (s.inflight.has(seq)) {
        // A redelivery of a message whose tree is still running: ack (or nak) the newer delivery.
        s.inflight.set(seq, m);
        continue;
      }
      s.inflight.set(seq, m);
      this.collector.emit([m.string(), m.subject], seq);
      return;
    }
    return s.wake.wait(this.cfg.fetchExpiresMs);
  }

  override ack(messageId: unknown): void {
    const s = this.state;
    const m = s?.inflight.get(messageId as number);
    if (m === undefined) return;
    s!.inflight.delete(messageId as number);
    m.ack();
  }

  override fail(messageId: unknown): void {
    const s = this.state;
    const m = s?.inflight.get(messageId as number);
    if (m === undefined) return;
    s!.inflight.delete(messageId as number);
    m.nak(s!.nakDelayMs);
  }

  /** The in-flight message's values as emitted (`[data, subject]`), for its dead letter (Spout.deadLetterValues). */
  deadLetterValues(messageId: unknown): Values | undefined {
    const m = this.state?.inflight.get(messageId as number);
    return m === undefined ? undefined : [m.string(), m.subject];
  }

  /** Messages fetched and not yet acked or naked (buffered + in flight). */
  pendingMessages(): number {
    const s = this.state;
    return s === undefined ? 0 : s.buffer.length + s.inflight.size;
  }

  /**
   * Naks what is buffered or in flight (so the server redelivers it at once to another consumer),
   * flushes and closes the connection. Idempotent.
   */
  override async close(): Promise<void> {
    const s = this.state;
    if (s === undefined || s.closed) return;
    s.closed = true;
    clearInterval(s.heartbeat);
    s.stop.abort();
    s.wake.notify();
    for (const m of s.buffer) m.nak();
    for (const m of s.inflight.values()) m.nak();
    s.buffer = [];
    s.inflight.clear();
    await s.pump;
    try {
      await s.session.nc.drain();
    } catch {
      await s.session.nc.close().catch(() => undefined);
    }
  }

  /** Fetches a batch whenever the buffer is empty and the connection is up, until close. */
  private async pump(s: RunState): Promise<void> {
    const cfg = this.cfg;
    let delays = backoffDelays({ initialMs: cfg.retryInitialMs, maxMs: cfg.retryMaxMs });
    while (!s.closed) {
      if (s.buffer.length > 0 || !s.connected) {
        await s.wake.wait(cfg.fetchExpiresMs);
        continue;
      }
      try {
        const batch = await s.session.consumer.fetch({ max_messages: cfg.batchSize, expires: cfg.fetchExpiresMs });
        for await (const m of batch) {
          if (s.closed) m.nak();
          else {
            s.buffer.push(m);
            s.wake.notify();
          }
        }
        delays = backoffDelays({ initialMs: cfg.retryInitialMs, maxMs: cfg.retryMaxMs });
      } catch (err) {
        if (s.closed) return;
        const delayMs = delays.next().value;
        this.collector.reportError(new NatsSpoutError(
          'GALE_ERR_NATS_FETCH', cfg.servers,
          `fetch from stream "${cfg.stream}" (consumer "${cfg.durable}") failed: ${err instanceof Error ? err.message : String(err)}; retrying in ${delayMs} ms`,
          { cause: err, retriable: true },
        ));
        await sleep(delayMs, s.stop.signal);
      }
    }
  }

  /** Follows the connection: a disconnect is reported and pauses fetching until the reconnect. */
  private async watchStatus(s: RunState, onReconnect: () => void): Promise<void> {
    for await (const st of s.session.nc.status()) {
      if (s.closed) return;
      if (st.type === 'disconnect') {
        s.connected = false;
        this.collector.reportError(new NatsSpoutError(
          'GALE_ERR_NATS_FETCH', this.cfg.servers,
          `lost the connection to NATS at ${st.server}; reconnecting with backoff (${s.buffer.length + s.inflight.size} messages held, none lost)`,
          { retriable: true },
        ));
      } else if (st.type === 'reconnect') {
        s.connected = true;
        onReconnect();
        s.wake.notify();
      }
    }
  }

  private keepAlive(s: RunState): void {
    if (s.closed || !s.connected) return;
    for (const m of s.buffer) m.working();
    for (const m of s.inflight.values()) m.working();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
