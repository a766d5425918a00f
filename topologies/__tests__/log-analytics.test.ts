// log-analytics against a batch count of the same records: per 1-minute window of event time and
// per status, the counts the topology wrote equal the counts computed from the file; malformed
// lines are dead-lettered with their reason and change nothing else. Once from a file to a file,
// once from a followed (tailed) file with a record far behind the watermark appended after its
// windows fired (dead-lettered as late), once from a real Redis stream to Redis hashes.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { LocalCluster, type LocalTopology, type Topology } from '@gale/runtime';
import { startRedis, type RedisServer } from '../../test/harness/redis.js';
import { waitFor } from '../../test/harness/wait.js';
import { logs } from '../gen-data.js';
import { batchCounts as batchCountsOf, buildLogAnalytics, parseLogLine } from '../log-analytics.js';
import { deadRows, fileCounts as fileCountsOf, sameCounts } from './log-analytics-output.js';

const WINDOW_MS = 60_000;
const START = 1_700_000_000_000;

/** `windowStart|status` -> count, from the valid lines. */
const batchCounts = (lines: readonly string[]): Map<string, number> => batchCountsOf(lines, 'status', 60);

/** `windowStart|status` -> count, as the file sink wrote them. */
const fileCounts = (output: string): Map<string, number> => fileCountsOf(output, 'status', WINDOW_MS);

/** The executed totals of the counting components: malformed lines and late records. */
const counters = (t: LocalTopology): { invalid?: number; late?: number } =>
  Object.fromEntries(t.stats().filter((s) => s.component === 'invalid' || s.component === 'late').map((s) => [s.component, s.executed]));

async function runToEnd(topology: Topology): Promise<{ invalid?: number; late?: number }> {
  const cluster = new LocalCluster();
  try {
    const t = await cluster.submit(topology);
    expect(await t.waitUntilDone(90_000)).toBe(true);
    expect(t.stats().find((s) => s.component === 'logs')).toMatchObject({ failed: 0, timedOut: 0 });
    await cluster.kill(t.name);
    return counters(t);
  } finally {
    await cluster.shutdown(0);
  }
}

describe('log-analytics', () => {
  const lines = [...logs({ count: 3000, seed: 3, rate: 20, start: START, users: 100, invalid: 0.02 })];
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
    const counted = await runToEnd(buildLogAnalytics({ source: 'file', input, sink: 'file', output, field: 'status', windowSec: 60, lagMs: 5000, idleFlushMs: 1000, anchor }));
    expect(fileCounts(output)).toEqual(batchCounts(lines));
    const dead = deadRows(`${output}.invalid`);
    expect(dead.map((d) => ('line' in d ? d.line : d)).sort()).toEqual([...invalid].sort());
    for (const d of dead) expect(d.reason).toMatch(/^(not JSON|status is not a number)$/);
    expect(counted).toEqual({ invalid: invalid.length, late: 0 });
  }, 120_000);

  it('source=tail: follows a growing file to the same counts; a record far behind the watermark, appended after its windows fired, is dead-lettered as late and counted', async () => {
    const input = path.join(dir, 'tail.jsonl');
    const output = path.join(dir, 'tail-counts.jsonl');
    const half = lines.length / 2;
    writeFileSync(input, `${lines.slice(0, half).join('\n')}\n`);
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(buildLogAnalytics({ source: 'tail', input, sink: 'file', output, field: 'status', windowSec: 60, lagMs: 5000, idleFlushMs: 1000 }));
      appendFileSync(input, `${lines.slice(half).join('\n')}\n`);
      const want = batchCounts(lines);
      // The idle flush fires the last windows once the input stops growing.
      await waitFor(() => sameCounts(fileCounts(output), want), { timeoutMs: 60_000, intervalMs: 100, what: 'the counts of every window' });
      const late = { ts: START - 10 * WINDOW_MS, status: 503, path: '/late', method: 'GET', level: 'warn', userId: 'u-late', latencyMs: 7 };
      appendFileSync(input, `${JSON.stringify(late)}\n`);
      const row = await waitFor(() => deadRows(`${output}.invalid`).find((d) => d.reason === 'late'), { timeoutMs: 30_000, what: 'the late record in the dead-letter file' });
      expect(row).toEqual({ reason: 'late', field: 'status', value: '503', ts: late.ts, watermark: expect.any(Number) });
      expect((row as { watermark: number }).watermark).toBeGreaterThan(late.ts);
      expect(counters(t)).toEqual({ invalid: invalid.length, late: 1 });
      expect(fileCounts(output)).toEqual(want); // no window counted it
      expect(deadRows(`${output}.invalid`).filter((d) => d.reason !== 'late')).toHaveLength(invalid.length);
      expect(t.stats().find((s) => s.component === 'logs')).toMatchObject({ failed: 0, timedOut: 0 });
    } finally {
      await cluster.shutdown(0);
    }
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
      const counted = await runToEnd(buildLogAnalytics({
        source: 'redis', redisUrl: redis.url, stream: 'logs', untilEmpty: true, sink: 'redis', hashPrefix: 'counts:',
        deadLetter: path.join(dir, 'redis.invalid'), field: 'status', windowSec: 60, lagMs: 5000, idleFlushMs: 1000,
      }));
      const got = new Map<string, number>();
      for (const key of await client.keys('counts:*')) {
        for (const [status, n] of Object.entries(await client.hgetall(key))) got.set(`${key.slice('counts:'.length)}|${status}`, Number(n));
      }
      expect(got).toEqual(batchCounts(lines));
      expect(deadRows(path.join(dir, 'redis.invalid'))).toHaveLength(invalid.length);
      expect(counted).toEqual({ invalid: invalid.length, late: 0 });
      // Every entry was acknowledged to its group: nothing is pending.
      const pending = (await client.xpending('logs', 'log-analytics')) as [number, ...unknown[]];
      expect(pending[0]).toBe(0);
    }, 120_000);
  });
});
