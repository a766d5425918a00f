// One benchmark scenario in a fresh process; prints one JSON line. Run by bench/run.mjs.
//   ceiling: the same file reading, splitter and Map counting as plain function calls
//   unacked: FileLineSpout -> SplitWordsBolt (2) -> CountBolt (2, no emit), ackers 0
//   acked:   the same with one acker: every line is a tuple tree of ~12 word tuples
//   half:    the acked topology fed at a given rate (argv[4], lines/s; run.mjs passes half the acked
//     scenario's lines/s) by a paced spout over the corpus' lines (bench/latency-probe.ts) that times
//     every tree of a 5 s window after 2 s of warm-up: complete latency without the queueing of full load
//   shell, shell-task-ids: acked, with the split bolt a Python multilang subprocess per task
//     (bench/multilang/split_bolt.py; need_task_ids false / true)
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { LocalCluster, ShellBolt, TopologyBuilder } from '@gale/runtime';
import { FileLineSpout } from '@gale/spout-kit';
import { CountBolt } from '@gale/bolt-kit';
import { SplitWordsBolt, forEachAsciiWord } from '../topologies/word-count.js';
import { LatencyProbeSpout, type ProbeResult } from './latency-probe.js';

const [scenario, path, , rateArg] = process.argv.slice(2) as [string, string, string?, string?];

interface Result {
  scenario: string;
  words: number;
  seconds: number;
  wordsPerSec: number;
  peakRssMb: number;
  completeLatencyP50Ms: number | null;
  completeLatencyP99Ms: number | null;
  /** Trees (lines) the spout completed. */
  trees?: number;
  /** half: the probe's window (exact percentiles, achieved rate, GC pauses). */
  probe?: ProbeResult;
}

async function ceiling(): Promise<Omit<Result, 'peakRssMb'>> {
  const t0 = performance.now();
  const text = await readFile(path, 'utf8');
  const counts = new Map<string, number>();
  let words = 0;
  const count = (w: string): void => {
    counts.set(w, (counts.get(w) ?? 0) + 1);
    words++;
  };
  let start = 0;
  for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
    forEachAsciiWord(text.slice(start, nl), count);
    start = nl + 1;
  }
  if (start < text.length) forEachAsciiWord(text.slice(start), count);
  const seconds = (performance.now() - t0) / 1000;
  return { scenario, words, seconds, wordsPerSec: words / seconds, completeLatencyP50Ms: null, completeLatencyP99Ms: null };
}

// run.mjs bundles this file into bench/.build/: the script is beside it, in bench/multilang/.
const SPLIT_PY = fileURLToPath(new URL('../multilang/split_bolt.py', import.meta.url));

async function topology(acked: boolean, shell?: 'no-task-ids' | 'task-ids'): Promise<Omit<Result, 'peakRssMb'>> {
  const b = new TopologyBuilder();
  b.setSpout('lines', new FileLineSpout({ path }));
  const split = shell === undefined ? new SplitWordsBolt()
    : new ShellBolt({ command: 'python3', args: [SPLIT_PY, shell], outputs: { default: ['word'] } });
  b.setBolt('split', split, 2).shuffleGrouping('lines');
  b.setBolt('count', new CountBolt({ keyField: 'word', emit: false }), 2).fieldsGrouping('split', ['word']);
  const top = b.build({ name: `bench-${scenario}`, config: { ackers: acked ? 1 : 0 } });
  const cluster = new LocalCluster();
  const t0 = performance.now();
  const t = await cluster.submit(top);
  if (!(await t.waitUntilDone(600_000))) throw new Error('did not finish');
  const seconds = (performance.now() - t0) / 1000;
  const stats = t.stats();
  const words = stats.find((s) => s.component === 'count')!.executed;
  const spout = stats.find((s) => s.component === 'lines')!;
  await cluster.shutdown(0);
  return {
    scenario, words, seconds, wordsPerSec: words / seconds,
    completeLatencyP50Ms: acked ? spout.completeLatencyMs.p50 : null,
    completeLatencyP99Ms: acked ? spout.completeLatencyMs.p99 : null,
    trees: spout.acked,
  };
}

async function half(rate: number): Promise<Omit<Result, 'peakRssMb'>> {
  const text = await readFile(path, 'utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  let resolve!: (r: ProbeResult) => void;
  const done = new Promise<ProbeResult>((r) => { resolve = r; });
  const b = new TopologyBuilder();
  b.setSpout('lines', () => new LatencyProbeSpout({
    fields: ['line'], generate: (seq) => [lines[seq % lines.length]!], ratePerSec: rate, warmupMs: 2000, windowMs: 5000, onReport: resolve,
  }));
  b.setBolt('split', new SplitWordsBolt(), 2).shuffleGrouping('lines');
  b.setBolt('count', new CountBolt({ keyField: 'word', emit: false }), 2).fieldsGrouping('split', ['word']);
  const cluster = new LocalCluster();
  const t0 = performance.now();
  const t = await cluster.submit(b.build({ name: 'bench-half', config: { ackers: 1 } }));
  // The local engine's timers are unref'd (they never keep a process alive): hold it until the window is over.
  const keepAlive = setInterval(() => undefined, 1000);
  const probe = await done.finally(() => clearInterval(keepAlive));
  const seconds = (performance.now() - t0) / 1000;
  const stats = t.stats();
  const words = stats.find((s) => s.component === 'count')!.executed;
  await cluster.shutdown(0);
  return {
    scenario, words, seconds, wordsPerSec: words / seconds, completeLatencyP50Ms: probe.p50, completeLatencyP99Ms: probe.p99, trees: probe.trees, probe,
  };
}

const run = scenario === 'ceiling' ? ceiling()
  : scenario === 'half' ? half(Number(rateArg))
  : scenario === 'shell' ? topology(true, 'no-task-ids')
  : scenario === 'shell-task-ids' ? topology(true, 'task-ids')
  : topology(scenario === 'acked');
run.then((r) => {
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ...r, peakRssMb })}\n`);
}).catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
