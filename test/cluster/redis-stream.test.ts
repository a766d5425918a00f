// The Redis Streams spout on a real cluster: a worker SIGKILLed mid-stream and a redis-server
// crash and restart (appendonly), while a producer keeps writing. Every entry written ends up
// copied and XACKed (nothing lost), and `gale status` shows the outage while it lasts. And a
// Redis that is down when the topology is deployed: no worker restart loop, the connect error in
// `gale status`, and every entry copied once it is up.
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../harness/redis.js';
import { TestCluster, until, type StatusJson } from './cluster-harness.js';

describe('RedisStreamSpout on a cluster', () => {
  let cluster: TestCluster;
  let redis: RedisServer;
  let check: Redis | undefined;

  beforeAll(async () => {
    [cluster, redis] = await Promise.all([TestCluster.start({ supervisors: 2 }), startRedis({ appendonly: true })]);
  });

  afterAll(async () => {
    check?.disconnect();
    await cluster?.close();
    await redis?.stop();
  });

  it('loses nothing through a worker kill -9 and a redis-server restart, and gale status shows the outage', async () => {
    const producer = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    const c = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    check = c;
    const written: string[] = [];
    let stop = false;
    const writing = (async () => {
      for (let i = 0; !stop && i < 40_000; i += 20) {
        const p = producer.pipeline();
        for (let j = i; j < i + 20; j++) p.xadd('events', '*', 'n', String(j));
        for (const [err, id] of (await p.exec())!) {
          if (err) throw err;
          written.push(id as string);
        }
        await new Promise((r) => setTimeout(r, 50)); // a steady stream (~400/s), not one burst: pacing, not synchronisation
      }
    })();
    try {
      const deployed = await cluster.gale(['deploy', 'test/cluster/fixtures/redis-copy.ts', '--set', `redis=${redis.url}`, '--wait', '30']);
      expect({ code: deployed.code, stderr: deployed.stderr }).toMatchObject({ code: 0 });
      const status = (): Promise<StatusJson> => cluster.json<StatusJson>(['status', 'redis-copy']);

      // kill -9 of a worker mid-stream: its tasks' entries stay pending under their consumer names
      // until the restarted worker re-reads them.
      await until('entries being copied', async () => (await c.hlen('copied')) >= 300, 60_000, 100);
      const victim = (await status()).workerProcesses[0]!;
      const sup = cluster.supervisors.find((s) => s.id === victim.supervisor)!;
      const mark = sup.eventCount;
      process.kill(victim.pid, 'SIGKILL');
      await sup.waitForEvent('worker.started', (e) => e.topology === 'redis-copy' && e.pid !== victim.pid, 30_000, mark);
      const afterKill = await c.hlen('copied');
      await until('copying after the worker restart', async () => (await c.hlen('copied')) > afterKill + 200, 60_000, 100);

      // redis-server crash: the spout reports it (gale status), backs off, and resumes after the restart.
      await redis.kill();
      const shown = await until('gale status to show the Redis outage', async () => {
        const s = await status();
        const msgs = (s.errors.events ?? []).map((e) => e.message);
        return msgs.some((m) => m.includes('Redis is unavailable')) ? msgs : undefined;
      }, 60_000, 300);
      expect(shown.join('\n')).toContain('events');
      await redis.restart();
      stop = true;
      await writing;
    } finally {
      stop = true;
      await writing.catch(() => undefined);
      producer.disconnect();
    }
    expect(written.length).toBeGreaterThan(600);
    await until('every entry written copied and XACKed', async () => {
      const [copied, pending] = await Promise.all([c.hlen('copied'), c.call('XPENDING', ['events', 'copy']) as Promise<[number]>]);
      return copied >= written.length && pending[0] === 0;
    }, 90_000, 250);
    const copied = await c.hgetall('copied');
    const missing = written.filter((id) => copied[id] === undefined);
    expect(missing).toEqual([]);
    const killed = await cluster.gale(['kill', 'redis-copy', '--wait', '0']);
    expect(killed.code).toBe(0);
  }, 240_000);

  it('a Redis that is down at deploy: workers start anyway, gale status shows why, and entries flow once it is up', async () => {
    const c = check ?? new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    check = c;
    await c.del('events', 'copied');
    await redis.kill(); // the same port comes back with restart()
    const marks = cluster.supervisors.map((sup) => sup.eventCount);
    const deployed = await cluster.gale(['deploy', 'test/cluster/fixtures/redis-copy.ts', '--name', 'redis-late', '--set', `redis=${redis.url}`, '--wait', '30']);
    expect({ code: deployed.code, stderr: deployed.stderr }).toMatchObject({ code: 0 });
    const status = (): Promise<StatusJson> => cluster.json<StatusJson>(['status', 'redis-late']);
    const shown = await until('gale status to show the connect errors of the spout and the sink', async () => {
      const s = await status();
      const spout = (s.errors.events ?? []).map((e) => e.message);
      const sink = (s.errors.copy ?? []).map((e) => e.message);
      return spout.some((m) => m.includes('cannot connect to Redis')) && sink.some((m) => m.includes('cannot connect to Redis')) ? [...spout, ...sink] : undefined;
    }, 60_000, 300);
    expect(shown.join('\n')).toMatch(/spout "events" \(task \d+\) failed in open\(\): cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+/);

    await redis.restart();
    const producer = new Redis(redis.url, { maxRetriesPerRequest: null });
    const written: string[] = [];
    try {
      const p = producer.pipeline();
      for (let j = 0; j < 500; j++) p.xadd('events', '*', 'n', String(j));
      for (const [err, id] of (await p.exec())!) {
        if (err) throw err;
        written.push(id as string);
      }
    } finally {
      producer.disconnect();
    }
    // The tasks open on their next retry (1 s, then 2 s, ... while Redis was down).
    await until('every entry copied and XACKed', async () => {
      const [copied, pending] = await Promise.all([c.hlen('copied'), c.call('XPENDING', ['events', 'copy']) as Promise<[number]>]);
      return copied >= written.length && pending[0] === 0;
    }, 90_000, 250);
    const copied = await c.hgetall('copied');
    expect(written.filter((id) => copied[id] === undefined)).toEqual([]);
    // No restart loop: no worker of the topology exited while Redis was down.
    const crashed = cluster.supervisors.flatMap((sup, i) => sup.eventsOf('worker.crashed', (e) => e.topology === 'redis-late', marks[i]));
    expect(crashed.map((e) => e.data)).toEqual([]);
    expect((await cluster.gale(['kill', 'redis-late', '--wait', '0'])).code).toBe(0);
  }, 180_000);
});
