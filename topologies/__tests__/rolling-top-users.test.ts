// rolling-top-users against a batch computation of the same visits: for every sliding window of
// event time, the top 3 users the topology wrote equal the top 3 counted directly from the file.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LocalCluster, type TopologyParams } from '@gale/runtime';
import { visits } from '../gen-data.js';
import rollingTopUsers, { buildRollingTopUsers, parseVisit, type Visit } from '../rolling-top-users.js';
import { batchTops, fileTops } from './rolling-top-users-output.js';

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Runs a command of the README from the repo root, as a user would (needs `npm run build`, which `npm test` runs first). */
async function run(cmd: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false', GALE_TOPOLOGY_CACHE: 'off' };
  delete env.GALE_LOG_LEVEL;
  delete env.JEST_WORKER_ID;
  return promisify(execFile)(cmd, [...args], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 100_000, maxBuffer: 16 << 20 });
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

  it('takes --set anchor=key-tuples or none (none for a cluster: README), and says so for anything else', () => {
    const params = (set: Record<string, string>): TopologyParams => ({
      string: (k, d) => set[k] ?? d ?? '',
      number: (k, d) => (set[k] === undefined ? d ?? 0 : Number(set[k])),
      boolean: (_k, d) => d ?? false,
      has: (k) => k in set,
    });
    const base = { input: path.join(dir, 'in.jsonl'), output: path.join(dir, 'out.jsonl') };
    expect(rollingTopUsers(params({ ...base, anchor: 'none' })).name).toBe('rolling-top-users');
    expect(() => rollingTopUsers(params({ ...base, anchor: 'new-tuples' }))).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_PARAM', message: '--set anchor must be key-tuples or none, got "new-tuples"' }));
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
    const got = fileTops(output);
    const expected = batchTops(lines.map((l) => parseVisit(l) as Visit), 30_000, 10_000, 3);
    expect(expected.length).toBeGreaterThan(10);
    expect(got).toEqual(expected);
    // Two parse tasks: the invalid lines may arrive in either order.
    expect(readFileSync(`${output}.invalid`, 'utf8').trim().split('\n').sort()).toEqual([`${bad[0]}\tts is not a number (epoch ms)`, `${bad[1]}\tnot JSON`].sort());
  }, 120_000);

  // The README's commands as they are, on fewer visits (3000: 60 s of event time, 12 windows; few enough to be read before the counters' first tick, as on an unloaded machine 20000 are):
  // the default idleFlushMs (2000) makes a ranker's idle-input wait (5000 ms) and its idle flush
  // (2 × 2000 ms, counted from its last input) end on the same tick, which fired only the last
  // window and acked the others unseen (1 line of 46 for the README's 20000 visits).
  it('the README command (default settings) writes every window, each equal to the batch count', async () => {
    const input = path.join(dir, 'readme-visits.jsonl');
    const output = path.join(dir, 'readme-top.jsonl');
    await run('npm', ['run', '--silent', 'gen-data', '--', 'visits', '--count', '3000', '--out', input]);
    const r = await run('npx', ['gale', 'local', 'topologies/rolling-top-users.ts', '--set', `input=${input}`, '--set', `output=${output}`, '--until-idle']);
    expect(r.stderr).toMatch(/gale: total visits +spout emitted 3000 +acked 3000 +failed 0 +timed out 0 +replayed 0/);
    const got = fileTops(output);
    const valid = readFileSync(input, 'utf8').trim().split('\n').map(parseVisit).filter((v): v is Visit => typeof v !== 'string');
    const expected = batchTops(valid, 60_000, 10_000, 3);
    expect(expected.length).toBeGreaterThanOrEqual(12);
    expect(got).toEqual(expected);
  }, 120_000);
});
