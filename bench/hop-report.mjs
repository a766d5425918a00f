#!/usr/bin/env node
// Per-hop breakdown of a cluster run traced with GALE_HOP_TRACE=<dir> (packages/runtime/src/hop-trace.ts,
// cluster/hop-trace-file.ts): joins the workers' hops-<pid>.f64 files by tree root and prints, for the
// trees emitted after the warm-up, where the slowest trees (>= p99 of all sampled trees) spent their
// time against the trees near the median, plus each worker's GC pauses, long engine runs and
// event-loop delay in the same window. Usage: node bench/hop-report.mjs <dir> [warmupMs=3000] [windowMs=5000] [--json]
//   GALE_HOP_TRACE=/tmp/hops GALE_BENCH_LATENCY_RATE=300000 GALE_BENCH_SKIP_TLS=1 node bench/cluster.mjs
//   node bench/hop-report.mjs /tmp/hops
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const H = {
  EMIT: 1, DATA_ENQUEUE: 2, DATA_ENCODE: 3, DATA_ENCODE_TIMER: 4, DATA_WRITE: 5, DATA_RECEIVE: 6, EXECUTE: 7,
  ACK_ENQUEUE: 8, ACK_ENCODE: 9, ACK_ENCODE_TIMER: 10, ACK_WRITE: 11, ACK_RECEIVE: 12, COMPLETE: 13,
  GC: 20, LONG_RUN: 21, LOOP_DELAY_P99: 22, LOOP_DELAY_MAX: 23,
};
const args = process.argv.slice(2).filter((a) => a !== '--json');
const asJson = process.argv.includes('--json');
const dir = args[0];
if (dir === undefined) {
  process.stderr.write('usage: hop-report.mjs <dir> [warmupMs] [windowMs] [--json]\n');
  process.exit(2);
}
const warmupMs = Number(args[1] ?? 3000);
const windowMs = Number(args[2] ?? 5000);

// --- Read every process's stamps.
const procs = [];
for (const f of readdirSync(dir).filter((n) => /^hops-\d+\.f64$/.test(n))) {
  const b = readFileSync(join(dir, f));
  const a = new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
  procs.push({ name: f.slice(5, -4), a, emits: 0 });
}
const trees = new Map(); // root -> { hop: time } (the first stamp of each hop)
for (const p of procs) {
  const a = p.a;
  for (let i = 0; i < a.length; i += 3) {
    const hop = a[i];
    if (hop >= H.GC) continue;
    if (hop === H.EMIT) p.emits++;
    const root = a[i + 1];
    let t = trees.get(root);
    if (t === undefined) trees.set(root, (t = {}));
    t[hop] ??= a[i + 2];
  }
}
const spoutProc = procs.reduce((m, p) => (p.emits > (m?.emits ?? -1) ? p : m), undefined);
let firstEmit = Infinity;
for (const t of trees.values()) if (t[H.EMIT] !== undefined && t[H.EMIT] < firstEmit) firstEmit = t[H.EMIT];
const from = firstEmit + warmupMs;
const to = from + windowMs;

const done = [];
for (const [root, t] of trees) {
  if (t[H.EMIT] === undefined || t[H.COMPLETE] === undefined || t[H.EMIT] < from || t[H.EMIT] > to) continue;
  done.push({ root, t, total: t[H.COMPLETE] - t[H.EMIT], remote: t[H.DATA_ENQUEUE] !== undefined });
}
done.sort((x, y) => x.total - y.total);
const q = (arr, p) => (arr.length === 0 ? NaN : arr[Math.min(arr.length - 1, Math.max(0, Math.ceil(p * arr.length) - 1))]);
const totals = done.map((d) => d.total);
const remote = done.filter((d) => d.remote);
const p99 = q(totals, 0.99);
const slow = done.filter((d) => d.total >= p99);
const remoteTotals = remote.map((r) => r.total);
const [medLo, medHi] = [q(remoteTotals, 0.45), q(remoteTotals, 0.55)];
const med = remote.filter((d) => d.total >= medLo && d.total <= medHi);

