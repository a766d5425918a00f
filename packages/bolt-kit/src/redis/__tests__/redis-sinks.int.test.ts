import { Redis } from 'ioredis';
import {
  BaseRichBolt, FeederSpout, LocalCluster, TopologyBuilder, WINDOW_INVALID_FIELDS, completeTopology, type Bolt, type BasicBolt,
  type TopologyConfig, type Tuple, type Values,
} from '@gale/runtime';
import { RedisStreamSpout } from '@gale/spout-kit';
import { RedisHashSinkBolt, RedisStreamSinkBolt } from '@gale/bolt-kit';
import { startRedis, type RedisServer } from '../../../../../test/harness/redis.js';
import { waitFor } from '../../../../../test/harness/wait.js';
import { ReplayLog, ReplayingSpout, runUntilDone } from '../../__tests__/replaying-spout.js';

let redis: RedisServer;
let client: Redis;

beforeAll(async () => {
  redis = await startRedis({ appendonly: true });
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});
beforeEach(async () => {
  await client.flushall();
});

const FAST: Partial<TopologyConfig> = { replayBackoffInitialMs: 10, replayBackoffMaxMs: 100, messageTimeoutMs: 10_000 };

/** Fails the first attempt of every tuple whose `key` field it has not seen: each tree fails once, after the sink wrote. */
const failedKeys = new Set<string>();
class FailFirstAttempt extends BaseRichBolt {
  constructor(private readonly key: string) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    const k = String(t.getValueByField(this.key));
    if (failedKeys.has(k)) this.collector.ack(t);
    else {
      failedKeys.add(k);
      this.collector.fail(t);
    }
  }
}
beforeEach(() => failedKeys.clear());

function run(fields: string[], tuples: Values[], sink: Bolt | BasicBolt, replayEveryTuple?: string): Promise<unknown> {
  const b = new TopologyBuilder();
  b.setSpout('in', () => new FeederSpoutless(fields, tuples));
  b.setBolt('sink', sink).globalGrouping('in');
  if (replayEveryTuple !== undefined) b.setBolt('flaky', new FailFirstAttempt(replayEveryTuple)).shuffleGrouping('in');
  return completeTopology(b.build({ name: 'sinks', config: FAST }), { mockedSources: { in: tuples }, config: FAST });
}

/** Placeholder spout that only declares the fields: completeTopology's mockedSources replaces it. */
class FeederSpoutless {
  constructor(private readonly fields: string[], _tuples: Values[]) {}
  declareOutputFields(d: { declare(f: readonly string[]): void }): void {
    d.declare(this.fields);
  }
  nextTuple(): void {}
}

