import { LocalCluster, RedisStateStores } from '@gale/runtime';
import { startRedis, type RedisServer } from '../../../../../test/harness/redis.js';
import { batchTotals, dataset, ReplaySpout, totalsTopology } from '../../engine/__tests__/stateful-fixtures.js';

async function poll(what: string, pred: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('stateful bolts on the Redis backend (real redis-server)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: true });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('a redis restart mid-stream: checkpoints fail while it is away, every key ends at its batch total', async () => {
    const data = dataset(3000, 11);
    const spout = new ReplaySpout(data, 5);
    const cluster = new LocalCluster();
    const stores = new RedisStateStores(redis.url);
    try {
      const t = await cluster.submit(totalsTopology('redis-totals', spout, {
        stateBackend: 'redis', stateRedisUrl: redis.url, maxSpoutPending: 40, replayBackoffInitialMs: 20, replayBackoffMaxMs: 200,
      }, 3));
      const checkpoint = () => t.stats().find((s) => s.component === '__checkpoint')!;
      await poll('a few commits', () => checkpoint().acked >= 3, 30_000);
      await redis.kill();
      await poll('a failed checkpoint', () => checkpoint().failed >= 1, 30_000);
      expect(t.errors('totals').concat(t.errors('__checkpoint')).some((e) => /Redis redis:\/\/127\.0\.0\.1:\d+/.test(e.message))).toBe(true);
      await redis.restart();
      expect(await t.waitUntilDone(60_000)).toBe(true);
      // Whether held inputs were failed (a PREPARE that failed at a task) or just waited (the
      // coordinator could not record its phase) depends on timing; either way none is counted twice.
      const got: Record<string, number> = {};
      for (let i = 0; i < 3; i++) {
        for (const [k, v] of (await stores.open({ topology: 'redis-totals', component: 'totals', taskIndex: i }).load()).committed.entries) got[JSON.parse(k) as string] = v as number;
      }
      expect(got).toEqual(batchTotals(data));
    } finally {
      await cluster.shutdown(0);
      await stores.close();
    }
  });
});
