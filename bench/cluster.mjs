#!/usr/bin/env node
// Cluster benchmark (part of `npm run bench`): word count on a 2-supervisor, 2-worker cluster on this
// machine (real ZooKeeper, real worker processes, ws between them), acked and unacked; complete
// latency at half the acked maximum; and the raw ws+msgpackr two-process pipe (bench/transport/raw-pipe.mjs,
// 100 tuples per frame) measured in the same run as the transport ceiling.
// Throughput is read from worker heartbeats (every 250 ms), so each figure is +-250 ms over the run.
// Then the same acked and unacked runs on a second pair of supervisors whose workers talk wss
// (TLS with mutual certificates from deploy/make-certs.sh), for TLS's cost in the same run;
// GALE_BENCH_SKIP_TLS=1 skips those. GALE_BENCH_LATENCY_RATE=<trees/s> runs only the latency part at
// that rate (GALE_BENCH_LATENCY_MAX=1: and unpaced) (GALE_BENCH_LATENCY_WARMUP_MS, GALE_BENCH_LATENCY_WINDOW_MS: 3000, 5000).
// For profiling: GALE_BENCH_CLUSTER_ONLY=acked|unacked runs one of the
// two throughput runs and skips the latency run; GALE_BENCH_PROF_DIR=<dir> starts the supervisors (and so
// their workers) with --cpu-prof into that directory (see docs/benchmarks.md for a summariser).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './corpus.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const gale = join(root, 'packages/runtime/bin/gale.js');
const WORDS = Number(process.env.GALE_BENCH_CLUSTER_WORDS ?? 5_000_000);

