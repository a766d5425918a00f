// Analytics, metrics and scaling scenarios, one per fresh process; prints one JSON line. Run by
// bench/analytics.mjs (GALE_BENCH_ONLY selects parts). argv: <scenario> <corpus> [extra].
//   wc:             FileLineSpout -> split (2) -> count (2, a Map, acks), ackers 1: the reference
//   window:         the same with a WindowedCountBolt (sliding 10 s / 1 s, processing time) as count,
//                   rows anchored to their key's tuples in the window (the default)
//   window-new:     the same, rows anchored only to their key's new tuples (anchor: 'new-tuples')
//   window-panes:   the same, rows unanchored (anchor: 'none'): the window runs in panes (per-key
//                   counts and held acks merged per tree, per 1 s pane; no tuple kept), with a
//                   maxSpoutPending that does not throttle it (GALE_BENCH_WINDOW_PANES_PENDING, default 2M lines)
//   window-panes-event: the same in event time (EventPaneWindowExecutor): the timestamp is read by an
//                   extractor from the wall clock at the window, read every 256 tuples (the corpus has
//                   none; in order, lag 0, watermark every 1 s): what the watermark and panes by timestamp add
//   hold:           the reference's count in a Map, keeping every tuple un-acked (no window logic):
//                   what holding the tuples alone costs, the floor of any 10 s window in this run
//   ckpt-off:       the reference with a counting bolt like the stateful one below, but a Map: no state, no checkpoints
//   ckpt-1s:        StatefulBolt (memory backend) counting in its KeyValueState, checkpointIntervalMs 1000
//                   (a stateful bolt always checkpoints: there is no stateful run without them)
//   ckpt-off-batched / ckpt-1s-batched: the same pair in word-count.ts's default shape (a tree per
//                   batch of lines, split combining [word, n] per batch, the count adding n): what a
//                   checkpoint costs when trees are batches rather than lines
//   ckpt-off-trees / ckpt-1s-trees: the ckpt-off / ckpt-1s pair (a tuple per line, split per line,
//                   a tuple per word) with FileLineSpout linesPerTree (GALE_BENCH_CHECKPOINT_LINES_PER_TREE,
//                   default 1000): lines grouped in trees of that many (emitTree), tracking paid per tree
//   metrics-on / metrics-off / metrics-consumer: the reference with metricsEnabled true / false /
//                   true plus a metrics consumer bolt at metricsIntervalMs 1000
//   metrics-ab <corpus> <rounds>: those three in one process, rotating, <rounds> times each
//   exec-<n>:       the reference, unacked, with n executors for split and for count
//   redis-plain <url> <n>: ioredis XREADGROUP COUNT 100 + XACK loop over stream "bench" (own group)
//   redis-spout <url> <n>: RedisStreamSpout -> count (2, fields), acked, over the same stream (own group)
//   memory <trees>: a spout keeps <trees> trees in flight (never acked) through one bolt; heap and RSS;
//                   then the bolt also keeps its inputs: bytes per held tuple (what a window holds per tuple)
// Throughput is "words executed by the counting bolt / time from submit to the last one executed",
// polled every 50 ms in every scenario alike (a stats snapshot costs ~0.1 ms): a window or checkpoint holds acks back by design, so
// waiting for the trees to complete would time the window, not the work.
import { readFile } from 'node:fs/promises';
import {
  BaseBasicBolt, BaseRichBolt, BaseRichSpout, BaseStatefulBolt, Duration, LocalCluster, TopologyBuilder, slidingWindow,
  type BasicOutputCollector, type KeyValueState, type LocalTopology, type OutputFieldsDeclarer,
  type Topology, type Tuple,
} from '@gale/runtime';
import { FileLineSpout, RedisStreamSpout } from '@gale/spout-kit';
import { CountBolt, WindowedCountBolt } from '@gale/bolt-kit';
import { SplitWordsBolt, WORD_COUNT_CHUNK_BYTES, WORD_COUNT_LINES_PER_TUPLE, forEachAsciiWord } from '../topologies/word-count.js';

const [scenario, arg1, arg2] = process.argv.slice(2) as [string, string, string | undefined];
const LINES_PER_TREE = Number(process.env.GALE_BENCH_CHECKPOINT_LINES_PER_TREE ?? 1000);

