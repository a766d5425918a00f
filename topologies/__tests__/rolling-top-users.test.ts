// rolling-top-users against a batch computation of the same visits: for every sliding window of
// event time, the top 3 users the topology wrote equal the top 3 counted directly from the file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalCluster } from '@gale/runtime';
import { visits } from '../gen-data.js';
import { buildRollingTopUsers, parseVisit, type Visit } from '../rolling-top-users.js';

interface WindowTop {
  windowStart: number;
  windowEnd: number;
  top: [string, number][];
}

/** Every sliding window [end - windowMs, end) with end a multiple of slideMs holding a visit, and its top n. */
function batchTops(all: readonly Visit[], windowMs: number, slideMs: number, n: number): WindowTop[] {
  const ends = new Set<number>();
  for (const v of all) {
    for (let end = Math.floor(v.ts / slideMs) * slideMs + slideMs; end <= v.ts + windowMs; end += slideMs) ends.add(end);
  }
  return [...ends].sort((a, b) => a - b).map((end) => {
    const counts = new Map<string, number>();
    for (const v of all) if (v.ts >= end - windowMs && v.ts < end) counts.set(v.userId, (counts.get(v.userId) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
    return { windowStart: end - windowMs, windowEnd: end, top };
  });
}

describe('rolling-top-users', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gale-top-users-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses visits and says what is wrong with anything else', () => {
    expect(parseVisit('{"userId":"u1","url":"/","ts":5}')).toEqual({ userId: 'u1', url: '/', ts: 5 });
    expect(parseVisit('{"userId":"u1","url":"/"')).toBe('not JSON');
    expect(parseVisit('[1]')).toBe('userId is not a non-empty string');
    expect(parseVisit('{"userId":"u1","url":"/","ts":"noon"}')).toBe('ts is not a number (epoch ms)');
  });

  it('emits the top 3 users of every sliding window, equal to the batch count of the same data', async () => {
    const lines = [...visits({ count: 4000, seed: 7, rate: 40, start: 1_700_000_000_000, users: 60, invalid: 0 })];
    const bad = ['{"userId": "u1", "url": "/", "ts": "noon"}', 'GET / 200'];
    const input = path.join(dir, 'visits.jsonl');
    const output = path.join(dir, 'top.jsonl');
    // Two malformed lines in the middle: they go to the invalid file and change nothing else.
    writeFileSync(input, [...lines.slice(0, 2000), ...bad, ...lines.slice(2000)].join('\n') + '\n');
    const topology = buildRollingTopUsers({ input, output, windowSec: 30, slideSec: 10, topN: 3, lagMs: 2000, idleFlushMs: 1000 });
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(topology);
      expect(await t.waitUntilDone(90_000)).toBe(true);
      expect(t.stats().find((s) => s.component === 'visits')).toMatchObject({ acked: 4002, failed: 0, timedOut: 0 });
      await cluster.kill(t.name);
    } finally {
      await cluster.shutdown(0);
    }
    const got = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as WindowTop).sort((a, b) => a.windowEnd - b.windowEnd);
    const expected = batchTops(lines.map((l) => parseVisit(l) as Visit), 30_000, 10_000, 3);
    expect(expected.length).toBeGreaterThan(10);
    expect(got).toEqual(expected);
    // Two parse tasks: the invalid lines may arrive in either order.
    expect(readFileSync(`${output}.invalid`, 'utf8').trim().split('\n').sort()).toEqual([`${bad[0]}\tts is not a number (epoch ms)`, `${bad[1]}\tnot JSON`].sort());
  }, 120_000);
});
