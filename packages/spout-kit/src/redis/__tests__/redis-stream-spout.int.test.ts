import { Redis } from 'ioredis';
import {
  BaseRichBolt, LocalCluster, TopologyBuilder, type LocalTopology, type OutputCollector, type Topology, type TopologyConfig, type Tuple,
} from '@gale/runtime';
import { RedisStreamSpout, type RedisStreamSpoutOptions } from '@gale/spout-kit';
import { startRedis, type RedisServer } from '../../../../../test/harness/redis.js';
import { waitFor } from '../../../../../test/harness/wait.js';

/** What the test bolt saw: entry id → times executed; ids whose first attempt it failed. */
const seen = new Map<string, number>();
const failedOnce = new Set<string>();
/** Set by a test: fail the first attempt of ids for which this is true; hold (never ack) while `hold` is true. */
let failFirst: (id: string) => boolean = () => false;
let hold = false;
/** Ids seen per topology name; topologies whose tuples are held (never acked). */
const seenBy = new Map<string, Set<string>>();
const holdIn = new Set<string>();

class RecordBolt extends BaseRichBolt {
  declareOutputFields(): void {}
  override prepare(context: Parameters<BaseRichBolt['prepare']>[0], collector: OutputCollector): void {
    super.prepare(context, collector);
  }
  execute(t: Tuple): void {
    const id = t.getStringByField('id');
    seen.set(id, (seen.get(id) ?? 0) + 1);
    const mine = seenBy.get(this.context.topologyName) ?? new Set<string>();
    seenBy.set(this.context.topologyName, mine.add(id));
    if (hold || holdIn.has(this.context.topologyName)) return;
    if (failFirst(id) && !failedOnce.has(id)) {
      failedOnce.add(id);
      this.collector.fail(t);
      return;
    }
    this.collector.ack(t);
  }
}

let redis: RedisServer;
let client: Redis;
let cluster: LocalCluster;

beforeAll(async () => {
  redis = await startRedis({ appendonly: true });
});
afterAll(async () => {
  await redis.stop();
});
beforeEach(async () => {
  seen.clear();
  failedOnce.clear();
  failFirst = () => false;
  hold = false;
  seenBy.clear();
  holdIn.clear();
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
  await client.flushall();
  cluster = new LocalCluster();
});
afterEach(async () => {
  await cluster.shutdown(2000);
  client.disconnect();
});

const FAST: Partial<TopologyConfig> = { replayBackoffInitialMs: 20, replayBackoffMaxMs: 200, messageTimeoutMs: 10_000, drainTimeoutMs: 2000 };

function topology(options: Partial<RedisStreamSpoutOptions>, tasks = 1, name = 'redis-spout'): Topology {
  const b = new TopologyBuilder();
  b.setSpout('events', new RedisStreamSpout({
    url: redis.url, stream: 'events', group: 'g', fields: ['id', 'n', 'user'], idField: 'id', blockMs: 100, ...options,
  }), tasks);
  b.setBolt('record', new RecordBolt(), 2).shuffleGrouping('events');
  return b.build({ name, config: FAST });
}

async function add(from: number, to: number, c: Redis = client): Promise<string[]> {
  const p = c.pipeline();
  for (let i = from; i < to; i++) p.xadd('events', '*', 'n', String(i), 'user', `u${i % 7}`);
  const res = (await p.exec())!;
  return res.map(([err, id]) => {
    if (err) throw err;
    return id as string;
  });
}

async function pendingCount(): Promise<number> {
  const r = (await client.call('XPENDING', ['events', 'g'])) as [number, ...unknown[]];
  return r[0];
}

async function allDone(ids: readonly string[], what: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => ids.every((id) => seen.has(id)) && (await pendingCount()) === 0, { timeoutMs, intervalMs: 50, what });
}