/** Counts words in a Map and acks: the plain counting bolt, shaped like {@link StatefulCount}. */
class MapCount extends BaseRichBolt {
  private readonly counts = new Map<string, number>();
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    const w = t.values[0] as string;
    this.counts.set(w, (this.counts.get(w) ?? 0) + 1);
    this.collector.ack(t);
  }
}

/**
 * Counts in a Map and keeps every tuple, un-acked, as a window does for its length: no window
 * logic at all, so it measures what holding the tuples costs (GC), the floor of any window.
 */
class HoldCount extends BaseRichBolt {
  private readonly counts = new Map<string, number>();
  private readonly held: Tuple[] = [];
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    if (t.isTick()) return;
    const w = t.values[0] as string;
    this.counts.set(w, (this.counts.get(w) ?? 0) + 1);
    this.held.push(t);
  }
}

class StatefulCount extends BaseStatefulBolt<KeyValueState<string, number>> {
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    const w = t.values[0] as string;
    this.state.put(w, this.state.get(w, 0) + 1);
    this.collector.ack(t);
  }
}

/** Words counted by the batched counting bolts below (the sum of their `n`s): their progress. */
let wordsCounted = 0;

/** {@link MapCount} for `[word, n]` tuples. */
class MapCountN extends BaseRichBolt {
  private readonly counts = new Map<string, number>();
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    const w = t.values[0] as string;
    const n = t.values[1] as number;
    this.counts.set(w, (this.counts.get(w) ?? 0) + n);
    wordsCounted += n;
    this.collector.ack(t);
  }
}

/** {@link StatefulCount} for `[word, n]` tuples. */
class StatefulCountN extends BaseStatefulBolt<KeyValueState<string, number>> {
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    const w = t.values[0] as string;
    const n = t.values[1] as number;
    this.state.put(w, this.state.get(w, 0) + n);
    wordsCounted += n;
    this.collector.ack(t);
  }
}

class NullConsumer extends BaseBasicBolt {
  seen = 0;
  declareOutputFields(): void {}
  execute(_t: Tuple, _c: BasicOutputCollector): void {
    this.seen++;
  }
}

async function countWords(path: string): Promise<number> {
  const text = await readFile(path, 'utf8');
  let n = 0;
  for (const line of text.split('\n')) forEachAsciiWord(line, () => n++);
  return n;
}

/** The tuple windows' maxTuples (per task): the most a window may hold. */
const WINDOW_MAX_TUPLES = 1_000_000;

/**
 * maxSpoutPending (lines) for the tuple-holding scenarios: every word of a pending line may sit in
 * one window task (fields grouping on a skewed vocabulary), so at most maxTuples / (most words on
 * a line) lines pending keeps that task within maxTuples (else it fails input with
 * GALE_ERR_WINDOW_FULL). The build's check cannot see this: it bounds trees (lines), not the words
 * each fans out to.
 */
async function tupleWindowPending(path: string): Promise<number> {
  let most = 1;
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    let n = 0;
    forEachAsciiWord(line, () => n++);
    if (n > most) most = n;
  }
  return Math.floor(WINDOW_MAX_TUPLES / most);
}

/** Submits, polls until `component` executed `words` tuples, and returns words/s and the time. */
async function runUntilExecuted(top: Topology, component: string, words: number): Promise<Record<string, number | null>> {
  return runUntil(top, (t) => t.stats().find((s) => s.component === component)!.executed, words, component);
}

/** Submits, polls `progress` until it reaches `words`, and returns words/s and the time. */
async function runUntil(top: Topology, progress: (t: LocalTopology) => number, words: number, what: string): Promise<Record<string, number | null>> {
  const cluster = new LocalCluster();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const t: LocalTopology = await cluster.submit(top);
  let executed = 0;
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    executed = progress(t);
    if (executed >= words) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpuSeconds = (c.user + c.system) / 1e6;
  if (executed < words) throw new Error(`${scenario}: ${what} reached ${executed} of ${words}`);
  const spout = t.stats().find((s) => s.component === 'lines')!;
  const out = { words: executed, seconds, wordsPerSec: executed / seconds, cpuSeconds, wordsPerCpuSec: executed / cpuSeconds, completeLatencyP50Ms: spout.completeLatencyMs.p50, completeLatencyP99Ms: spout.completeLatencyMs.p99 };
  await cluster.shutdown(0);
  return out;
}

