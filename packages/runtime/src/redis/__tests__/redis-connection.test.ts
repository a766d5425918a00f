import {
  checkRedisUrl, closeRedis, isRedisUnavailable, openRedis, redactUrl, redisCommandError, RedisCommandError, RedisConnectError,
  RedisUnavailableError, type RedisConnectionSettings,
} from '@gale/runtime';
import { freePort } from '../../../../../test/harness/ports.js';
import { startRedis, type RedisServer } from '../../../../../test/harness/redis.js';

const settings = (url: string): RedisConnectionSettings => ({
  url, name: 'gale:test:conn', connectTimeoutMs: 1000, commandTimeoutMs: 1000, reconnect: { initialMs: 50, maxMs: 200 },
});

describe('the shared Redis connection helper (real redis-server)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('opens, runs commands, classifies a refused command, and closes', async () => {
    const c = await openRedis(settings(redis.url));
    expect(await c.set('k', 'v')).toBe('OK');
    expect(await c.client('GETNAME')).toBe('gale:test:conn');
    const refused = await c.xadd('k', '*', 'f', '1').catch((e: unknown) => e);
    expect(isRedisUnavailable(refused)).toBe(false);
    const typed = redisCommandError('XADD', 'k', refused);
    expect(typed).toBeInstanceOf(RedisCommandError);
    expect(typed.code).toBe('GALE_ERR_REDIS_COMMAND');
    expect(typed.message).toMatch(/^XADD on k failed: WRONGTYPE/);
    await closeRedis(c);
    // QUIT was answered: the connection ends (the 'end' event may follow the reply by a tick).
    if (c.status !== 'end') await new Promise<void>((resolve) => c.once('end', resolve));
    expect(c.status).toBe('end');
    await closeRedis(undefined);
  });

  it('fails fast while the server is away (no queued commands) and says it is unavailable', async () => {
    const c = await openRedis(settings(redis.url));
    try {
      redis.pause();
      const err = await c.get('k').catch((e: unknown) => e);
      expect(isRedisUnavailable(err)).toBe(true);
      expect(redisCommandError('GET', 'k', err)).toBeInstanceOf(RedisUnavailableError);
    } finally {
      redis.resume();
      await closeRedis(c);
    }
  });

  it('names the URL without its password when nothing listens there', async () => {
    const port = await freePort();
    const url = `redis://:s3cret@127.0.0.1:${port}`;
    const err = await openRedis(settings(url)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisConnectError);
    expect((err as RedisConnectError).code).toBe('GALE_ERR_REDIS_CONNECT');
    expect((err as Error).message).toContain(`redis://:***@127.0.0.1:${port}`);
    expect((err as Error).message).not.toContain('s3cret');
    expect(redactUrl(url)).not.toContain('s3cret');
    expect(() => checkRedisUrl('http://x', 'MyBolt')).toThrow(/MyBolt url must look like redis:\/\//);
  });
});
