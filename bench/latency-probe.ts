// A paced spout that measures its own complete latency, for the latency benchmarks (local: bench/
// local-scenario.ts `half`, cluster: bench/cluster-topology.ts `mode=latency`).
//
// Why its own measurement instead of the engine's completeLatencyMs: the engine's histogram is
// cumulative since the topology started (warm-up, JIT and connection setup included) and reports a
// bucket's upper bound (up to 12.5% high, so a p99 of 15.36 ms is the edge of the 14.3-15.4 ms
// bucket). Here every tree of a fixed window after warm-up is timed from its emit to its ack() with
// performance.now(), kept exactly, and the achieved rate is acks in the window over the window's
// measured length. The engine's figure is still reported beside it.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { BaseRichSpout, type OutputFieldsDeclarer, type SpoutOutputCollector, type TopologyContext, type Values } from '@gale/runtime';

export interface ProbeOptions {
  fields: string[];
  generate: (seq: number) => Values;
  /** Trees per second for this task: a token bucket holding at most 10 ms' worth, as GeneratorSpout's (a loop stalled for longer loses the excess); 0: unpaced. */
  ratePerSec: number;
  warmupMs: number;
  windowMs: number;
  /** Where the result is written as JSON once the window is over (cluster: another process reads it). */
  out?: string;
  /** Called with the result once the window is over (in-process runs; the function is shared by the per-task copies). */
  onReport?: (r: ProbeResult) => void;
}

export interface ProbeResult {
  targetRate: number;
  achievedRate: number;
  windowMs: number;
  trees: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  /** Garbage collections in this process during the window: count and total pause ms per kind. */
  gc: Record<string, { count: number; ms: number; maxMs: number }>;
  /** Event-loop delay in the window (ms): how late timers and I/O callbacks ran. */
  loopDelay: { p50: number; p99: number; max: number };
}

const RING = 1 << 17; // > maxSpoutPending: emit times by seq
const GC_KINDS: Record<number, string> = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weak-callbacks' };

export class LatencyProbeSpout extends BaseRichSpout {
  private seq = 0;
  private tokens = 1;
  private last = 0;
  private startedAt = 0;
  private windowFrom = 0;
  private windowTo = 0;
  private emitAt = new Float64Array(RING);
  private samples = new Float64Array(0);
  private n = 0;
  private reported = false;
  private gc: ProbeResult['gc'] = {};
  private gcObserver: PerformanceObserver | undefined;
  // Created in open(): the instance is deep-copied per task before, and a native histogram is not copyable.
  private loop: ReturnType<typeof monitorEventLoopDelay> | undefined;

  constructor(private readonly opts: ProbeOptions) {
    super();
  }

  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(this.opts.fields);
  }

  override open(context: TopologyContext, collector: SpoutOutputCollector): void {
    super.open(context, collector);
    this.startedAt = this.last = performance.now();
    this.windowFrom = this.startedAt + this.opts.warmupMs;
    this.windowTo = this.windowFrom + this.opts.windowMs;
    this.samples = new Float64Array(Math.ceil((this.opts.ratePerSec * this.opts.windowMs) / 1000 * 1.2) + 1024);
    this.emitAt = new Float64Array(RING);
    this.loop = monitorEventLoopDelay({ resolution: 1 });
  }

  nextTuple(): void {
    const now = performance.now();
    if (this.gcObserver === undefined && now >= this.windowFrom) this.startWindow();
    if (this.opts.ratePerSec === 0) this.tokens = 1;
    else if (now > this.last) {
      this.tokens = Math.min(Math.max(1, this.opts.ratePerSec / 100), this.tokens + ((now - this.last) * this.opts.ratePerSec) / 1000);
      this.last = now;
    }
    if (this.tokens < 1) {
      if (!this.reported && now >= this.windowTo) this.report(now);
      return;
    }
    this.tokens -= 1;
    const seq = this.seq++;
    this.emitAt[seq & (RING - 1)] = now;
    this.collector.emit(this.opts.generate(seq), seq);
  }

  override ack(id: unknown): void {
    const now = performance.now();
    const at = this.emitAt[(id as number) & (RING - 1)]!;
    if (at >= this.windowFrom && now <= this.windowTo) {
      if (this.n === this.samples.length) {
        const grown = new Float64Array(this.n * 2);
        grown.set(this.samples);
        this.samples = grown;
      }
      this.samples[this.n++] = now - at;
    }
    if (!this.reported && now >= this.windowTo) this.report(now);
  }

  private startWindow(): void {
    this.gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.startTime < this.windowFrom || e.startTime > this.windowTo) continue;
        const kind = GC_KINDS[(e as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
        const g = (this.gc[kind] ??= { count: 0, ms: 0, maxMs: 0 });
        g.count++;
        g.ms += e.duration;
        g.maxMs = Math.max(g.maxMs, e.duration);
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
    this.loop!.enable();
  }

  private report(now: number): void {
    this.reported = true;
    this.loop!.disable();
    // GC entries are delivered asynchronously: collect the last ones before writing.
    setTimeout(() => this.write(now), 50);
  }

  private write(now: number): void {
    this.gcObserver?.disconnect();
    const s = this.samples.subarray(0, this.n).sort();
    const q = (p: number): number => (s.length === 0 ? 0 : s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!);
    let sum = 0;
    for (const v of s) sum += v;
    const r3 = (x: number): number => Math.round(x * 1000) / 1000;
    const ms = Math.min(now, this.windowTo) - this.windowFrom;
    const result: ProbeResult = {
      targetRate: this.opts.ratePerSec, achievedRate: Math.round((this.n / ms) * 1000), windowMs: Math.round(ms), trees: this.n,
      p50: r3(q(0.5)), p99: r3(q(0.99)), p999: r3(q(0.999)), max: r3(s.length === 0 ? 0 : s[s.length - 1]!), mean: r3(s.length === 0 ? 0 : sum / s.length),
      gc: Object.fromEntries(Object.entries(this.gc).map(([k, g]) => [k, { count: g.count, ms: r3(g.ms), maxMs: r3(g.maxMs) }])),
      loopDelay: { p50: r3(this.loop!.percentile(50) / 1e6), p99: r3(this.loop!.percentile(99) / 1e6), max: r3(this.loop!.max / 1e6) },
    };
    if (this.opts.out) writeFileSync(this.opts.out, JSON.stringify(result));
    this.opts.onReport?.(result);
  }
}