/**
 * window-panes-event's timestamps: the wall clock, read every 256 tuples rather than per tuple, so
 * that the extractor costs what reading a timestamp field would (Date.now() per tuple was 7% of the
 * CPU profile, a cost of this bench's input rather than of event time).
 */
let coarseNow = Date.now();
let stamped = 0;
const coarseClock = (): number => ((++stamped & 255) === 0 ? (coarseNow = Date.now()) : coarseNow);

function wordCount(count: 'map' | 'kit' | 'window' | 'window-new' | 'window-panes' | 'window-panes-event' | 'hold' | 'stateful', config: Record<string, unknown>, executors = 2, consumer = false, linesPerTree?: number): Topology {
  const b = new TopologyBuilder();
  b.setSpout('lines', new FileLineSpout({ path: arg1, ...(linesPerTree === undefined ? {} : { linesPerTree }) }));
  b.setBolt('split', new SplitWordsBolt(), executors).shuffleGrouping('lines');
  const bolt = count === 'map' ? new MapCount() : count === 'hold' ? new HoldCount() : count === 'stateful' ? new StatefulCount()
    : count === 'kit' ? new CountBolt({ keyField: 'word', emit: false })
    : new WindowedCountBolt({
      window: slidingWindow(Duration.ofSeconds(10), Duration.ofSeconds(1), count === 'window-panes-event' ? { timestamp: coarseClock, watermarkIntervalMs: 1000 } : { maxTuples: WINDOW_MAX_TUPLES }),
      keyField: 'word', anchor: count === 'window-new' ? 'new-tuples' : count === 'window-panes' || count === 'window-panes-event' ? 'none' : 'key-tuples',
    });
  b.setBolt('count', bolt, executors).fieldsGrouping('split', ['word']);
  if (consumer) b.setMetricsConsumer('metrics-sink', new NullConsumer());
  return b.build({ name: `bench-${scenario}`, config: { ackers: 1, ...config } });
}

/** word-count.ts's default shape with a Map count or a stateful count (checkpoint every 1 s). */
function batchedCount(stateful: boolean): Topology {
  const b = new TopologyBuilder();
  b.setSpout('lines', new FileLineSpout({ path: arg1, linesPerTuple: WORD_COUNT_LINES_PER_TUPLE, chunkBytes: WORD_COUNT_CHUNK_BYTES }));
  b.setBolt('split', new SplitWordsBolt({ combine: true }), 2).shuffleGrouping('lines');
  b.setBolt('count', stateful ? new StatefulCountN() : new MapCountN(), 2).fieldsGrouping('split', ['word']);
  const config = stateful ? { checkpointIntervalMs: 1000, stateBackend: 'memory' as const } : {};
  return b.build({ name: `bench-${scenario}`, config: { ackers: 1, ...config } });
}

async function local(): Promise<Record<string, unknown>> {
  const words = await countWords(arg1);
  switch (scenario) {
    case 'wc': return runUntilExecuted(wordCount('kit', {}), 'count', words);
    // Every line stays pending until its words left every window (~11 s): the pending lines bound
    // what a window task holds (tupleWindowPending; hold alike, to compare).
    case 'window':
    case 'window-new':
    case 'hold': return runUntilExecuted(wordCount(scenario, { maxSpoutPending: await tupleWindowPending(arg1), messageTimeoutMs: 60_000 }), 'count', words);
    // Panes hold no tuples, so maxTuples does not cap the pending trees. Every line stays pending
    // ~11 s: 2M lines (~20M words) in flight keep the spout from stalling below ~1.9M words/s.
    case 'window-panes':
    case 'window-panes-event': return runUntilExecuted(wordCount(scenario, { maxSpoutPending: Number(process.env.GALE_BENCH_WINDOW_PANES_PENDING ?? 2_000_000), messageTimeoutMs: 60_000 }), 'count', words);
    case 'ckpt-off': return runUntilExecuted(wordCount('map', {}), 'count', words);
    // No maxSpoutPending (unlimited, the default), in both: with p the stateful run would complete at
    // most ~p lines per interval (docs/state.md, Throughput) and time that bound, not the engine; so it
    // holds every line of ~1-2 intervals instead (peak RSS ~130 MB at 1M words, ~300 MB at 10M).
    case 'ckpt-1s': return runUntilExecuted(wordCount('stateful', { checkpointIntervalMs: 1000, stateBackend: 'memory' }), 'count', words);
    case 'ckpt-off-trees': return runUntilExecuted(wordCount('map', {}, 2, false, LINES_PER_TREE), 'count', words);
    case 'ckpt-1s-trees': return runUntilExecuted(wordCount('stateful', { checkpointIntervalMs: 1000, stateBackend: 'memory' }, 2, false, LINES_PER_TREE), 'count', words);
    case 'ckpt-off-batched': return runUntil(batchedCount(false), () => wordsCounted, words, 'words counted');
    case 'ckpt-1s-batched': return runUntil(batchedCount(true), () => wordsCounted, words, 'words counted');
    case 'metrics-ab': return metricsAb(words, Number(arg2 ?? 6));
    case 'metrics-on': return runUntilExecuted(wordCount('kit', { metricsEnabled: true }), 'count', words);
    case 'metrics-off': return runUntilExecuted(wordCount('kit', { metricsEnabled: false }), 'count', words);
    case 'metrics-consumer': return runUntilExecuted(wordCount('kit', { metricsIntervalMs: 1000 }, 2, true), 'count', words);
    default: {
      const m = /^exec-(\d+)$/.exec(scenario);
      if (m === null) throw new Error(`unknown scenario ${scenario}`);
      return runUntilExecuted(wordCount('kit', { ackers: 0 }, Number(m[1])), 'count', words);
    }
  }
}

