#!/usr/bin/env node
// `npm run bench`: word count in local mode (acked, unacked) against a plain-function ceiling
// measured in the same run (each scenario in a fresh process; medians of GALE_BENCH_RUNS runs), then
// cluster mode (bench/cluster.mjs) against the raw ws+msgpackr pipe. Prints tables and writes
// bench/results/bench-<timestamp>.json. GALE_BENCH_SKIP_CLUSTER=1 skips the cluster part,
// GALE_BENCH_SKIP_NODE_STREAM=1 the whole-process comparison with a Node stream pipeline.
// Local acked latency at half load runs after the acked scenario (alone: node bench/.build/local-scenario.mjs
// half <corpus> <words> <lines/s>, after one `npm run bench` built it).
// Then the analytics, metrics, scaling and memory parts (bench/analytics.mjs); GALE_BENCH_ONLY=
// window,checkpoint,redis,metrics,scaling,memory runs only those parts (GALE_BENCH_SKIP_ANALYTICS=1: none).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ensureCorpus } from './corpus.mjs';
import { printAnalytics, runAnalytics, selectedParts } from './analytics.mjs';
import { nodeStreamRows, runNodeStreamScenario } from './node-stream.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const WORDS = Number(process.env.GALE_BENCH_WORDS ?? 5_000_000);
const RUNS = Number(process.env.GALE_BENCH_RUNS ?? 3);

const scenarios = [
  { name: 'ceiling: plain functions', id: 'ceiling', target: null },
  { name: 'local, unacked (ackers 0)', id: 'unacked', target: 3_000_000 },
  { name: 'local, acked (ackers 1)', id: 'acked', target: 1_000_000 },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The analytics parts; with GALE_BENCH_ONLY the only thing run (its own results file). */
async function analytics(only) {
  if (!only && process.env.GALE_BENCH_SKIP_ANALYTICS === '1') return null;
  const { results, rows } = await runAnalytics(selectedParts());
  printAnalytics(rows);
  return results;
}

function writeResults(data) {
  mkdirSync(join(here, 'results'), { recursive: true });
  const file = join(here, 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, ...data }, null, 2));
  console.log(`\nwrote ${file}`);
}

