import type { Consumer, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { NatsSpoutError } from './nats-errors.js';
import type { NatsSpoutConfig } from './nats-options.js';

/** A connection and the bound durable pull consumer. */
export interface NatsSession {
  readonly nc: NatsConnection;
  readonly consumer: Consumer;
}

const MS_TO_NS = 1_000_000;
/**
 * Client pings: a server that hangs without closing the socket (SIGSTOP, a dead host) is declared
 * stale after PING_INTERVAL_MS * MAX_PINGS_OUT, then the client reconnects. The client's default
 * (2 min × 2) would hide an outage from `gale status` for minutes.
 */
const PING_INTERVAL_MS = 5000;
const MAX_PINGS_OUT = 2;

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Connects once (no retry: bad settings must fail `open()` fast and clearly) and binds the durable
 * consumer, creating the stream (when `streamSubjects` are given) and the consumer if missing.
 * After this, the client reconnects forever with `reconnectDelayMs()` between attempts.
 */
export async function openNatsSession(cfg: NatsSpoutConfig, name: string, reconnectDelayMs: () => number): Promise<NatsSession> {
  // Loaded here, not at the top: every topology importing @gale/spout-kit (a file spout, say)
  // would otherwise load the NATS client at startup.
  const { connect } = await import('@nats-io/transport-node');
  const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: [...cfg.servers],
      name,
      timeout: cfg.connectTimeoutMs,
      maxReconnectAttempts: -1,
      pingInterval: PING_INTERVAL_MS,
      maxPingOut: MAX_PINGS_OUT,
      reconnectDelayHandler: reconnectDelayMs,
      ...(cfg.user !== undefined ? { user: cfg.user } : {}),
      ...(cfg.pass !== undefined ? { pass: cfg.pass } : {}),
      ...(cfg.token !== undefined ? { token: cfg.token } : {}),
    });
  } catch (err) {
    // Refused credentials stay refused; an unreachable or slow server may come back.
    const auth = err instanceof Error && /authoriz|authenticat/i.test(`${err.name} ${err.message}`);
    throw new NatsSpoutError('GALE_ERR_NATS_CONNECT', cfg.servers, `cannot connect to NATS at ${cfg.servers.join(', ')}: ${message(err)}${auth ? '' : `; start one with JetStream on (nats-server -js -p ${natsPort(cfg.servers[0])}), or point servers at a running one`}`, { cause: err, retriable: !auth });
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout: cfg.connectTimeoutMs });
    await ensureStream(jsm, cfg);
    await ensureConsumer(jsm, cfg);
    const consumer = await jetstream(nc, { timeout: cfg.connectTimeoutMs }).consumers.get(cfg.stream, cfg.durable);
    return { nc, consumer };
  } catch (err) {
    await nc.close().catch(() => undefined);
    if (err instanceof NatsSpoutError) throw err;
    throw new NatsSpoutError('GALE_ERR_NATS_STREAM', cfg.servers, `cannot bind consumer "${cfg.durable}" of stream "${cfg.stream}": ${message(err)}`, { cause: err });
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message);
}

async function ensureStream(jsm: JetStreamManager, cfg: NatsSpoutConfig): Promise<void> {
  const { StorageType } = await import('@nats-io/jetstream');
  try {
    await jsm.streams.info(cfg.stream);
    return;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    if (cfg.streamSubjects === undefined) {
      throw new NatsSpoutError('GALE_ERR_NATS_STREAM', cfg.servers, `stream "${cfg.stream}" does not exist on ${cfg.servers.join(', ')}; create it (nats stream add) or give streamSubjects`, { cause: err });
    }
  }
  await jsm.streams.add({ name: cfg.stream, subjects: [...cfg.streamSubjects], storage: StorageType.File });
}

async function ensureConsumer(jsm: JetStreamManager, cfg: NatsSpoutConfig): Promise<void> {
  const { AckPolicy, DeliverPolicy } = await import('@nats-io/jetstream');
  try {
    await jsm.consumers.info(cfg.stream, cfg.durable);
    return;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await jsm.consumers.add(cfg.stream, {
    durable_name: cfg.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: cfg.ackWaitMs * MS_TO_NS,
    ...(cfg.filterSubject !== undefined ? { filter_subject: cfg.filterSubject } : {}),
  });
}

/** The port of a server address (`host:port`, `nats://host:port`, `host`: 4222, NATS's default), for the start hint. */
export function natsPort(server: string | undefined): number {
  const m = /:(\d+)\/?$/.exec(server ?? '');
  return m === null ? 4222 : Number(m[1]);
}