const freePort = () => new Promise((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

function galeJson(args) {
  const r = spawnSync(process.execPath, [gale, ...args, '--json'], { encoding: 'utf8', cwd: root });
  if (r.status !== 0) throw new Error(`gale ${args.join(' ')}: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

function galeRun(args) {
  const r = spawnSync(process.execPath, [gale, ...args], { encoding: 'utf8', cwd: root });
  if (r.status !== 0) throw new Error(`gale ${args.join(' ')}: ${r.stderr.trim()}`);
}

/** Node flags for the supervisors; their workers inherit them (fork's default execArgv), so GALE_BENCH_PROF_DIR profiles every worker. */
const PROF_DIR = process.env.GALE_BENCH_PROF_DIR;
// GALE_BENCH_NODE_FLAGS="--trace-gc-nvp ..." adds Node/V8 flags to the supervisors (so to their workers);
// GALE_BENCH_SUPERVISOR_OUT=<prefix> sends each supervisor's stdout, and so its workers' (--trace-gc output), to <prefix>.s<i>.
const supervisorArgv = [...(PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`] : []), ...(process.env.GALE_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
const SUPERVISOR_OUT = process.env.GALE_BENCH_SUPERVISOR_OUT;

const ONLY = process.env.GALE_BENCH_CLUSTER_ONLY;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startSupervisors(zk, zkRoot, dir, procs, extra) {
  for (let i = 0; i < 2; i++) {
    const ports = [await freePort(), await freePort()];
    const p = spawn(process.execPath, [...supervisorArgv, gale, 'supervisor', '--zk', zk, '--zk-root', zkRoot, '--id', `bench-s${i}`, '--host', '127.0.0.1',
      '--ports', ports.join(','), '--dir', join(dir, `s${i}${zkRoot.replace(/\//g, '-')}`), '--heartbeat', '250', '--log-level', 'error', '--http-port', '0', ...extra],
    { cwd: root, stdio: ['ignore', SUPERVISOR_OUT ? openSync(`${SUPERVISOR_OUT}.s${i}`, 'w') : 'ignore', 'inherit'], detached: true });
    procs.push(p);
  }
}

async function stopSupervisors(procs) {
  for (const p of procs) { try { process.kill(-p.pid, 'SIGTERM'); } catch { /* already gone */ } }
  await sleep(1500);
  for (const p of procs) { try { process.kill(-p.pid, 'SIGKILL'); } catch { /* already gone */ } }
  procs.length = 0;
}

/** The supervisors' child processes (their workers; a supervisor forks nothing else). */
function workerPids(procs) {
  const pids = [];
  for (const p of procs) {
    try {
      for (const t of readdirSync(`/proc/${p.pid}/task`)) pids.push(...readFileSync(`/proc/${p.pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch { /* not Linux, or the supervisor is gone */ }
  }
  return pids;
}

/** User+system CPU seconds of each pid so far (utime and stime of /proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuSeconds(pids) {
  const cpu = new Map();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on: the name may hold spaces
      cpu.set(pid, (Number(f[11]) + Number(f[12])) / 100);
    } catch { /* exited */ }
  }
  return cpu;
}

/**
 * Deploys the word count acked and unacked and measures words/s from the heartbeats, and the
 * workers' CPU seconds between the first emitted and the last counted word (workerCpuSeconds,
 * workerCpuUsPerWord: steadier than words/s on a shared machine).
 */
async function throughput(zk, zkRoot, corpus, words, label, procs) {
  const results = {};
  const at = ['--zk', zk, '--zk-root', zkRoot];
  for (const acked of [false, true].filter((a) => ONLY === undefined || ONLY === (a ? 'acked' : 'unacked'))) {
    const name = acked ? 'acked' : 'unacked';
    galeRun(['deploy', join(here, 'cluster-topology.ts'), ...at, '--name', 'bench', '--set', `input=${corpus}`, '--set', `acked=${acked}`, '--set', 'mode=count', '--wait', '60', '--log-level', 'error']);
    let start = 0;
    let end = 0;
    let counted = 0;
    let status;
    let cpuAtStart = new Map();
    // Emission started between the previous poll (or the deploy's return) and the first poll that sees it.
    let previous = performance.now();
    const deadline = Date.now() + 600_000;
    while (Date.now() < deadline) {
      status = galeJson(['status', 'bench', ...at]);
      const count = status.components.find((c) => c.component === 'count');
      const spout = status.components.find((c) => c.component === 'lines');
      const now = performance.now();
      if (start === 0 && spout.emitted > 0) { start = (previous + now) / 2; cpuAtStart = cpuSeconds(workerPids(procs)); }
      previous = now;
      counted = count.executed;
      if (counted >= words) { end = now; break; }
      await sleep(100);
    }
    if (end === 0) throw new Error(`${label} ${name}: counted only ${counted} of ${words} words`);
    let workerCpuSeconds = 0;
    for (const [pid, cpu] of cpuSeconds([...cpuAtStart.keys()])) workerCpuSeconds += cpu - cpuAtStart.get(pid);
    const spout = status.components.find((c) => c.component === 'lines');
    results[name] = {
      words: counted, seconds: (end - start) / 1000, tuplesPerSec: counted / ((end - start) / 1000), completeLatencyMs: spout.completeLatencyMs,
      workerCpuSeconds: Math.round(workerCpuSeconds * 100) / 100, workerCpuUsPerWord: Math.round((workerCpuSeconds / counted) * 1e8) / 100,
    };
    process.stderr.write(`  ${label} ${name}: ${(results[name].tuplesPerSec / 1e6).toFixed(2)}M words/s, worker CPU ${results[name].workerCpuSeconds} s (${results[name].workerCpuUsPerWord} us/word)\n`);
    galeRun(['kill', 'bench', ...at, '--wait', '0', '--log-level', 'error']);
  }
  return results;
}

/**
 * Complete latency at `rate` trees/s (0: unpaced, for the maximum) (one word each, spout -> count across the 2 workers, acked):
 * bench/latency-probe.ts times every tree of a 5 s window after 3 s of warm-up from emit to ack()
 * and writes exact percentiles, the achieved rate (acks in the window over its measured length)
 * and the spout worker's GC pauses and event-loop delay in it. The engine's own figure (cumulative
 * since deploy, bucket upper bounds) is kept beside it as `engineCompleteLatencyMs`.
 */
async function latencyAtRate(zk, dir, rate) {
  const out = join(dir, `latency-${rate}.json`);
  const warmupMs = Number(process.env.GALE_BENCH_LATENCY_WARMUP_MS ?? 3000);
  const windowMs = Number(process.env.GALE_BENCH_LATENCY_WINDOW_MS ?? 5000);
  galeRun(['deploy', join(here, 'cluster-topology.ts'), '--zk', zk, '--name', 'bench', '--set', 'acked=true', '--set', 'mode=latency', '--set', `rate=${rate}`,
    '--set', `pending=${process.env.GALE_BENCH_LATENCY_PENDING ?? 2000}`, '--set', `warmupMs=${warmupMs}`, '--set', `windowMs=${windowMs}`, '--set', `out=${out}`,
    '--wait', '60', '--log-level', 'error']);
  const deadline = Date.now() + warmupMs + windowMs + 60_000;
  while (!existsSync(out)) {
    if (Date.now() > deadline) throw new Error(`latency probe wrote no result to ${out}`);
    await sleep(200);
  }
  await sleep(300); // the next heartbeat carries the window's end
  const probe = JSON.parse(readFileSync(out, 'utf8'));
  const engine = galeJson(['status', 'bench', '--zk', zk]).components.find((c) => c.component === 'lines');
  galeRun(['kill', 'bench', '--zk', zk, '--wait', '0', '--log-level', 'error']);
  process.stderr.write(`  latency at ${rate}/s: achieved ${probe.achievedRate}/s, complete p50/p99/p999 ${probe.p50}/${probe.p99}/${probe.p999} ms, gc ${JSON.stringify(probe.gc)}\n`);
  return {
    targetRate: rate, achievedRate: probe.achievedRate, completeLatencyMs: { p50: probe.p50, p99: probe.p99, p999: probe.p999, max: probe.max, mean: probe.mean },
    gc: probe.gc, loopDelayMs: probe.loopDelay, windowMs: probe.windowMs, engineCompleteLatencyMs: engine.completeLatencyMs,
  };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'gale-bench-cluster-'));
  const zkPort = await freePort();
  const zk = `127.0.0.1:${zkPort}`;
  const procs = [];
  let results;
  try {
    process.stderr.write('starting ZooKeeper and 2 supervisors...\n');
    const z = spawnSync('bash', [join(root, 'deploy/zookeeper.sh'), 'start', '--port', String(zkPort), '--dir', join(dir, 'zk')], { encoding: 'utf8' });
    if (z.status !== 0) throw new Error(`zookeeper: ${z.stderr || z.stdout}`);
    await startSupervisors(zk, '/gale', dir, procs, []);
    const fixedRate = Number(process.env.GALE_BENCH_LATENCY_RATE ?? 0);
    if (fixedRate > 0) {
      // Latency only, at a given rate (for comparing changes quickly): no throughput runs, no TLS, no raw pipe.
      results = { latency: await latencyAtRate(zk, dir, fixedRate) };
      if (process.env.GALE_BENCH_LATENCY_MAX === '1') results.latencyMax = await latencyAtRate(zk, dir, 0);
      process.stdout.write(`${JSON.stringify(results)}\n`);
      return;
    }
    const corpus = await ensureCorpus(WORDS);
    results = await throughput(zk, '/gale', corpus, WORDS, 'ws', procs);
    if (ONLY === undefined) {
      // Complete latency at half the acked maximum of the same topology (one-word trees: a tree costs
      // more than a word of the count topology, so half of the word rate is not half load here).
      results.latencyMax = await latencyAtRate(zk, dir, 0);
      results.latency = await latencyAtRate(zk, dir, Math.round(results.latencyMax.achievedRate / 2));
    }
    await stopSupervisors(procs);

    if (process.env.GALE_BENCH_SKIP_TLS !== '1' && ONLY === undefined) {
      process.stderr.write('2 supervisors with mutual TLS between workers...\n');
      const certs = join(dir, 'certs');
      const made = spawnSync('bash', [join(root, 'deploy/make-certs.sh'), certs, '127.0.0.1'], { encoding: 'utf8' });
      if (made.status !== 0) throw new Error(`make-certs.sh: ${made.stderr}`);
      await startSupervisors(zk, '/gale-tls', dir, procs, ['--tls-cert', join(certs, '127.0.0.1.pem'), '--tls-key', join(certs, '127.0.0.1-key.pem'), '--tls-ca', join(certs, 'ca.pem'), '--tls-mutual']);
      results.tls = await throughput(zk, '/gale-tls', corpus, WORDS, 'wss', procs);
    }
  } finally {
    await stopSupervisors(procs);
    spawnSync('bash', [join(root, 'deploy/zookeeper.sh'), 'stop', '--port', String(zkPort), '--dir', join(dir, 'zk')]);
    rmSync(dir, { recursive: true, force: true });
  }
  const raw = JSON.parse(spawnSync(process.execPath, [join(here, 'transport/raw-pipe.mjs'), '2000000', '100'], { encoding: 'utf8' }).stdout.trim().split('\n').pop());
  results.rawPipe = raw;
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

main().catch((err) => {
  process.stderr.write(`cluster bench: ${err.message}\n`);
  process.exit(1);
});