/**
 * Metrics off / on / on with a consumer in ONE process, `rounds` times, the order rotating every
 * round, so that the machine's load drifts over all three alike (separate processes on a shared
 * machine differ by more than the few percent to measure). Sums wall and CPU time per variant.
 */
async function metricsAb(words: number, rounds: number): Promise<Record<string, unknown>> {
  const variants = [
    ['off', () => wordCount('kit', { metricsEnabled: false })],
    ['on', () => wordCount('kit', { metricsEnabled: true })],
    ['consumer', () => wordCount('kit', { metricsIntervalMs: 1000 }, 2, true)],
  ] as const;
  const sum: Record<string, { seconds: number; cpuSeconds: number; words: number }> = {};
  for (const [name] of variants) sum[name] = { seconds: 0, cpuSeconds: 0, words: 0 };
  await runUntilExecuted(variants[0][1](), 'count', words); // warm-up: JIT, file cache
  for (let i = 0; i < rounds; i++) {
    for (let j = 0; j < variants.length; j++) {
      const [name, top] = variants[(i + j) % variants.length]!;
      const r = await runUntilExecuted(top(), 'count', words);
      sum[name]!.seconds += r.seconds as number;
      sum[name]!.cpuSeconds += r.cpuSeconds as number;
      sum[name]!.words += r.words as number;
    }
  }
  const rate = (n: string, k: 'seconds' | 'cpuSeconds'): number => sum[n]!.words / sum[n]![k];
  return {
    rounds, words, sums: sum,
    wordsPerSec: rate('on', 'seconds'), offWordsPerSec: rate('off', 'seconds'), consumerWordsPerSec: rate('consumer', 'seconds'),
    wordsPerCpuSec: rate('on', 'cpuSeconds'), offWordsPerCpuSec: rate('off', 'cpuSeconds'), consumerWordsPerCpuSec: rate('consumer', 'cpuSeconds'),
  };
}