describe('RedisStreamSpout (real redis-server)', () => {
  it('emits every entry once with its stream id as message id, XACKs each, and leaves the PEL empty', async () => {
    const ids = await add(0, 600);
    await cluster.submit(topology({ batchSize: 50 }, 2));
    await allDone(ids, 'every entry processed and acked');
    expect(seen.size).toBe(600);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    // both tasks consumed, as stable consumers named <topology>.<component>-<index>
    const consumers = (await client.call('XINFO', ['CONSUMERS', 'events', 'g'])) as unknown[][];
    const names = consumers.map((c) => String(c[c.indexOf('name') + 1])).sort();
    expect(names).toEqual(['redis-spout.events-0', 'redis-spout.events-1']);
  });

  it('maps entry fields to tuple fields (renamed, missing as null) and keeps values as strings', async () => {
    await client.xadd('events', '*', 'n', '5', 'who', 'ann');
    const got: unknown[][] = [];
    const b = new TopologyBuilder();
    b.setSpout('events', new RedisStreamSpout({ url: redis.url, stream: 'events', group: 'g', fields: ['n', 'user', 'extra'], from: { user: 'who' }, blockMs: 50 }));
    b.setBolt('r', { basic: true as const, declareOutputFields() {}, execute(t: Tuple) { got.push([...t.values]); } }).shuffleGrouping('events');
    await cluster.submit(b.build({ name: 'map', config: FAST }));
    await waitFor(() => got.length === 1, { what: 'one tuple' });
    expect(got[0]).toEqual(['5', 'ann', null]);
  });

  it('re-emits a failed entry with the same id (after the replay backoff) until it is acked', async () => {
    const ids = await add(0, 100);
    failFirst = (id) => ids.indexOf(id) % 3 === 0;
    await cluster.submit(topology({}));
    await allDone(ids, 'every entry acked after replays');
    expect(failedOnce.size).toBe(34);
    for (const id of failedOnce) expect(seen.get(id)).toBe(2);
  });

  it('reads its own pending entries first after a restart of the same task (stable consumer name)', async () => {
    const ids = await add(0, 50);
    hold = true;
    await cluster.submit(topology({}));
    await waitFor(() => seen.size === 50, { what: 'all 50 emitted and held' });
    await cluster.kill('redis-spout', 0);
    expect(await pendingCount()).toBe(50);
    hold = false;
    seen.clear();
    // claimMinIdleMs is long: only the re-read of its own PEL can bring them back this fast
    await cluster.submit(topology({ claimMinIdleMs: 600_000 }));
    await allDone(ids, 'the held entries re-read and acked', 10_000);
  });

  it('claims the pending entries of a crashed consumer with XAUTOCLAIM', async () => {
    const ids = await add(0, 80);
    // A consumer of the group reads 30 entries and dies without acking them.
    await client.call('XREADGROUP', ['GROUP', 'g', 'crashed-0', 'COUNT', 30, 'STREAMS', 'events', '>']).catch(async () => {
      await client.call('XGROUP', ['CREATE', 'events', 'g', '0']);
      await client.call('XREADGROUP', ['GROUP', 'g', 'crashed-0', 'COUNT', 30, 'STREAMS', 'events', '>']);
    });
    expect(await pendingCount()).toBe(30);
    await cluster.submit(topology({ claimMinIdleMs: 400, claimIntervalMs: 100 }));
    await allDone(ids, 'the crashed consumer\'s entries claimed and acked');
    expect(seen.size).toBe(80);
  });

  it('leaves a live task\'s held entries alone (it keeps them fresh) and claims them once that task is gone', async () => {
    const ids = await add(0, 40);
    holdIn.add('a');
    await cluster.submit(topology({ claimMinIdleMs: 300, claimIntervalMs: 100, consumerPrefix: 'a' }, 1, 'a'));
    await waitFor(() => seenBy.get('a')?.size === 40, { what: 'task a to read and hold all 40' });
    // b looks for idle entries far more often than a refreshes its own
    await cluster.submit(topology({ claimMinIdleMs: 300, claimIntervalMs: 20, consumerPrefix: 'b' }, 1, 'b'));
    // For five times claimMinIdleMs, b must not take any of a's entries, which a holds but refreshes.
    const until = Date.now() + 1500;
    await waitFor(() => {
      expect(seenBy.get('b')?.size ?? 0).toBe(0);
      return Date.now() > until;
    }, { what: 'the observation window', intervalMs: 50 });
    // a stops without acking (its entries stay pending under consumer a-0): b claims them.
    await cluster.kill('a', 0);
    await allDone(ids, 'b to claim and ack a\'s entries', 10_000);
    expect(seenBy.get('b')?.size).toBe(40);
  });

  it('reads one batch ahead, but not past maxSpoutPending: with every tuple held it stops at maxSpoutPending + one batch', async () => {
    const ids = await add(0, 300);
    hold = true;
    const b = new TopologyBuilder();
    b.setSpout('events', new RedisStreamSpout({ url: redis.url, stream: 'events', group: 'g', fields: ['id'], idField: 'id', batchSize: 20, blockMs: 100 }));
    b.setBolt('record', new RecordBolt(), 2).shuffleGrouping('events');
    await cluster.submit(b.build({ name: 'ahead', config: { ...FAST, maxSpoutPending: 50 } }));
    // 20 read, then 20 ahead (40 + the next 20 would pass 50: no more read-ahead), then 20 more
    // once those are emitted (the spout is not capped at 40): 60 read, 50 emitted, 10 buffered.
    await waitFor(async () => seen.size === 50 && (await pendingCount()) === 60, { what: '50 emitted and 60 read' });
    hold = false;
    await cluster.kill('ahead', 0);
    await cluster.submit(b.build({ name: 'ahead', config: { ...FAST, maxSpoutPending: 50 } }));
    await allDone(ids, 'every entry acked after the restart');
  });

  it('a kill while a blocking read waits on an empty stream does not wait out blockMs', async () => {
    await cluster.submit(topology({ blockMs: 20_000 }));
    // The consumer exists once its first read reached the server; that read (own PEL) is followed at once by the blocking one.
    await waitFor(async () => ((await client.call('XINFO', ['CONSUMERS', 'events', 'g'])) as unknown[]).length === 1, { what: 'the consumer reading' });
    const t0 = Date.now();
    await cluster.kill('redis-spout', 0);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('survives a redis-server crash and restart mid-stream (appendonly): reports it, backs off, resumes, loses nothing', async () => {
    const t: LocalTopology = await cluster.submit(topology({ batchSize: 20, reconnectInitialMs: 20, reconnectMaxMs: 300, commandTimeoutMs: 1000 }));
    // A producer that keeps writing through the outage: its XADDs wait (offline queue) and land after the restart.
    const producer = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    const written: string[] = [];
    let stop = false;
    const writing = (async () => {
      for (let i = 0; !stop && i < 2000; i += 10) written.push(...(await add(i, i + 10, producer)));
    })();
    try {
      await waitFor(() => seen.size >= 200, { what: 'some entries processed' });
      await redis.kill();
      await waitFor(() => t.errors('events').some((e) => e.message.includes('Redis is unavailable')), { what: 'the outage reported', timeoutMs: 10_000 });
      const before = seen.size;
      await redis.restart();
      await waitFor(() => seen.size > before + 200, { what: 'processing resumed after the restart' });
      stop = true;
      await writing;
    } finally {
      stop = true;
      await writing.catch(() => undefined);
      producer.disconnect();
    }
    await allDone(written, 'every entry written before, during and after the restart processed');
    // the outage is reported once per connection that saw it, not once per retry
    expect(t.errors('events').filter((e) => e.message.includes('unavailable')).length).toBeLessThanOrEqual(2);
  });
});

describe('RedisStreamSpout errors at open', () => {
  it('a port with no server: GALE_ERR_REDIS_CONNECT naming the URL', async () => {
    const b = new TopologyBuilder();
    b.setSpout('events', new RedisStreamSpout({ url: 'redis://127.0.0.1:1', stream: 's', group: 'g', connectTimeoutMs: 1000 }));
    b.setBolt('record', new RecordBolt()).shuffleGrouping('events');
    const err = await cluster.submit(b.build({ name: 'bad-url' })).then(() => undefined, (e: unknown) => e as Error & { cause: Error & { code: string } });
    expect(err?.cause).toMatchObject({ code: 'GALE_ERR_REDIS_CONNECT', retriable: true });
    expect(err?.cause.message).toContain('redis://127.0.0.1:1');
  });

  it('a wrong password: GALE_ERR_REDIS_AUTH, without the password in the message', async () => {
    const secured = await startRedis({ password: 's3cret' });
    try {
      const url = `redis://:wrong-pw@127.0.0.1:${secured.port}`;
      const b = new TopologyBuilder();
      b.setSpout('events', new RedisStreamSpout({ url, stream: 's', group: 'g' }));
      b.setBolt('record', new RecordBolt()).shuffleGrouping('events');
      const err = await cluster.submit(b.build({ name: 'bad-auth' })).then(() => undefined, (e: unknown) => e as Error & { cause: Error & { code: string } });
      expect(err?.cause).toMatchObject({ code: 'GALE_ERR_REDIS_AUTH' });
      expect(err?.message).not.toContain('wrong-pw');
    } finally {
      await secured.stop();
    }
  });

  it('a key that is not a stream: GALE_ERR_REDIS_COMMAND', async () => {
    await client.set('not-a-stream', 'x');
    const b = new TopologyBuilder();
    b.setSpout('events', new RedisStreamSpout({ url: redis.url, stream: 'not-a-stream', group: 'g' }));
    b.setBolt('record', new RecordBolt()).shuffleGrouping('events');
    await expect(cluster.submit(b.build({ name: 'wrongtype' }))).rejects.toMatchObject({ cause: { code: 'GALE_ERR_REDIS_COMMAND' } });
  });

  it('malformed options fail at construction with GALE_ERR_BAD_OPTION', () => {
    expect(() => new RedisStreamSpout({ url: 'http://x', stream: 's', group: 'g' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
    expect(() => new RedisStreamSpout({ stream: '', group: 'g' })).toThrow(/stream must be a non-empty string/);
    expect(() => new RedisStreamSpout({ stream: 's', group: 'g', startId: 'latest' })).toThrow(/startId/);
    expect(() => new RedisStreamSpout({ stream: 's', group: 'g', claimMinIdleMs: 1000, claimIntervalMs: 400 })).toThrow(/claimIntervalMs/);
    expect(() => new RedisStreamSpout({ stream: 's', group: 'g', fields: ['a'], idField: 'b' })).toThrow(/idField/);
    expect(() => new RedisStreamSpout({ stream: 's', group: 'g', batchsize: 3 } as never)).toThrow(/no option "batchsize"/);
  });
});
