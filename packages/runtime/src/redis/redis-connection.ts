/**
 * One connection helper for every Redis client in gale: the spout-kit stream spout, the bolt-kit
 * sinks and the runtime's state backend (and user connectors). Exported from the barrel; it
 * loads ioredis only on the first open.
 */
// Type only: ioredis is loaded on the first open, so topologies without Redis do not pay for it.
import type { Redis } from 'ioredis';
import { TopologyError } from '../errors.js';
import { backoffDelays, type BackoffOptions } from '../retry.js';
import { RedisAuthError, RedisCommandError, RedisConnectError, RedisUnavailableError } from './redis-errors.js';

/** How one component's connection to Redis behaves. */
export interface RedisConnectionSettings {
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://` (TLS). */
  readonly url: string;
  /** Shown in `CLIENT LIST`, e.g. `gale:orders:lines-0:read`. */
  readonly name: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  /** Delays between reconnect attempts while the server is away. */
  readonly reconnect: BackoffOptions;
  /**
   * The connection runs blocking reads (XREADGROUP BLOCK): a reply later than the block time
   * plus `commandTimeoutMs` counts as none, so a frozen server cannot hang the reader forever.
   */
  readonly blocking?: boolean;
}

/** The URL with its password (if any) replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '<malformed url>';
  }
}

/** Throws `GALE_ERR_BAD_OPTION` for a URL that is not `redis://` or `rediss://` with a host (checked at build time). */
export function checkRedisUrl(url: unknown, who: string): asserts url is string {
  let ok = false;
  if (typeof url === 'string') {
    try {
      const u = new URL(url);
      ok = (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    const shown = typeof url === 'string' ? JSON.stringify(redactUrl(url)) : JSON.stringify(url);
    throw new TopologyError('GALE_ERR_BAD_OPTION', `${who} url must look like redis://[user:password@]host:port[/db], got ${shown}`);
  }
}

const AUTH_REPLY = /^(WRONGPASS|NOAUTH|NOPERM)\b/;

/**
 * Opens a connection and waits until it is ready, or throws a typed error: {@link RedisAuthError}
 * for refused credentials, {@link RedisConnectError} for anything else (refused, unknown host,
 * timeout, not Redis). Once open, the connection reconnects by itself with `reconnect` backoff;
 * commands never queue while it is away (they fail at once and the caller backs off), and commands
 * in flight when it drops fail too, so the caller always learns of an outage.
 */
export async function openRedis(s: RedisConnectionSettings): Promise<Redis> {
  let delays = backoffDelays(s.reconnect);
  let lastError: Error | undefined;
  const { Redis: RedisClient } = await import('ioredis');
  const redis = new RedisClient(s.url, {
    lazyConnect: true,
    connectionName: s.name,
    connectTimeout: s.connectTimeoutMs,
    commandTimeout: s.blocking === true ? undefined : s.commandTimeoutMs,
    ...(s.blocking === true ? { blockingTimeout: s.commandTimeoutMs, blockingTimeoutGrace: s.commandTimeoutMs } : {}),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: () => delays.next().value,
  });
  // ioredis prints unhandled 'error' events to the console; the errors reach callers as rejections.
  redis.on('error', (err: Error) => {
    lastError = err;
  });
  redis.on('ready', () => {
    delays = backoffDelays(s.reconnect);
  });
  try {
    await redis.connect();
    return redis;
  } catch (err) {
    redis.disconnect();
    const cause = lastError ?? err;
    const why = cause instanceof Error ? cause.message : String(cause);
    const shown = redactUrl(s.url);
    if (AUTH_REPLY.test(why)) throw new RedisAuthError(shown, `Redis at ${shown} refused the credentials: ${why}`, { cause });
    throw new RedisConnectError(shown, `cannot connect to Redis at ${shown}: ${why}; ${startRedisHint(s.url)}`, { cause });
  }
}

const UNAVAILABLE_MESSAGES = [
  'Connection is closed', "Stream isn't writeable", 'Command timed out', 'Reached the max retries per request limit',
];
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY)\b/;

/** True for errors that say the server is away or not serving yet (retry later), not that the command was wrong. */
export function isRedisUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && code.startsWith('E')) return true; // ECONNRESET, EPIPE, ECONNREFUSED, ...
  return UNAVAILABLE_MESSAGES.some((m) => err.message.includes(m)) || UNAVAILABLE_REPLY.test(err.message);
}

/** True for Redis's `NOGROUP` reply: the stream or its consumer group is gone (a server restarted without data). */
export function isRedisNoGroup(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOGROUP');
}

/** The typed error for a failed command: {@link RedisUnavailableError} when the server is away, else {@link RedisCommandError}. */
export function redisCommandError(command: string, target: string, err: unknown): RedisUnavailableError | RedisCommandError {
  const why = err instanceof Error ? err.message : String(err);
  if (isRedisUnavailable(err)) return new RedisUnavailableError(`Redis is unavailable (${command} on ${target}): ${why}; retrying with backoff`, { cause: err });
  return new RedisCommandError(command, `${command} on ${target} failed: ${why}`, { cause: err });
}

/** Closes a connection: QUIT when connected (replies in flight still arrive), else drop. Never throws. */
export async function closeRedis(redis: Redis | undefined): Promise<void> {
  if (redis === undefined) return;
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  redis.disconnect();
}

/** How to get a server where `url` points: the end of every "cannot connect" message. */
function startRedisHint(url: string): string {
  let port = '6379';
  try {
    port = new URL(url).port || port;
  } catch {
    // The options check rejected malformed URLs already; keep the default port.
  }
  return `start one with redis-server --port ${port} (package redis-server), or point url at a running one`;
}
