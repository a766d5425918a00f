// log-analytics against a batch count of the same records: per 1-minute window of event time and
// per status, the counts the topology wrote equal the counts computed from the file; malformed
// lines are dead-lettered with their reason and change nothing else. Once from a file to a file,
// once from a real Redis stream to Redis hashes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { LocalCluster, type Topology } from '@gale/runtime';
import { startRedis, type RedisServer } from '../../test/harness/redis.js';
import { logs } from '../gen-data.js';
import { buildLogAnalytics, parseLogLine } from '../log-analytics.js';

const WINDOW_MS = 60_000;

/** `windowStart|status` -> count, from the valid lines. */
function batchCounts(lines: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const l of lines) {
    const r = parseLogLine(l, 'status');
    if (typeof r === 'string') continue;
    const k = `${Math.floor(r.ts / WINDOW_MS) * WINDOW_MS}|${r.value}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

async function runToEnd(topology: Topology): Promise<void> {
  const cluster = new LocalCluster();
  try {
    const t = await cluster.submit(topology);
    expect(await t.waitUntilDone(90_000)).toBe(true);
    expect(t.stats().find((s) => s.component === 'logs')).toMatchObject({ failed: 0, timedOut: 0 });
    await cluster.kill(t.name);
  } finally {
    await cluster.shutdown(0);
  }
}

describe('log-analytics', () => {
  const lines = [...logs({ count: 3000, seed: 3, rate: 20, start: 1_700_000_000_000, users: 100, invalid: 0.02 })];
  const invalid = lines.filter((l) => typeof parseLogLine(l, 'status') === 'string');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gale-log-analytics-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('says what is wrong with a line that is not a log record', () => {
    expect(parseLogLine('{"ts":1', 'status')).toBe('not JSON');
    expect(parseLogLine('{"ts":1,"status":"ok","path":"/","method":"GET","level":"info","userId":"u","latencyMs":3}', 'status')).toBe('status is not a number');
    expect(parseLogLine('{"ts":1,"status":200,"path":"/","method":"GET","level":"info","userId":"u","latencyMs":3}', 'path')).toEqual({ value: '/', ts: 1 });
  });

  it.each(['key-tuples', 'none'] as const)('file to file (anchor %s; "none" counts in panes of event time): counts per status per minute equal the batch counts; invalid lines are dead-lettered', async (anchor) => {
    expect(invalid.length).toBeGreaterThan(20);
    const input = path.join(dir, `logs-${anchor}.jsonl`);
    const output = path.join(dir, `counts-${anchor}.jsonl`);
    writeFileSync(input, `${lines.join('\n')}\n`);
    await runToEnd(buildLogAnalytics({ source: 'file', input, sink: 'file', output, field: 'status', windowSec: 60, lagMs: 5000, idleFlushMs: 1000, anchor }));
    const got = new Map<string, number>();
    for (const l of readFileSync(output, 'utf8').trim().split('\n')) {
      const r = JSON.parse(l) as { field: string; value: string; count: number; windowStart: number; windowEnd: number };
      expect(r.field).toBe('status');
      expect(r.windowEnd - r.windowStart).toBe(WINDOW_MS);
      got.set(`${r.windowStart}|${r.value}`, r.count);
    }
    expect(got).toEqual(batchCounts(lines));
    const dead = readFileSync(`${output}.invalid`, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: string; reason: string });
    expect(dead.map((d) => d.line).sort()).toEqual([...invalid].sort());
    for (const d of dead) expect(d.reason).toMatch(/^(not JSON|status is not a number)$/);
  }, 120_000);

  describe('Redis stream to Redis hashes (real redis-server)', () => {
    let redis: RedisServer;
    let client: Redis;
    beforeAll(async () => {
      redis = await startRedis();
      client = new Redis(redis.url);
    });
    afterAll(async () => {
      client?.disconnect();
      await redis?.stop();
    });

    it('gives the same counts, one hash per window', async () => {
      const pipe = client.pipeline();
      for (const l of lines) pipe.xadd('logs', '*', 'line', l);
      await pipe.exec();
      await runToEnd(buildLogAnalytics({
        source: 'redis', redisUrl: redis.url, stream: 'logs', untilEmpty: true, sink: 'redis', hashPrefix: 'counts:',
        deadLetter: path.join(dir, 'redis.invalid'), field: 'status', windowSec: 60, lagMs: 5000, idleFlushMs: 1000,
      }));
      const got = new Map<string, number>();
      for (const key of await client.keys('counts:*')) {
        for (const [status, n] of Object.entries(await client.hgetall(key))) got.set(`${key.slice('counts:'.length)}|${status}`, Number(n));
      }
      expect(got).toEqual(batchCounts(lines));
      expect(readFileSync(path.join(dir, 'redis.invalid'), 'utf8').trim().split('\n')).toHaveLength(invalid.length);
      // Every entry was acknowledged to its group: nothing is pending.
      const pending = (await client.xpending('logs', 'log-analytics')) as [number, ...unknown[]];
      expect(pending[0]).toBe(0);
    }, 120_000);
  });
});
