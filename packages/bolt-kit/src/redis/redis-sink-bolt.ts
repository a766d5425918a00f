import type { Redis } from 'ioredis';
import {
  invalidRow, BaseRichBolt, checkRedisUrl, closeRedis, isDataError, isGaleError, isRedisUnavailable, openRedis, redactUrl, rootLog,
  type Logger, type OutputCollector, type OutputFieldsDeclarer, type RedisConnectionSettings, type TopologyContext, type Tuple,
} from '@gale/runtime';
import { badOption } from '../errors.js';
import { declareInvalidStream, invalidStreamOption } from '../invalid-stream.js';
import { RedisWriteError } from './redis-errors.js';

/** Connection options shared by the Redis sinks. Times in milliseconds. */
export interface RedisSinkConnectionOptions {
  /** `redis://[[user]:password@]host[:port][/db]` (or `rediss://`). Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Connect timeout at prepare and on each reconnect. Default 5000. */
  connectTimeoutMs?: number;
  /** A write without a reply for this long fails its tuple. Default 5000. */
  commandTimeoutMs?: number;
  /** First delay between reconnect attempts while Redis is away (doubling, ±20% jitter). Default 100. */
  reconnectInitialMs?: number;
  /** Cap of that delay. Default 5000. */
  reconnectMaxMs?: number;
  /** Writes in flight at once; `execute` waits for one to finish beyond that. Default 1000. */
  maxInFlight?: number;
  /**
   * The stream on which tuples that can never be written (bad data: a non-integer increment, a
   * malformed or out-of-order entry id) are emitted as `[sourceComponent, sourceStream, values,
   * reason]`, then acked instead of failed. Default `invalid`.
   */
  invalidStream?: string;
}

export const CONNECTION_KEYS: readonly string[] = ['url', 'connectTimeoutMs', 'commandTimeoutMs', 'reconnectInitialMs', 'reconnectMaxMs', 'maxInFlight', 'invalidStream'];

interface ParsedConnection {
  readonly url: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  readonly maxInFlight: number;
  readonly invalidStream: string;
}

/** Validates option keys (`known` plus the connection keys) and the connection options. */
export function parseConnectionOptions(o: Record<string, unknown>, who: string, known: readonly string[]): ParsedConnection {
  if (typeof o !== 'object' || o === null) throw badOption(`${who} needs an options object`);
  const all = new Set([...known, ...CONNECTION_KEYS]);
  for (const k of Object.keys(o)) if (!all.has(k)) throw badOption(`${who} has no option "${k}" (known: ${[...all].join(', ')})`);
  const url = o.url ?? 'redis://127.0.0.1:6379';
  checkRedisUrl(url, who);
  const int = (key: string, dflt: number): number => {
    const v = o[key] ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw badOption(`${who} ${key} must be an integer >= 1, got ${JSON.stringify(v)}`);
    return v;
  };
  const c = {
    url, connectTimeoutMs: int('connectTimeoutMs', 5000), commandTimeoutMs: int('commandTimeoutMs', 5000),
    reconnectInitialMs: int('reconnectInitialMs', 100), reconnectMaxMs: int('reconnectMaxMs', 5000), maxInFlight: int('maxInFlight', 1000),
    invalidStream: invalidStreamOption(who, o.invalidStream),
  };
  if (c.reconnectMaxMs < c.reconnectInitialMs) throw badOption(`${who} reconnectMaxMs must be >= reconnectInitialMs`);
  return c;
}

/** A value as Redis stores it: strings as they are, objects as JSON, null/undefined as ''. */
export function toRedisString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v as number | boolean | bigint);
}

/**
 * What the Redis sinks share: one connection per task (typed errors at prepare), one write per
 * tuple, acked when Redis confirmed it and failed (so its spout replays it) when it did not. An
 * outage is reported once (`GALE_ERR_REDIS_WRITE`, retriable) until a write succeeds again; a
 * refused command is reported every time. A tuple that can never be written (the write threw or
 * rejected with a DataError: bad data) is not failed, which would replay it forever: it is
 * emitted on the invalid stream (its only declared output) and acked, and the error reported.
 */
