// Before/after for the Redis Streams spout, in one sitting: alternates the plain ioredis loop, the
// spout as of a git revision and the spout as built now, each over a freshly filled stream, and
// prints each run (wall rate, client and redis-server CPU per entry) and the median ratios to the
// plain loop. Not part of `npm run bench`; run it after `npm run build`:
//   node bench/redis-ab.mjs <rev> [entries=100000] [rounds=5]
// The revision's spout-kit sources are extracted with `git archive` into a temp dir and bundled in
// place of @gale/spout-kit (the runtime is today's for both).
import { execSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { startRedisServer } from './redis-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const [rev, entries = '100000', rounds = '5'] = process.argv.slice(2);
if (rev === undefined) throw new Error('usage: node bench/redis-ab.mjs <rev> [entries] [rounds]');
const n = Number(entries);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const old = mkdtempSync(join(tmpdir(), 'gale-redis-ab-'));
const server = await startRedisServer();
if (server === null) throw new Error('redis-server is not installed');
try {
  execSync(`git archive ${rev} packages/spout-kit | tar -x -C ${old}`, { cwd: join(here, '..'), stdio: 'inherit' });
  const common = {
    entryPoints: [join(here, 'analytics-scenario.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20',
    packages: 'external', logLevel: 'error',
  };
  const files = { now: join(here, '.build', 'ab-now.mjs'), before: join(here, '.build', 'ab-before.mjs') };
  await build({ ...common, outfile: files.now });
  await build({ ...common, outfile: files.before, alias: { '@gale/spout-kit': join(old, 'packages/spout-kit/src/index.ts') } });
  const runs = { plain: [], before: [], now: [] };
  for (let i = 0; i < Number(rounds); i++) {
    for (const [id, file, scenario] of [['plain', files.now, 'redis-plain'], ['before', files.before, 'redis-spout'], ['now', files.now, 'redis-spout']]) {
      await server.fill(n);
      const cpu0 = server.cpuSeconds();
      const r = spawnSync(process.execPath, [file, scenario, server.url, String(n)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) throw new Error(`${id} failed: ${r.stderr}`);
      const res = JSON.parse(r.stdout.trim().split('\n').pop());
      res.redisCpuSeconds = server.cpuSeconds() - cpu0;
      runs[id].push(res);
      const us = (s) => ((s / res.words) * 1e6).toFixed(1);
      console.log(`${id.padEnd(6)} ${(res.wordsPerSec / 1e3).toFixed(1)}k/s  CPU µs/entry: client ${us(res.cpuSeconds)}, redis ${us(res.redisCpuSeconds)}`);
    }
  }
  const plain = median(runs.plain.map((r) => r.wordsPerSec));
  for (const id of ['before', 'now']) {
    const rate = median(runs[id].map((r) => r.wordsPerSec));
    const pairs = runs[id].map((r, i) => (r.wordsPerSec / runs.plain[i].wordsPerSec).toFixed(2)).join(' ');
    const cpu = median(runs[id].map((r) => r.cpuSeconds / r.words)) * 1e6;
    console.log(`${id}: median ${(rate / 1e3).toFixed(1)}k/s vs plain ${(plain / 1e3).toFixed(1)}k/s = ${(rate / plain).toFixed(2)} (per round: ${pairs}); client CPU ${cpu.toFixed(1)} µs/entry`);
  }
} finally {
  await server.stop();
  rmSync(old, { recursive: true, force: true });
}
