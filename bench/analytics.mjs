// Analytics, metrics, scaling and memory benchmarks (part of `npm run bench`, bench/run.mjs).
// Each scenario runs in a fresh process (bench/analytics-scenario.ts); ratios are against a
// reference run back to back in the same sitting, alternating (ref, x, ref, x, ...), medians.
// Local scenarios report words/s (wall) and words per CPU second of their process: on a shared
// machine the second is less disturbed by other load (local mode runs on one thread).
// GALE_BENCH_ONLY=window,checkpoint,redis,metrics,scaling,memory selects parts (run.mjs: only these).
//   window:     sliding 10 s / 1 s windowed count vs the plain word count (goal >= 0.5): in panes (anchor
//               'none') at a size that slides; the tuple-buffering anchor modes and a bolt that only
//               holds every tuple (what holding alone costs) at a smaller one
//   checkpoint: stateful count, checkpoints every 1 s, vs the same count in a Map (goal cost < 10%)
//   redis:      RedisStreamSpout end to end vs a plain ioredis XREADGROUP+XACK loop (goal >= 0.7)
//   metrics:    word count with metricsEnabled true vs false, and with a __metrics consumer (goal cost < 3%)
//   scaling:    local word count (unacked) with 1, 2, 4, 8 executors per bolt; cluster 1, 2, 4 workers (bench/scaling.mjs)
//   memory:     bytes per pending tree and RSS with 100k trees in flight; bytes per tuple a bolt holds
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ensureCorpus } from './corpus.mjs';
import { startRedisServer } from './redis-server.mjs';
import { clusterScaling } from './scaling.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const ANALYTICS_PARTS = ['window', 'checkpoint', 'redis', 'metrics', 'scaling', 'memory'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const env = (k, d) => Number(process.env[k] ?? d);

/** The parts GALE_BENCH_ONLY names (all when unset); unknown names are an error. */
export function selectedParts() {
  const only = process.env.GALE_BENCH_ONLY;
  if (only === undefined || only === '') return ANALYTICS_PARTS;
  const parts = only.split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of parts) if (!ANALYTICS_PARTS.includes(p)) throw new Error(`GALE_BENCH_ONLY: unknown part "${p}" (one of ${ANALYTICS_PARTS.join(', ')})`);
  return parts;
}

let outfile;
async function bundle() {
  outfile ??= join(here, '.build', 'analytics-scenario.mjs');
  await build({
    entryPoints: [join(here, 'analytics-scenario.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20',
    packages: 'external', outfile, logLevel: 'warning',
  });
}

function scenario(args, nodeArgs = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, outfile, ...args.map(String)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`scenario ${args[0]} failed with exit code ${r.status}`);
  }
  const res = JSON.parse(r.stdout.trim().split('\n').pop());
  const cpu = res.wordsPerCpuSec ? `, ${(res.wordsPerCpuSec / 1e3).toFixed(0)}k per CPU s` : '';
  process.stderr.write(`  ${args[0]}: ${(res.wordsPerSec ?? 0) > 0 ? `${(res.wordsPerSec / 1e3).toFixed(0)}k/s${cpu}` : JSON.stringify(res)}\n`);
  return res;
}

/** Alternates `ref` and each of `others` `runs` times; returns medians per id. */
function compare(ids, extra, runs) {
  const all = Object.fromEntries(ids.map((id) => [id, []]));
  for (let i = 0; i < runs; i++) for (const id of ids) all[id].push(scenario([id, ...extra]));
  const out = {};
  for (const id of ids) {
    out[id] = {
      wordsPerSec: median(all[id].map((r) => r.wordsPerSec)), seconds: median(all[id].map((r) => r.seconds)),
      wordsPerCpuSec: median(all[id].map((r) => r.wordsPerCpuSec ?? 0)),
      peakRssMb: median(all[id].map((r) => r.peakRssMb)), completeLatencyP99Ms: median(all[id].map((r) => r.completeLatencyP99Ms ?? 0)),
      runs: all[id],
    };
  }
  return out;
}

const k = (x) => `${(x / 1e3).toFixed(0)}k`;