export abstract class RedisSinkBolt extends BaseRichBolt {
  private redis: Redis | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private down = false;
  private log: Logger | undefined;

  protected constructor(private readonly who: string, private readonly conn: ParsedConnection) {
    super();
  }

  /** The stream bad tuples go to (named in the DataErrors of the subclasses). */
  protected get invalidStream(): string {
    return this.conn.invalidStream;
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declareInvalidStream(this.who, this.conn.invalidStream, declarer);
  }

  override async prepare(context: TopologyContext, collector: OutputCollector): Promise<void> {
    super.prepare(context, collector);
    const c = this.conn;
    const settings: RedisConnectionSettings = {
      url: c.url, name: `gale:${context.topologyName}:${context.thisComponentId}-${context.thisTaskIndex}`,
      connectTimeoutMs: c.connectTimeoutMs, commandTimeoutMs: c.commandTimeoutMs,
      reconnect: { initialMs: c.reconnectInitialMs, maxMs: c.reconnectMaxMs },
    };
    this.redis = await openRedis(settings);
    this.log = rootLog.child({ component: context.thisComponentId, task: context.thisTaskId, sink: this.who, url: redactUrl(c.url) });
  }

  /**
   * The write of one tuple. Throws (synchronously) for a tuple that cannot be written at all: a
   * DataError (bad data: a non-integer increment) sends it to the invalid stream and acks it;
   * anything else (a field its stream does not have) fails it. Either is reported. The promise
   * may reject with a DataError too (an entry id Redis will never take).
   */
  protected abstract write(redis: Redis, tuple: Tuple): Promise<void>;

  execute(t: Tuple): void | Promise<void> {
    if (t.isTick()) {
      this.collector.ack(t);
      return;
    }
    let p: Promise<void>;
    try {
      p = this.write(this.redis!, t);
    } catch (err) {
      if (isDataError(err)) {
        this.badData(t, err);
        return;
      }
      this.collector.reportError(err);
      this.collector.fail(t);
      return;
    }
    const w: Promise<void> = p.then(
      () => {
        if (this.down) {
          this.down = false;
          this.log?.info({}, 'redis writes succeed again');
        }
        this.collector.ack(t);
      },
      (err: unknown) => this.writeFailed(t, err),
    ).finally(() => this.inFlight.delete(w));
    this.inFlight.add(w);
    if (this.inFlight.size >= this.conn.maxInFlight) return Promise.race(this.inFlight);
  }

  private writeFailed(t: Tuple, err: unknown): void {
    if (isDataError(err)) {
      this.badData(t, err);
      return;
    }
    const unavailable = isRedisUnavailable(err);
    const e = isGaleError(err) ? err : new RedisWriteError(
      'write', `${this.who}: ${unavailable ? 'Redis is unavailable' : 'Redis refused the write'}: ${err instanceof Error ? err.message : String(err)}; tuple failed`,
      { cause: err, retriable: unavailable },
    );
    if (!unavailable || !this.down) {
      this.collector.reportError(e);
      this.log?.warn({ err: e.message }, 'redis write failed');
    }
    if (unavailable) this.down = true;
    this.collector.fail(t);
  }

  // Bad data: a replay would bring the same values back and fail again, forever.
  private badData(t: Tuple, err: Error): void {
    this.collector.reportError(err);
    this.collector.emitStream(this.conn.invalidStream, invalidRow(t, err.message), t);
    this.collector.ack(t);
  }

  /** Waits for the writes in flight (acking or failing their tuples), then closes the connection. */
  override async cleanup(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    const r = this.redis;
    this.redis = undefined;
    await closeRedis(r);
  }
}