/** User + system CPU seconds of this process since `c0`. */
function cpuSince(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

async function redisPlain(url: string, n: number): Promise<Record<string, unknown>> {
  const { Redis } = await import('ioredis');
  const r = new Redis(url);
  await r.xgroup('CREATE', 'bench', 'plain', '0');
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let got = 0;
  const counts = new Map<string, number>();
  while (got < n) {
    const reply = (await r.xreadgroup('GROUP', 'plain', 'c0', 'COUNT', 100, 'BLOCK', 1000, 'STREAMS', 'bench', '>')) as [string, [string, string[]][]][] | null;
    if (reply === null) break;
    const entries = reply[0]![1];
    const ids: string[] = [];
    for (const [id, fields] of entries) {
      ids.push(id);
      const w = fields[1]!;
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
    got += entries.length;
    await r.xack('bench', 'plain', ...ids);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuSince(c0);
  r.disconnect();
  if (got < n) throw new Error(`redis-plain read ${got} of ${n}`);
  return { words: got, seconds, wordsPerSec: got / seconds, cpuSeconds, wordsPerCpuSec: got / cpuSeconds };
}

async function redisSpout(url: string, n: number): Promise<Record<string, unknown>> {
  const b = new TopologyBuilder();
  b.setSpout('lines', new RedisStreamSpout({ url, stream: 'bench', group: 'gale', fields: ['word'], batchSize: 100 }));
  b.setBolt('count', new CountBolt({ keyField: 'word', emit: false }), 2).fieldsGrouping('lines', ['word']);
  const cluster = new LocalCluster();
  const t = await cluster.submit(b.build({ name: 'bench-redis', config: { ackers: 1, maxSpoutPending: 5000 } }));
  // Timed from the first emit (connecting and creating the group are outside, as for the plain loop).
  let t0 = 0;
  let c0 = process.cpuUsage();
  let previous = performance.now();
  let acked = 0;
  const deadline = Date.now() + 600_000;
  while (acked < n && Date.now() < deadline) {
    const s = t.stats().find((x) => x.component === 'lines')!;
    const now = performance.now();
    if (t0 === 0 && s.emitted > 0) {
      t0 = (previous + now) / 2;
      c0 = process.cpuUsage();
    }
    previous = now;
    acked = s.acked;
    if (acked < n) await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = cpuSince(c0);
  const spout = t.stats().find((s) => s.component === 'lines')!;
  await cluster.shutdown(0);
  if (acked < n) throw new Error(`redis-spout acked ${acked} of ${n}`);
  return { words: acked, seconds, wordsPerSec: acked / seconds, cpuSeconds, wordsPerCpuSec: acked / cpuSeconds, completeLatencyP50Ms: spout.completeLatencyMs.p50, completeLatencyP99Ms: spout.completeLatencyMs.p99 };
}

/** Emits trees that no bolt acks, up to `target` in flight, then measures heap and RSS. */
class HoldSpout extends BaseRichSpout {
  private seq = 0;
  constructor(private readonly target: number) { super(); }
  declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['n']); }
  nextTuple(): void {
    for (let i = 0; i < 1000 && this.seq < this.target; i++) this.collector.emit([this.seq], this.seq++);
  }
}

class HoldBolt extends BaseRichBolt {
  private readonly held: Tuple[] = [];
  /** keep: the bolt also keeps each input (as a window does), so the tuple objects stay alive too. */
  constructor(private readonly keep = false) { super(); }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    // Never acks: the tree stays pending.
    if (this.keep) this.held.push(t);
  }
}

async function memory(trees: number): Promise<Record<string, unknown>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const measure = (): { heap: number; rss: number } => {
    gc?.();
    gc?.();
    const m = process.memoryUsage();
    return { heap: m.heapUsed + m.arrayBuffers + m.external, rss: m.rss };
  };
  const run = async (n: number, keep = false): Promise<{ heap: number; rss: number }> => {
    const b = new TopologyBuilder();
    b.setSpout('src', new HoldSpout(n));
    b.setBolt('hold', new HoldBolt(keep)).shuffleGrouping('src');
    const cluster = new LocalCluster();
    const t = await cluster.submit(b.build({ name: 'bench-memory', config: { ackers: 1, messageTimeoutMs: 600_000 } }));
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline && t.stats().find((s) => s.component === 'hold')!.executed < n) await new Promise((r) => setTimeout(r, 20));
    const m = measure();
    await cluster.shutdown(0);
    return m;
  };
  const base = await run(1000);
  const full = await run(trees);
  // The same with the bolt keeping its inputs: the difference is what one held (tracked) tuple
  // costs beyond its tree, the per-tuple memory of a window (its values array included).
  const keptBase = await run(1000, true);
  const kept = await run(trees, true);
  const bytesPerTree = (full.heap - base.heap) / (trees - 1000);
  const bytesPerHeldTuple = (kept.heap - keptBase.heap) / (trees - 1000) - bytesPerTree;
  return { trees, bytesPerTree, bytesPerHeldTuple, heapMb: full.heap / 2 ** 20, rssMb: full.rss / 2 ** 20, baselineRssMb: base.rss / 2 ** 20 };
}

const run = scenario === 'redis-plain' ? redisPlain(arg1, Number(arg2))
  : scenario === 'redis-spout' ? redisSpout(arg1, Number(arg2))
  : scenario === 'memory' ? memory(Number(arg1))
  : local();
run.then((r) => {
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ scenario, ...r, peakRssMb })}\n`);
}).catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
