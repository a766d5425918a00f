// Type only: ioredis is loaded on the first open, so topologies without Redis do not pay for it.
import type { Redis } from 'ioredis';
import { backoffDelays, TopologyError, type BackoffOptions } from '@gale/runtime';
import { RedisAuthError, RedisConnectError } from './redis-errors.js';

// Mirrors @gale/spout-kit's redis-connection.ts (a kit may not import the other kit): keep both in step.

export interface RedisConnectionSettings {
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://` (TLS). */
  readonly url: string;
  /** Shown in `CLIENT LIST`. */
  readonly name: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly reconnect: BackoffOptions;
}

/** The URL with its password (if any) replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '<malformed url>';
  }
}

/** Throws `GALE_ERR_BAD_OPTION` for a URL that is not `redis://` or `rediss://` with a host. */
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
 * Opens a connection and waits until it is ready, or throws {@link RedisAuthError} /
 * {@link RedisConnectError}. Once open it reconnects by itself with `reconnect` backoff; commands
 * fail at once while it is away (no offline queue), so a sink fails its tuples instead of holding them.
 */
export async function openRedis(s: RedisConnectionSettings): Promise<Redis> {
  let delays = backoffDelays(s.reconnect);
  let lastError: Error | undefined;
  const { Redis: RedisClient } = await import('ioredis');
  const redis = new RedisClient(s.url, {
    lazyConnect: true,
    connectionName: s.name,
    connectTimeout: s.connectTimeoutMs,
    commandTimeout: s.commandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: () => delays.next().value,
  });
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
    throw new RedisConnectError(shown, `cannot connect to Redis at ${shown}: ${why}`, { cause });
  }
}

const UNAVAILABLE_MESSAGES = [
  'Connection is closed', "Stream isn't writeable", 'Command timed out', 'Reached the max retries per request limit',
];
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY)\b/;

/** True for errors that say the server is away or not serving yet, not that the command was wrong. */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && code.startsWith('E')) return true;
  return UNAVAILABLE_MESSAGES.some((m) => err.message.includes(m)) || UNAVAILABLE_REPLY.test(err.message);
}