// --- Hops of a remote tree, in order (the encode hop is whichever of the two was stamped).
const enc = (t, a, b) => t[a] ?? t[b];
const SEGMENTS = [
  ['emit -> data enqueued (spout worker)', (t) => t[H.DATA_ENQUEUE] - t[H.EMIT]],
  ['enqueued -> frame encoded', (t) => enc(t, H.DATA_ENCODE, H.DATA_ENCODE_TIMER) - t[H.DATA_ENQUEUE]],
  ['encoded -> written (cork released)', (t) => t[H.DATA_WRITE] - enc(t, H.DATA_ENCODE, H.DATA_ENCODE_TIMER)],
  ['written -> read by bolt worker', (t) => t[H.DATA_RECEIVE] - t[H.DATA_WRITE]],
  ['read -> execute starts', (t) => t[H.EXECUTE] - t[H.DATA_RECEIVE]],
  ['execute -> ack enqueued', (t) => t[H.ACK_ENQUEUE] - t[H.EXECUTE]],
  ['ack enqueued -> frame encoded', (t) => enc(t, H.ACK_ENCODE, H.ACK_ENCODE_TIMER) - t[H.ACK_ENQUEUE]],
  ['ack encoded -> written', (t) => t[H.ACK_WRITE] - enc(t, H.ACK_ENCODE, H.ACK_ENCODE_TIMER)],
  ['ack written -> read by spout worker', (t) => t[H.ACK_RECEIVE] - t[H.ACK_WRITE]],
  ['ack read -> spout ack() (acker, outcome)', (t) => t[H.COMPLETE] - t[H.ACK_RECEIVE]],
];
const r3 = (x) => Math.round(x * 1000) / 1000;
function segStats(group) {
  return SEGMENTS.map(([name, f]) => {
    const v = group.map((d) => f(d.t)).filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
    const mean = v.reduce((s, x) => s + x, 0) / (v.length || 1);
    return { hop: name, n: v.length, mean: r3(mean), p50: r3(q(v, 0.5)), p90: r3(q(v, 0.9)), max: r3(v.at(-1) ?? NaN) };
  });
}