describe('RedisHashSinkBolt (real redis-server)', () => {
  it('HSETs field/value from tuple fields into a fixed key', async () => {
    await run(['user', 'page'], [['ann', '/a'], ['bob', '/b'], ['ann', '/c']], new RedisHashSinkBolt({ url: redis.url, key: 'last-page', hashField: 'user', valueField: 'page' }));
    expect(await client.hgetall('last-page')).toEqual({ ann: '/c', bob: '/b' });
  });

  it('HINCRBYs into a key read from a tuple field, with a prefix; default increment 1', async () => {
    const tuples: Values[] = [];
    for (let i = 0; i < 60; i++) tuples.push([`d${i % 2}`, i % 3 === 0 ? '500' : '200', 2]);
    await run(['day', 'status', 'n'], tuples, new RedisHashSinkBolt({ url: redis.url, op: 'hincrby', keyField: 'day', keyPrefix: 'status:', hashField: 'status', valueField: 'n' }));
    expect(await client.hgetall('status:d0')).toEqual({ '500': '20', '200': '40' });
    expect(await client.hgetall('status:d1')).toEqual({ '500': '20', '200': '40' });
    await run(['status'], [['x'], ['x']], new RedisHashSinkBolt({ url: redis.url, op: 'hincrby', key: 'ones', hashField: 'status' }));
    expect(await client.hget('ones', 'x')).toBe('2');
  });

  it('with dedupeField, a replayed tuple is counted once (every tree here fails once after the sink wrote)', async () => {
    const tuples: Values[] = [];
    for (let i = 0; i < 40; i++) tuples.push([`e${i}`, i % 2 === 0 ? 'a' : 'b']);
    await run(['eid', 'k'], tuples, new RedisHashSinkBolt({ url: redis.url, op: 'hincrby', key: 'dedup', hashField: 'k', dedupeField: 'eid' }), 'eid');
    expect(failedKeys.size).toBe(40);
    expect(await client.hgetall('dedup')).toEqual({ a: '20', b: '20' });
    // without it, the same run counts every replay again
    failedKeys.clear();
    await run(['eid', 'k'], tuples, new RedisHashSinkBolt({ url: redis.url, op: 'hincrby', key: 'plain', hashField: 'k' }), 'eid');
    expect(Number(await client.hget('plain', 'a'))).toBeGreaterThanOrEqual(40);
  });

  it('a non-integer increment is bad data: not written, acked once, emitted on "invalid", reported once without a stack; the run ends', async () => {
    const log = new ReplayLog();
    const spout = new ReplayingSpout(['k', 'n'], [['a', 2], ['a', 'x1'], ['a', '3'], ['b', 1.5]], log);
    const b = new TopologyBuilder();
    b.setSpout('in', () => spout);
    b.setBolt('sink', new RedisHashSinkBolt({ url: redis.url, op: 'hincrby', key: 'h', hashField: 'k', valueField: 'n' })).globalGrouping('in');
    const topology = b.build({ name: 'bad-incr' });
    expect(topology.components.get('sink')!.streams.get('invalid')!.fields.names).toEqual([...WINDOW_INVALID_FIELDS]);
    const r = await runUntilDone(topology);
    expect(r.done).toBe(true);
    expect(log.totalFails()).toBe(0);
    expect([...log.acks.values()]).toEqual([1, 1, 1, 1]);
    expect(await client.hgetall('h')).toEqual({ a: '5' });
    expect(r.emitted('sink', 'invalid')).toEqual([
      ['in', 'default', ['a', 'x1'], expect.stringMatching(/^RedisHashSinkBolt: increment "x1" of h\/a is not an integer/)],
      ['in', 'default', ['b', 1.5], expect.stringMatching(/increment 1.5 of h\/b is not an integer/)],
    ]);
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringMatching(/"x1" .* the tuple is emitted on stream "invalid" and acked/), expect.stringMatching(/1.5/)]);
    expect(r.errors.every((e) => e.stack === undefined)).toBe(true);
  });
});

describe('RedisStreamSinkBolt (real redis-server)', () => {
  it('XADDs the chosen fields, values as strings (objects as JSON)', async () => {
    await run(['user', 'score', 'meta'], [['ann', 3, { a: 1 }], ['bob', 4, null]], new RedisStreamSinkBolt({ url: redis.url, stream: 'out', fields: ['user', 'meta'] }));
    const entries = await client.xrange('out', '-', '+');
    expect(entries.map(([, f]) => f)).toEqual([['user', 'ann', 'meta', '{"a":1}'], ['user', 'bob', 'meta', '']]);
  });

  it('with idField, replays add no second entry (idempotent XADD)', async () => {
    const tuples: Values[] = [];
    for (let i = 1; i <= 50; i++) tuples.push([`${i}-0`, `v${i}`]);
    await run(['id', 'v'], tuples, new RedisStreamSinkBolt({ url: redis.url, stream: 'mirror', idField: 'id' }), 'id');
    expect(failedKeys.size).toBe(50);
    expect(await client.xlen('mirror')).toBe(50);
    const ids = (await client.xrange('mirror', '-', '+')).map(([id]) => id);
    expect(ids).toEqual(tuples.map((t) => t[0]));
  });

  it('with idField, an id below the last one (not a replay) or not an id at all is bad data: acked once, emitted on "invalid"', async () => {
    const log = new ReplayLog();
    const spout = new ReplayingSpout(['id', 'v'], [['5-0', 'a'], ['3-0', 'b'], ['nope', 'c'], ['6-0', 'd'], ['5-0', 'a']], log);
    const b = new TopologyBuilder();
    b.setSpout('in', () => spout);
    b.setBolt('sink', new RedisStreamSinkBolt({ url: redis.url, stream: 'ids', idField: 'id', invalidStream: 'bad-ids' })).globalGrouping('in');
    const r = await runUntilDone(b.build({ name: 'bad-ids' }));
    expect(r.done).toBe(true);
    expect(log.totalFails()).toBe(0);
    expect([...log.acks.values()]).toEqual([1, 1, 1, 1, 1]);
    expect((await client.xrange('ids', '-', '+')).map(([id]) => id)).toEqual(['5-0', '6-0']);
    // Sorted by reason: the rows come in the order Redis answered (the out-of-order id takes one more round trip, XRANGE).
    expect(r.emitted('sink', 'bad-ids').map((row) => [row[2], row[3]]).sort((x, y) => String(x[1]).localeCompare(String(y[1])))).toEqual([
      [['nope', 'c'], expect.stringMatching(/"nope" is not a stream entry id/)],
      [['3-0', 'b'], expect.stringMatching(/entry id 3-0 is below the last id of stream "ids" and not in it/)],
    ]);
    expect(r.errors).toHaveLength(2);
  });

  it('copies a stream exactly through RedisStreamSpout → RedisStreamSinkBolt (entry ids kept)', async () => {
    const p = client.pipeline();
    for (let i = 0; i < 200; i++) p.xadd('src', '*', 'n', String(i));
    await p.exec();
    const b = new TopologyBuilder();
    b.setSpout('src', new RedisStreamSpout({ url: redis.url, stream: 'src', group: 'copy', fields: ['id', 'n'], idField: 'id', blockMs: 50, untilEmpty: true }));
    b.setBolt('dst', new RedisStreamSinkBolt({ url: redis.url, stream: 'dst', idField: 'id', fields: ['n'] })).globalGrouping('src');
    await completeTopology(b.build({ name: 'copy', config: FAST }), { timeoutMs: 20_000 });
    expect(await client.xrange('dst', '-', '+')).toEqual(await client.xrange('src', '-', '+'));
    expect(((await client.call('XPENDING', ['src', 'copy'])) as unknown[])[0]).toBe(0);
  });
});