async function main() {
  if (process.env.GALE_BENCH_ONLY) {
    writeResults({ only: process.env.GALE_BENCH_ONLY, analytics: await analytics(true) });
    return;
  }
  process.stderr.write(`corpus: ${WORDS.toLocaleString()} words... `);
  const corpus = await ensureCorpus(WORDS);
  process.stderr.write(`${corpus}\n`);
  const outfile = join(here, '.build', 'local-scenario.mjs');
  await build({
    entryPoints: [join(here, 'local-scenario.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20',
    packages: 'external', outfile, logLevel: 'warning',
  });
  const results = [];
  for (const s of scenarios) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(process.execPath, [outfile, s.id, corpus, String(WORDS)], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) {
        process.stderr.write(r.stderr);
        throw new Error(`scenario ${s.id} failed with exit code ${r.status}`);
      }
      const res = JSON.parse(r.stdout.trim().split('\n').pop());
      runs.length > 0 && res.words !== runs[0].words && (() => { throw new Error(`scenario ${s.id} counted ${res.words} words, then ${runs[0].words}`); })();
      if (results.length > 0 && res.words !== results[0].all[0].words) throw new Error(`scenario ${s.id} counted ${res.words} words, the ceiling ${results[0].all[0].words}`);
      runs.push(res);
      process.stderr.write(`  ${s.id} run ${i + 1}: ${(res.wordsPerSec / 1e6).toFixed(2)}M words/s\n`);
    }
    const pick = (k) => median(runs.map((r) => r[k]));
    results.push({
      scenario: s.id, name: s.name, target: s.target, runs: runs.length,
      wordsPerSec: pick('wordsPerSec'), seconds: pick('seconds'), peakRssMb: pick('peakRssMb'),
      completeLatencyP50Ms: pick('completeLatencyP50Ms'), completeLatencyP99Ms: pick('completeLatencyP99Ms'),
      all: runs,
    });
  }
  // Local acked at half load: the acked scenario's p99 is at full throughput, where a tree's
  // complete latency is mostly queueing (Little's law: pending trees / throughput). The same
  // topology, fed at half the acked lines/s by a paced spout (bench/latency-probe.ts).
  const acked = results.find((r) => r.scenario === 'acked');
  const halfRate = Math.round(median(acked.all.map((r) => r.trees / r.seconds)) / 2);
  const halfRuns = [];
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(process.execPath, [outfile, 'half', corpus, String(WORDS), String(halfRate)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) {
      process.stderr.write(r.stderr);
      throw new Error(`scenario half failed with exit code ${r.status}`);
    }
    const res = JSON.parse(r.stdout.trim().split('\n').pop());
    halfRuns.push(res);
    process.stderr.write(`  half run ${i + 1}: ${res.probe.achievedRate} of ${halfRate} lines/s, complete p50/p99/p999 ${res.probe.p50}/${res.probe.p99}/${res.probe.p999} ms\n`);
  }
  const hp = (k) => median(halfRuns.map((r) => r.probe[k]));
  const localHalf = {
    scenario: 'half', name: `local, acked at half load (${Math.round(halfRate / 1000)}k lines/s)`, targetRate: halfRate, runs: halfRuns.length,
    achievedRate: hp('achievedRate'), completeLatencyMs: { p50: hp('p50'), p99: hp('p99'), p999: hp('p999') }, all: halfRuns.map((r) => r.probe),
  };
  const ceiling = results.find((r) => r.scenario === 'ceiling').wordsPerSec;
  for (const r of results) r.ratioToCeiling = r.wordsPerSec / ceiling;

  const rows = [['scenario', 'words/s', 'x ceiling', 'complete p50/p99 ms', 'peak RSS MB', 'target', 'met']];
  for (const r of results) {
    rows.push([
      r.name, `${(r.wordsPerSec / 1e6).toFixed(2)}M`, r.ratioToCeiling.toFixed(2),
      r.completeLatencyP50Ms == null ? '-' : `${r.completeLatencyP50Ms.toFixed(2)} / ${r.completeLatencyP99Ms.toFixed(2)}`,
      r.peakRssMb.toFixed(0), r.target == null ? '-' : `${r.target / 1e6}M`, r.target == null ? '-' : r.wordsPerSec >= r.target ? 'yes' : 'NO',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  const fmt = (row) => row.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  console.log(`\nword count, ${WORDS.toLocaleString()} words, median of ${RUNS} runs, node ${process.version}`);
  console.log(fmt(rows[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows.slice(1)) console.log(fmt(row));
  const hl = localHalf.completeLatencyMs;
  printTable(`\nlocal acked complete latency at half load (median of ${RUNS}; exact, a 5 s window after 2 s warm-up)`, [
    ['scenario', 'lines/s achieved', 'complete p50/p99/p999 ms', 'target', 'met'],
    [localHalf.name, `${(localHalf.achievedRate / 1e3).toFixed(0)}k`, `${hl.p50.toFixed(2)} / ${hl.p99.toFixed(2)} / ${hl.p999.toFixed(2)}`, 'p99 < 2 ms', hl.p99 < 2 ? 'yes' : 'NO'],
  ]);

  // Multilang: the split bolt as a Python subprocess per task (Storm's ShellBolt) beside the
  // in-process split bolt, acked, on a smaller corpus (a subprocess is tens of times slower).
  const shellWords = Number(process.env.GALE_BENCH_SHELL_WORDS ?? 500_000);
  const shellCorpus = await ensureCorpus(shellWords);
  const shell = [];
  for (const id of ['acked', 'shell', 'shell-task-ids']) {
    const r = spawnSync(process.execPath, [outfile, id, shellCorpus, String(shellWords)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (r.status !== 0) {
      process.stderr.write(r.stderr);
      throw new Error(`scenario ${id} failed with exit code ${r.status}`);
    }
    shell.push(JSON.parse(r.stdout.trim().split('\n').pop()));
    process.stderr.write(`  ${id} (${shellWords.toLocaleString()} words): ${(shell.at(-1).wordsPerSec / 1e3).toFixed(0)}k words/s\n`);
  }
  const js = shell[0].wordsPerSec;
  const srows = [['split bolt (acked, 2 tasks)', 'words/s', 'x in-process', 'per subprocess']];
  srows.push(['in-process TypeScript', `${(js / 1e3).toFixed(0)}k`, '1.00', '-']);
  srows.push(['Python multilang, need_task_ids false', `${(shell[1].wordsPerSec / 1e3).toFixed(0)}k`, (shell[1].wordsPerSec / js).toFixed(2), `${(shell[1].wordsPerSec / 2e3).toFixed(0)}k`]);
  srows.push(['Python multilang, need_task_ids true', `${(shell[2].wordsPerSec / 1e3).toFixed(0)}k`, (shell[2].wordsPerSec / js).toFixed(2), `${(shell[2].wordsPerSec / 2e3).toFixed(0)}k`]);
  const sw = srows[0].map((_, i) => Math.max(...srows.map((row) => String(row[i]).length)));
  const sfmt = (row) => row.map((c, i) => String(c).padEnd(sw[i])).join('  ');
  console.log(`\nmultilang split bolt, ${shellWords.toLocaleString()} words`);
  console.log(sfmt(srows[0]));
  console.log(sw.map((w) => '-'.repeat(w)).join('  '));
  for (const row of srows.slice(1)) console.log(sfmt(row));

  // Whole process: gale local word-count.ts against an objectMode Node stream pipeline (bench/node-stream.mjs).
  let nodeStream = null;
  if (process.env.GALE_BENCH_SKIP_NODE_STREAM !== '1') {
    nodeStream = await runNodeStreamScenario(Number(process.env.GALE_BENCH_NODE_STREAM_WORDS ?? 2_000_000), RUNS);
    printTable(`\nword count as a whole process, ${nodeStream.words.toLocaleString()} words (${nodeStream.distinct.toLocaleString()} distinct), median of ${RUNS}`, nodeStreamRows(nodeStream));
  }

  // Cluster mode: 2 supervisors, 2 workers, plus the raw ws+msgpackr pipe as the transport ceiling.
  let cluster = null;
  if (process.env.GALE_BENCH_SKIP_CLUSTER !== '1') {
    process.stderr.write('\ncluster: 2 supervisors, 2 workers (bench/cluster.mjs)...\n');
    const r = spawnSync(process.execPath, [join(here, 'cluster.mjs')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
    if (r.status !== 0) throw new Error(`cluster benchmark failed with exit code ${r.status}`);
    cluster = JSON.parse(r.stdout.trim().split('\n').pop());
    const c = cluster;
    const crow = [['scenario', 'tuples/s', 'x raw pipe', 'complete p50/p99/p999 ms', 'target', 'met']];
    const lat = (l) => `${l.p50.toFixed(2)} / ${l.p99.toFixed(2)} / ${l.p999?.toFixed(2) ?? '-'}`;
    crow.push(['raw ws+msgpackr pipe, 100/frame', `${(c.rawPipe.plain.tuplesPerSec / 1e6).toFixed(2)}M`, '1.00', '-', '-', '-']);
    crow.push(['raw pipe, acked-shaped tuples', `${(c.rawPipe.acked.tuplesPerSec / 1e6).toFixed(2)}M`, '1.00', '-', '-', '-']);
    crow.push(['cluster word count, unacked', `${(c.unacked.tuplesPerSec / 1e6).toFixed(2)}M`, (c.unacked.tuplesPerSec / c.rawPipe.plain.tuplesPerSec).toFixed(2), '-', '1M', c.unacked.tuplesPerSec >= 1e6 ? 'yes' : 'NO']);
    crow.push(['cluster word count, acked', `${(c.acked.tuplesPerSec / 1e6).toFixed(2)}M`, (c.acked.tuplesPerSec / c.rawPipe.acked.tuplesPerSec).toFixed(2), lat(c.acked.completeLatencyMs), '300k', c.acked.tuplesPerSec >= 3e5 ? 'yes' : 'NO']);
    crow.push([`one-word trees, acked, unpaced (latency topology's max)`, `${(c.latencyMax.achievedRate / 1e6).toFixed(2)}M`, '-', lat(c.latencyMax.completeLatencyMs), '-', '-']);
    const hl = c.latency.completeLatencyMs;
    crow.push([`one-word trees at half of that (${Math.round(c.latency.targetRate / 1000)}k/s asked)`, `${(c.latency.achievedRate / 1e6).toFixed(2)}M`, '-', lat(hl), 'p99 < 5, p999 < 20 ms', hl.p99 < 5 && hl.p999 < 20 ? 'yes' : 'NO']);
    if (c.tls) {
      crow.push(['cluster word count over TLS (wss, mutual), unacked', `${(c.tls.unacked.tuplesPerSec / 1e6).toFixed(2)}M`, (c.tls.unacked.tuplesPerSec / c.rawPipe.plain.tuplesPerSec).toFixed(2), `x ws: ${(c.tls.unacked.tuplesPerSec / c.unacked.tuplesPerSec).toFixed(2)}`, '-', '-']);
      crow.push(['cluster word count over TLS (wss, mutual), acked', `${(c.tls.acked.tuplesPerSec / 1e6).toFixed(2)}M`, (c.tls.acked.tuplesPerSec / c.rawPipe.acked.tuplesPerSec).toFixed(2), `x ws: ${(c.tls.acked.tuplesPerSec / c.acked.tuplesPerSec).toFixed(2)}`, '-', '-']);
    }
    const cw = crow[0].map((_, i) => Math.max(...crow.map((row) => String(row[i]).length)));
    const cfmt = (row) => row.map((x, i) => String(x).padEnd(cw[i])).join('  ');
    console.log(`\ncluster word count (2 supervisors, 2 workers, one machine), ${Number(process.env.GALE_BENCH_CLUSTER_WORDS ?? 5_000_000).toLocaleString()} words`);
    console.log(cfmt(crow[0]));
    console.log(cw.map((w) => '-'.repeat(w)).join('  '));
    for (const row of crow.slice(1)) console.log(cfmt(row));
  }

  writeResults({ words: WORDS, runs: RUNS, results, localHalf, shell, nodeStream, cluster, analytics: await analytics(false) });
}

function printTable(title, rows) {
  const w = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  const f = (row) => row.map((c, i) => String(c).padEnd(w[i])).join('  ');
  console.log(title);
  console.log(f(rows[0]));
  console.log(w.map((x) => '-'.repeat(x)).join('  '));
  for (const row of rows.slice(1)) console.log(f(row));
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