// --- Events per process in the window.
function events(p) {
  const gc = [];
  const runs = [];
  const loopP99 = [];
  const loopMax = [];
  const a = p.a;
  for (let i = 0; i < a.length; i += 3) {
    const hop = a[i];
    const v = a[i + 1];
    const t = a[i + 2];
    if (hop === H.GC && t >= from && t <= to) gc.push({ start: t, end: t + v, ms: v });
    else if (hop === H.LONG_RUN && t >= from && t <= to) runs.push({ start: t - v, end: t, ms: v });
    else if (hop === H.LOOP_DELAY_P99 && t >= from && t <= to) loopP99.push(v);
    else if (hop === H.LOOP_DELAY_MAX && t >= from && t <= to) loopMax.push(v);
  }
  return { gc, runs, loopP99, loopMax };
}
const ev = procs.map((p) => ({ p, ...events(p) }));
const overlap = (list, s, e) => list.some((x) => x.start < e && x.end > s);
const summary = ev.map(({ p, gc, runs, loopP99, loopMax }) => {
  const rms = runs.map((r) => r.ms).sort((x, y) => x - y);
  return {
    worker: p.name, role: p === spoutProc ? 'spout' : 'bolt',
    gc: { count: gc.length, ms: r3(gc.reduce((s, g) => s + g.ms, 0)), maxMs: r3(Math.max(0, ...gc.map((g) => g.ms))) },
    longRuns: { count: runs.length, totalMs: r3(rms.reduce((s, x) => s + x, 0)), p99: r3(q(rms, 0.99)), maxMs: r3(rms.at(-1) ?? 0) },
    loopDelay100ms: { p99Median: r3(q([...loopP99].sort((x, y) => x - y), 0.5)), p99Max: r3(Math.max(0, ...loopP99)), max: r3(Math.max(0, ...loopMax)) },
    slowTreesOverlapping: {
      gc: slow.filter((d) => overlap(gc, d.t[H.EMIT], d.t[H.COMPLETE])).length,
      longRun: slow.filter((d) => overlap(runs, d.t[H.EMIT], d.t[H.COMPLETE])).length,
      runOver2ms: slow.filter((d) => overlap(runs.filter((r) => r.ms > 2), d.t[H.EMIT], d.t[H.COMPLETE])).length,
    },
  };
});
const timerShare = (group, hop) => r3(group.filter((d) => d.t[hop] !== undefined).length / (group.length || 1));
const report = {
  window: { warmupMs, windowMs, sampledTrees: done.length, remoteShare: r3(remote.length / (done.length || 1)) },
  all: { p50: r3(q(totals, 0.5)), p90: r3(q(totals, 0.9)), p99: r3(p99), p999: r3(q(totals, 0.999)), max: r3(totals.at(-1) ?? NaN) },
  remote: { p50: r3(q(remoteTotals, 0.5)), p99: r3(q(remoteTotals, 0.99)) },
  slow: { trees: slow.length, remoteShare: r3(slow.filter((d) => d.remote).length / (slow.length || 1)),
    dataByTimer: timerShare(slow.filter((d) => d.remote), H.DATA_ENCODE_TIMER), ackByTimer: timerShare(slow.filter((d) => d.remote), H.ACK_ENCODE_TIMER) },
  median: { trees: med.length, dataByTimer: timerShare(med, H.DATA_ENCODE_TIMER), ackByTimer: timerShare(med, H.ACK_ENCODE_TIMER) },
  hopsSlow: segStats(slow.filter((d) => d.remote)),
  hopsMedian: segStats(med),
  localSlow: slow.filter((d) => !d.remote).map((d) => r3(d.total)).slice(0, 20),
  workers: summary,
};
if (asJson) {
  process.stdout.write(`${JSON.stringify(report)}\n`);
} else {
  const w = (s) => process.stdout.write(`${s}\n`);
  w(`sampled trees in window: ${done.length} (remote ${report.window.remoteShare}); all p50/p90/p99/p999/max ${report.all.p50}/${report.all.p90}/${report.all.p99}/${report.all.p999}/${report.all.max} ms; remote p50/p99 ${report.remote.p50}/${report.remote.p99}`);
  w(`slow (>= p99): ${slow.length} trees, remote ${report.slow.remoteShare}; batch encoded by the flush timer: data ${report.slow.dataByTimer}, ack ${report.slow.ackByTimer} (median band: ${report.median.dataByTimer}, ${report.median.ackByTimer})`);
  w('hop | median band mean (p90) | slowest >= p99 mean (p90, max) ms');
  for (let i = 0; i < SEGMENTS.length; i++) {
    const m = report.hopsMedian[i];
    const s = report.hopsSlow[i];
    w(`${m.hop} | ${m.mean} (${m.p90}) | ${s.mean} (${s.p90}, ${s.max})`);
  }
  if (report.localSlow.length > 0) w(`local trees among the slowest: ${report.localSlow.join(', ')} ms`);
  for (const s of summary) w(`${s.role} worker ${s.worker}: gc ${s.gc.count}x ${s.gc.ms} ms (max ${s.gc.maxMs}); runs > 0.5 ms ${s.longRuns.count}, ${s.longRuns.totalMs} ms (p99 ${s.longRuns.p99}, max ${s.longRuns.maxMs}); loop delay per 100 ms p99 median ${s.loopDelay100ms.p99Median}, worst ${s.loopDelay100ms.p99Max}, max ${s.loopDelay100ms.max}; slow trees overlapping gc ${s.slowTreesOverlapping.gc}, a long run ${s.slowTreesOverlapping.longRun} (> 2 ms: ${s.slowTreesOverlapping.runOver2ms})`);
}