/** Runs the selected parts; returns { results, rows } (rows: the human table). */
export async function runAnalytics(parts = selectedParts()) {
  await bundle();
  const runs = env('GALE_BENCH_ANALYTICS_RUNS', 3);
  const results = {};
  const rows = [['scenario', 'throughput', 'reference (same run)', 'ratio', 'goal', 'met']];
  const t0 = performance.now();
  const timed = async (part, fn) => {
    const s = performance.now();
    process.stderr.write(`\n${part}...\n`);
    await fn();
    results[part].seconds = (performance.now() - s) / 1000;
  };

  if (parts.includes('window')) await timed('window', async () => {
    // window-panes (anchor 'none': the window runs in panes, keeps no tuple): at a size whose run
    // outlasts the 10 s window, so panes expire and their acks go out (the steady sliding state).
    const words = env('GALE_BENCH_WINDOW_WORDS', 20_000_000);
    // The tuple-buffering modes at a smaller size, one that fits their maxSpoutPending (1M tuples
    // over the most words on a line, 18 in the corpus: ~55k lines, ~580k words), so the spout never
    // waits on the window: above it, they are capped at ~580k words per 11 s (~50k words/s) and a
    // sliding run of them takes minutes.
    // window: rows anchored to their key's tuples (the default); window-new: anchor 'new-tuples';
    // hold: no window at all, every tuple kept un-acked (the floor of any tuple-holding 10 s window).
    const tupleWords = env('GALE_BENCH_WINDOW_TUPLE_WORDS', 500_000);
    // window-panes-event: the same panes in event time (timestamps from the wall clock at the window).
    const p = compare(['wc', 'window-panes', 'window-panes-event'], [await ensureCorpus(words)], runs);
    const r = compare(['wc', 'window', 'window-new', 'hold'], [await ensureCorpus(tupleWords)], runs);
    const ratios = (x, id) => ({ ratio: x[id].wordsPerSec / x.wc.wordsPerSec, cpuRatio: x[id].wordsPerCpuSec / x.wc.wordsPerCpuSec });
    const { ratio, cpuRatio } = ratios(p, 'window-panes');
    results.window = {
      words, tupleWords, panes: { ...p, ratio, cpuRatio }, ratio, cpuRatio, eventPanes: ratios(p, 'window-panes-event'),
      tuples: { ...r, keyTuples: ratios(r, 'window'), newTuples: ratios(r, 'window-new'), hold: ratios(r, 'hold') },
    };
    const mb = (x) => `${x.toFixed(0)} MB`;
    const row = (label, x, id, goal) => {
      const q = ratios(x, id);
      rows.push([label, k(x[id].wordsPerSec), `word count ${k(x.wc.wordsPerSec)}`, q.ratio.toFixed(2), goal ? '>= 0.5' : '-', goal ? (q.ratio >= 0.5 ? 'yes' : 'NO') : '-']);
      rows.push(['  the same, words per CPU second', k(x[id].wordsPerCpuSec), `word count ${k(x.wc.wordsPerCpuSec)}`, q.cpuRatio.toFixed(2), goal ? '>= 0.5' : '-', goal ? (q.cpuRatio >= 0.5 ? 'yes' : 'NO') : '-']);
      rows.push(['  peak RSS', mb(x[id].peakRssMb), `word count ${mb(x.wc.peakRssMb)}`, '-', '-', '-']);
    };
    row(`windowed count, sliding 10 s / 1 s (acked), anchor 'none': panes, ${k(words)} words`, p, 'window-panes', true);
    row('  the same panes in event time (watermark, panes by timestamp)', p, 'window-panes-event', false);
    row(`  tuple window, anchor 'key-tuples' (default), ${k(tupleWords)} words`, r, 'window', false);
    row("  the same, anchor 'new-tuples'", r, 'window-new', false);
    row('  floor of a tuple window: holding every tuple, no window', r, 'hold', false);
  });

  if (parts.includes('checkpoint')) await timed('checkpoint', async () => {
    const words = env('GALE_BENCH_CHECKPOINT_WORDS', 2_000_000);
    // The batched shape counts ~5M words/s: 20M words keep a run several checkpoint intervals
    // long (at 2M words it would end before the first checkpoint).
    const batchedWords = env('GALE_BENCH_CHECKPOINT_BATCHED_WORDS', 20_000_000);
    // GALE_BENCH_CHECKPOINT_SHAPES picks the pairs (default all): line, batched, trees.
    const shapes = (process.env.GALE_BENCH_CHECKPOINT_SHAPES ?? 'line,batched,trees').split(',').map((x) => x.trim());
    for (const x of shapes) if (!['line', 'batched', 'trees'].includes(x)) throw new Error(`GALE_BENCH_CHECKPOINT_SHAPES: unknown shape "${x}" (line, batched, trees)`);
    const linesPerTree = env('GALE_BENCH_CHECKPOINT_LINES_PER_TREE', 1000);
    const r = {
      ...(shapes.includes('line') ? compare(['ckpt-off', 'ckpt-1s'], [await ensureCorpus(words)], runs) : {}),
      ...(shapes.includes('batched') ? compare(['ckpt-off-batched', 'ckpt-1s-batched'], [await ensureCorpus(batchedWords)], runs) : {}),
      // A tuple per line, as ckpt-off/ckpt-1s, but linesPerTree lines per tree (emitTree).
      ...(shapes.includes('trees') ? compare(['ckpt-off-trees', 'ckpt-1s-trees'], [await ensureCorpus(words)], runs) : {}),
    };
    const costs = (off, on) => (r[on] === undefined ? undefined : { cost: 1 - r[on].wordsPerSec / r[off].wordsPerSec, cpuCost: 1 - r[on].wordsPerCpuSec / r[off].wordsPerCpuSec });
    const line = costs('ckpt-off', 'ckpt-1s');
    // The same pair in word-count.ts's default shape: a tree per batch of lines, not per line.
    const batched = costs('ckpt-off-batched', 'ckpt-1s-batched');
    const trees = costs('ckpt-off-trees', 'ckpt-1s-trees');
    results.checkpoint = { words, batchedWords, linesPerTree, ...r, cost: line?.cost, cpuCost: line?.cpuCost, batched, trees };
    const pct = (x) => `cost ${(x * 100).toFixed(1)}%`;
    const row = (label, on, off, x, perCpu) => rows.push([label, k(perCpu ? r[on].wordsPerCpuSec : r[on].wordsPerSec), `Map count ${k(perCpu ? r[off].wordsPerCpuSec : r[off].wordsPerSec)}`, pct(x), '< 10%', x < 0.1 ? 'yes' : 'NO']);
    if (line) {
      row('stateful count (memory), checkpoint every 1 s, a tree per line', 'ckpt-1s', 'ckpt-off', line.cost, false);
      row('  the same, words per CPU second', 'ckpt-1s', 'ckpt-off', line.cpuCost, true);
    }
    if (batched) {
      row("  word-count's batched shape (a tree per batch of lines)", 'ckpt-1s-batched', 'ckpt-off-batched', batched.cost, false);
      row('  the same, words per CPU second', 'ckpt-1s-batched', 'ckpt-off-batched', batched.cpuCost, true);
    }
    if (trees) {
      row(`  a tuple per line, ${linesPerTree} lines per tree (linesPerTree)`, 'ckpt-1s-trees', 'ckpt-off-trees', trees.cost, false);
      row('  the same, words per CPU second', 'ckpt-1s-trees', 'ckpt-off-trees', trees.cpuCost, true);
    }
  });

  if (parts.includes('redis')) await timed('redis', async () => {
    const n = env('GALE_BENCH_REDIS_ENTRIES', 300_000);
    const server = await startRedisServer();
    if (server === null) {
      process.stderr.write('  redis-server is not installed (apt-get install redis-server): skipping the Redis Streams scenario\n');
      results.redis = { skipped: 'redis-server not installed' };
      rows.push(['Redis Streams spout', 'skipped', 'redis-server not installed', '-', '>= 0.7', '-']);
      return;
    }
    try {
      const all = { plain: [], spout: [] };
      for (let i = 0; i < runs; i++) {
        // A fresh stream per pair: both read the same entries, each through its own consumer group.
        await server.fill(n);
        for (const id of ['plain', 'spout']) {
          // The server's CPU during the run (setup included) next to the client's: on a loaded
          // machine both sides compete for the same cores, so CPU per entry explains the wall ratio.
          const before = server.cpuSeconds();
          const r = scenario([`redis-${id}`, server.url, n]);
          const after = server.cpuSeconds();
          if (before !== null && after !== null) r.redisCpuSeconds = after - before;
          all[id].push(r);
        }
      }
      const plain = median(all.plain.map((x) => x.wordsPerSec));
      const spout = median(all.spout.map((x) => x.wordsPerSec));
      const cpuUsPerEntry = (runs, key) => median(runs.map((x) => (x[key] ?? 0) / x.words)) * 1e6;
      const side = (runs, wordsPerSec) => ({
        wordsPerSec, clientCpuUsPerEntry: cpuUsPerEntry(runs, 'cpuSeconds'), redisCpuUsPerEntry: cpuUsPerEntry(runs, 'redisCpuSeconds'), runs,
      });
      results.redis = { entries: n, plain: side(all.plain, plain), spout: side(all.spout, spout), ratio: spout / plain };
      rows.push(['Redis Streams spout -> count (acked)', k(spout), `XREADGROUP+XACK loop ${k(plain)}`, (spout / plain).toFixed(2), '>= 0.7', spout / plain >= 0.7 ? 'yes' : 'NO']);
      const us = (x) => `${(x.clientCpuUsPerEntry + x.redisCpuUsPerEntry).toFixed(1)} (${x.clientCpuUsPerEntry.toFixed(1)} + ${x.redisCpuUsPerEntry.toFixed(1)})`;
      rows.push(['  CPU µs per entry (client + redis-server)', us(results.redis.spout), `loop ${us(results.redis.plain)}`, '-', '-', '-']);
    } finally {
      await server.stop();
    }
  });

  if (parts.includes('metrics')) await timed('metrics', async () => {
    // Off, on and on + consumer in one process, rotating (scenario metrics-ab), in several
    // processes; sums over all of them: the few percent to resolve are below the spread between
    // separate processes on a shared machine.
    const words = env('GALE_BENCH_METRICS_WORDS', 1_000_000);
    const rounds = env('GALE_BENCH_METRICS_ROUNDS', 4);
    const corpus = await ensureCorpus(words);
    const all = [];
    for (let i = 0; i < env('GALE_BENCH_METRICS_RUNS', 3); i++) all.push(scenario(['metrics-ab', corpus, rounds]));
    const total = (variant, key) => all.reduce((n, r) => n + r.sums[variant][key], 0);
    const rate = (variant, key) => total(variant, 'words') / total(variant, key);
    const m = {
      words, rounds, processes: all.length, runs: all,
      off: { wordsPerSec: rate('off', 'seconds'), wordsPerCpuSec: rate('off', 'cpuSeconds') },
      on: { wordsPerSec: rate('on', 'seconds'), wordsPerCpuSec: rate('on', 'cpuSeconds') },
      consumer: { wordsPerSec: rate('consumer', 'seconds'), wordsPerCpuSec: rate('consumer', 'cpuSeconds') },
    };
    m.cost = 1 - m.on.wordsPerSec / m.off.wordsPerSec;
    m.cpuCost = 1 - m.on.wordsPerCpuSec / m.off.wordsPerCpuSec;
    m.consumerCost = 1 - m.consumer.wordsPerSec / m.off.wordsPerSec;
    m.consumerCpuCost = 1 - m.consumer.wordsPerCpuSec / m.off.wordsPerCpuSec;
    // Per process, to show the spread the sums smooth out.
    m.cpuCostPerProcess = all.map((r) => 1 - r.wordsPerCpuSec / r.offWordsPerCpuSec);
    results.metrics = m;
    const pct = (x) => `cost ${(x * 100).toFixed(1)}%`;
    rows.push(['word count (acked), metrics on (default)', k(m.on.wordsPerSec), `metrics off ${k(m.off.wordsPerSec)}`, pct(m.cost), '< 3%', m.cost < 0.03 ? 'yes' : 'NO']);
    rows.push(['  the same, words per CPU second', k(m.on.wordsPerCpuSec), `metrics off ${k(m.off.wordsPerCpuSec)}`, pct(m.cpuCost), '< 3%', m.cpuCost < 0.03 ? 'yes' : 'NO']);
    rows.push(['  + __metrics consumer every 1 s', k(m.consumer.wordsPerSec), `metrics off ${k(m.off.wordsPerSec)}`, pct(m.consumerCost), '< 3%', m.consumerCost < 0.03 ? 'yes' : 'NO']);
    rows.push(['  + consumer, words per CPU second', k(m.consumer.wordsPerCpuSec), `metrics off ${k(m.off.wordsPerCpuSec)}`, pct(m.consumerCpuCost), '< 3%', m.consumerCpuCost < 0.03 ? 'yes' : 'NO']);
  });

  if (parts.includes('scaling')) await timed('scaling', async () => {
    const words = env('GALE_BENCH_SCALING_WORDS', 2_000_000);
    const ids = ['exec-1', 'exec-2', 'exec-4', 'exec-8'];
    const r = compare(ids, [await ensureCorpus(words)], Math.min(runs, 2));
    results.scaling = { words, local: r };
    for (const id of ids) {
      rows.push([`local word count (unacked), ${id.slice(5)} executor(s) per bolt`, `${k(r[id].wordsPerSec)} (${k(r[id].wordsPerCpuSec)}/CPU s)`, `1 executor ${k(r['exec-1'].wordsPerSec)}`, (r[id].wordsPerSec / r['exec-1'].wordsPerSec).toFixed(2), '-', '-']);
    }
    // Per-frame cost of the transport (for the model in docs/benchmarks.md): the raw ws+msgpackr
    // pipe with 1 tuple per frame (frames/s) and with 100 (tuples/s).
    const pipe = (n, batch) => JSON.parse(spawnSync(process.execPath, [join(here, 'transport/raw-pipe.mjs'), String(n), String(batch)], { encoding: 'utf8' }).stdout.trim().split('\n').pop());
    const frames1 = pipe(200_000, 1);
    const frames100 = pipe(2_000_000, 100);
    results.scaling.rawPipe = { batch1: frames1, batch100: frames100 };
    rows.push(['raw ws+msgpackr pipe, 1 tuple per frame', `${k(frames1.plain.tuplesPerSec)} frames/s`, `100 per frame: ${k(frames100.plain.tuplesPerSec)} tuples/s`, '-', '-', '-']);
    if (process.env.GALE_BENCH_SKIP_CLUSTER !== '1') {
      const c = await clusterScaling(env('GALE_BENCH_SCALING_CLUSTER_WORDS', 2_000_000));
      results.scaling.cluster = c;
      for (const w of c.workers) {
        rows.push([`cluster word count (unacked), ${w.workers} worker(s)`, k(w.tuplesPerSec), `1 worker ${k(c.workers[0].tuplesPerSec)}`, (w.tuplesPerSec / c.workers[0].tuplesPerSec).toFixed(2), '-', '-']);
      }
      const zk = (x) => `${x.zkWritesPerSec?.toFixed(1)} writes/s, ${x.zkPacketsPerSec?.toFixed(1)} req/s, ${((x.zkBytesPerSec ?? 0) / 1024).toFixed(1)} KiB/s`;
      rows.push([`ZooKeeper load, 2 supervisors, no topology`, zk(c.idleSupervisors), '-', '-', '-', '-']);
      for (const w of c.workers) rows.push([`ZooKeeper load, ${w.workers} worker(s) deployed (heartbeat ${c.heartbeatMs} ms)`, zk(w), '-', '-', '-', '-']);
    }
  });

  if (parts.includes('memory')) await timed('memory', async () => {
    const trees = env('GALE_BENCH_MEMORY_TREES', 100_000);
    const r = scenario(['memory', trees], ['--expose-gc']);
    results.memory = r;
    rows.push([`${trees.toLocaleString()} trees in flight (local, acked)`, `${r.bytesPerTree.toFixed(0)} B/tree`, `RSS ${r.rssMb.toFixed(0)} MB (idle ${r.baselineRssMb.toFixed(0)} MB)`, '-', 'RSS < 200 MB', r.rssMb < 200 ? 'yes' : 'NO']);
    rows.push(['  each tuple a bolt holds (as a window does)', `${r.bytesPerHeldTuple.toFixed(0)} B/tuple`, 'beyond its tree (its values count there)', '-', '-', '-']);
  });

  results.totalSeconds = (performance.now() - t0) / 1000;
  return { results, rows };
}

/** Prints the analytics table. */
export function printAnalytics(rows) {
  const w = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  const fmt = (row) => row.map((c, i) => String(c).padEnd(w[i])).join('  ');
  console.log('\nanalytics, metrics, scaling and memory (ratios against references in the same run)');
  console.log(fmt(rows[0]));
  console.log(w.map((x) => '-'.repeat(x)).join('  '));
  for (const row of rows.slice(1)) console.log(fmt(row));
}
