import { RedisStateStores, StateError } from '@gale/runtime';
import { freePort } from '../../../../../test/harness/ports.js';
import { startRedis, type RedisServer } from '../../../../../test/harness/redis.js';

describe('Redis state backend (real redis-server)', () => {
  let redis: RedisServer;
  let stores: RedisStateStores | undefined;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: true });
  });
  afterEach(async () => {
    await stores?.close();
    stores = undefined;
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const ns = { topology: 'totals', component: 'count', taskIndex: 0 };

  it('prepare + commit, idempotent commit, and a state that survives a redis restart', async () => {
    stores = new RedisStateStores(redis.url);
    const s = stores.open(ns);
    expect(await s.load()).toEqual({ committed: { txid: 0, entries: [] }, prepared: undefined });
    await s.prepare({ txid: 1, entries: [['"a"', 1], ['"b"', { n: 2 }]] });
    expect((await s.load()).prepared?.txid).toBe(1);
    await s.commit(1);
    await s.commit(1);
    const loaded = await s.load();
    expect(loaded.committed.txid).toBe(1);
    expect(new Map(loaded.committed.entries)).toEqual(new Map<string, unknown>([['"a"', 1], ['"b"', { n: 2 }]]));
    // An empty snapshot commits as empty.
    await s.prepare({ txid: 2, entries: [] });
    await s.commit(2);
    expect((await s.load()).committed).toEqual({ txid: 2, entries: [] });
    await s.prepare({ txid: 3, entries: [['"c"', 3]] });
    await s.commit(3);

    await redis.kill();
    // While the server is away operations fail fast with a retriable StateError; nothing committed changes.
    const err = await s.prepare({ txid: 4, entries: [['"c"', 99]] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect((err as StateError).code).toBe('GALE_ERR_STATE_UNAVAILABLE');
    expect((err as StateError).retriable).toBe(true);
    await redis.restart();
    // ioredis reconnects by itself; poll until it has.
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        expect(await s.load()).toEqual({ committed: { txid: 3, entries: [['"c"', 3]] }, prepared: undefined });
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  it('an unreachable server is a clear, retriable StateError naming the server', async () => {
    const port = await freePort();
    stores = new RedisStateStores(`redis://127.0.0.1:${port}`);
    const err = await stores.open(ns).load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect((err as StateError).code).toBe('GALE_ERR_STATE_UNAVAILABLE');
    expect((err as StateError).message).toContain(`Redis redis://127.0.0.1:${port}`);
  });
});
