#!/usr/bin/env node
// Runs raw-pipe.mjs (the ws + msgpackr ceiling) and gale-pipe.mjs alternately, RUNS times each, and
// prints the medians, the best runs and gale/raw ratios as one JSON line (stderr shows each run).
// Usage: npm run build && node bench/transport/compare.mjs [runs=5] [tuples=2000000]
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.argv[2] ?? 5);
const TUPLES = String(process.argv[3] ?? 2_000_000);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function once(script) {
  const r = spawnSync(process.execPath, [join(here, script), TUPLES], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr}`);
  const line = JSON.parse(r.stdout.trim().split('\n').pop());
  process.stderr.write(`${script}: plain ${(line.plain.tuplesPerSec / 1e6).toFixed(2)}M/s, acked ${(line.acked.tuplesPerSec / 1e6).toFixed(2)}M/s\n`);
  return line;
}

const raw = [];
const gale = [];
for (let i = 0; i < RUNS; i++) {
  raw.push(once('raw-pipe.mjs'));
  gale.push(once('gale-pipe.mjs'));
}
const pick = (runs, shape) => median(runs.map((r) => r[shape].tuplesPerSec));
// on a shared, noisy machine the best run is the better estimate of what each path can do
const best = (runs, shape) => Math.max(...runs.map((r) => r[shape].tuplesPerSec));
const out = { bench: 'transport-compare', runs: RUNS, tuples: Number(TUPLES), bufferutil: raw[0].bufferutil, node: process.version };
for (const shape of ['plain', 'acked']) {
  const r = pick(raw, shape);
  const g = pick(gale, shape);
  const rb = best(raw, shape);
  const gb = best(gale, shape);
  out[shape] = { rawTuplesPerSec: r, galeTuplesPerSec: g, ratio: +(g / r).toFixed(2), rawBest: rb, galeBest: gb, ratioBest: +(gb / rb).toFixed(2) };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