describe('Redis sinks when Redis goes away', () => {
  it('fails the tuples and reports the outage once, then writes every tuple after the restart', async () => {
    const cluster = new LocalCluster();
    try {
      const b = new TopologyBuilder();
      const feeder = new FeederSpout(['k', 'v']);
      b.setSpout('in', feeder);
      b.setBolt('sink', new RedisHashSinkBolt({ url: redis.url, key: 'kv', hashField: 'k', valueField: 'v', reconnectInitialMs: 20, reconnectMaxMs: 200, commandTimeoutMs: 1000 })).globalGrouping('in');
      const t = await cluster.submit(b.build({ name: 'outage', config: { ...FAST, replayBackoffMaxMs: 300 } }));
      for (let i = 0; i < 50; i++) feeder.feed([`k${i}`, String(i)]);
      await waitFor(async () => (await client.hlen('kv')) === 50, { what: 'the first 50 written' });
      await redis.kill();
      for (let i = 50; i < 100; i++) feeder.feed([`k${i}`, String(i)]);
      await waitFor(() => t.errors('sink').some((e) => e.message.includes('Redis is unavailable')), { what: 'the outage reported' });
      await redis.restart();
      const c2 = new Redis(redis.url, { maxRetriesPerRequest: null });
      try {
        await waitFor(async () => (await c2.hlen('kv')) === 100, { what: 'all 100 written after the restart', timeoutMs: 20_000 });
        expect(await c2.hget('kv', 'k99')).toBe('99');
      } finally {
        c2.disconnect();
      }
      expect(t.errors('sink').filter((e) => e.message.includes('unavailable')).length).toBe(1);
      // A transient failure, not bad data: those tuples were failed and replayed, none went to "invalid".
      expect(t.stats().find((st) => st.component === 'sink')!.failed).toBeGreaterThan(0);
      expect(t.stats().find((st) => st.component === 'in')!.failed).toBeGreaterThan(0);
    } finally {
      await cluster.shutdown(0);
      client.disconnect();
      client = new Redis(redis.url, { maxRetriesPerRequest: null });
    }
  });

  it('a server that is not there at prepare: GALE_ERR_REDIS_CONNECT; bad options: GALE_ERR_BAD_OPTION', async () => {
    const b = new TopologyBuilder();
    b.setSpout('in', new FeederSpout(['k']));
    b.setBolt('sink', new RedisStreamSinkBolt({ url: 'redis://127.0.0.1:1', stream: 's', connectTimeoutMs: 500 })).globalGrouping('in');
    const cluster = new LocalCluster();
    try {
      await expect(cluster.submit(b.build({ name: 'nope' }))).rejects.toMatchObject({ code: 'GALE_ERR_BOLT_PREPARE', cause: { code: 'GALE_ERR_REDIS_CONNECT' } });
    } finally {
      await cluster.shutdown(0);
    }
    expect(() => new RedisHashSinkBolt({ hashField: 'f', valueField: 'v' })).toThrow(/exactly one of key and keyField/);
    expect(() => new RedisHashSinkBolt({ key: 'k', hashField: 'f' })).toThrow(/'hset' needs valueField/);
    expect(() => new RedisStreamSinkBolt({ stream: 's', url: 'localhost:6379' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
    expect(() => new RedisStreamSinkBolt({ stream: 's', maxlen: 3 } as never)).toThrow(/no option "maxlen"/);
  });
});

