/**
 * Opt-in per-hop timing of sampled trees across workers (issue 9: where the slowest trees spend
 * their time). Off unless a worker starts it (`GALE_HOP_TRACE=<dir>`, cluster/hop-trace-file.ts);
 * while off, each hop costs one property read (`hopTrace.on`). While on, a tree whose root id's mix
 * has its low bits clear ({@link sampledRoot}; `sampleMask`, 1 in 16 by default) is stamped at each hop with the clock the
 * starter gives (the system's monotonic clock, shared by the workers of one machine), into a
 * preallocated array: no allocation per stamp, and stamping stops when the array is full.
 * Besides the hops, the same array takes events with a value (a GC pause, a long engine run, the
 * event loop's delay), stamped with `root` holding the value.
 *
 * This module is a leaf (no imports, no `node:*`), so the engine, the transport and the cluster
 * layers may all stamp into it.
 */

/** What is stamped. Tree hops carry the root id; events carry a value in its place. */
export const Hop = {
  /** The spout's emit of a tracked tuple (its root id is assigned). */
  EMIT: 1,
  /** A data record taken by a peer client (into the open batch). */
  DATA_ENQUEUE: 2,
  /** That record's batch encoded as a frame (by a full batch, an explicit flush, or the timer). */
  DATA_ENCODE: 3,
  /** The same, when the flush timer encoded it. */
  DATA_ENCODE_TIMER: 4,
  /** The frame written to the socket (the turn's cork released). */
  DATA_WRITE: 5,
  /** The record read and decoded by the receiving worker. */
  DATA_RECEIVE: 6,
  /** A bolt's execute of it starts. */
  EXECUTE: 7,
  /** An ack record for the tree taken by a peer client. */
  ACK_ENQUEUE: 8,
  ACK_ENCODE: 9,
  ACK_ENCODE_TIMER: 10,
  ACK_WRITE: 11,
  /** The ack read by the worker of the tree's acker. */
  ACK_RECEIVE: 12,
  /** The spout's `ack()` called (the tree completed). */
  COMPLETE: 13,
  /** Event: a GC pause ended; value = its length in ms (stamped at its start). */
  GC: 20,
  /** Event: an engine run ended that took longer than LONG_RUN_MS; value = its length in ms. */
  LONG_RUN: 21,
  /** Event: the event loop's delay p99 over the last interval, in ms. */
  LOOP_DELAY_P99: 22,
  /** Event: the event loop's longest delay over the last interval, in ms. */
  LOOP_DELAY_MAX: 23,
} as const;

/** Engine runs longer than this are stamped as LONG_RUN events. */
export const LONG_RUN_MS = 0.5;

interface HopTraceState {
  /** True while tracing: the one check every hop makes. */
  on: boolean;
  mask: number;
  now: () => number;
  /** `[hop, root or value, time]` triples. */
  buf: Float64Array;
  n: number;
}

/** The process's trace (one per process: the hops of a worker's engine and transport share it). */
export const hopTrace: HopTraceState = { on: false, mask: 15, now: () => 0, buf: new Float64Array(0), n: 0 };

/** Starts tracing: `capacity` stamps at most, roots whose mix has `(mix & sampleMask) === 0` ({@link sampledRoot}). */
export function startHopTrace(now: () => number, capacity: number, sampleMask = 15): void {
  hopTrace.now = now;
  hopTrace.mask = sampleMask;
  hopTrace.buf = new Float64Array(capacity * 3);
  hopTrace.n = 0;
  hopTrace.on = true;
}

/** Stops tracing and returns the stamps taken. */
export function stopHopTrace(): Float64Array {
  hopTrace.on = false;
  const taken = hopTrace.buf.subarray(0, hopTrace.n * 3);
  hopTrace.buf = new Float64Array(0);
  hopTrace.n = 0;
  return taken;
}

/**
 * Whether `root`'s tree is traced: the low bits of a 32-bit mix of the root id are clear. Not its
 * own low bits: a spout in a cluster fixes `root mod ackers` (acker.ts ByRoot.localRoot), so with
 * 4 ackers 3 spout tasks in 4 had no root with clear low bits and were never sampled (with 2, half).
 * The same function in every process, so every worker picks the same trees.
 */
export function sampledRoot(root: number): boolean {
  // murmur3's fmix32 of the low 32 bits: every output bit depends on every input bit.
  let h = root >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h & hopTrace.mask) === 0;
}

/** Stamps `hop` for `root` now, when `root` is sampled. Call only when `hopTrace.on`. */
export function stampHop(hop: number, root: number): void {
  if (sampledRoot(root)) stampEvent(hop, root, hopTrace.now());
}

/** Stamps an event (or a hop at a given time). Call only when `hopTrace.on`. */
export function stampEvent(hop: number, value: number, at: number): void {
  const t = hopTrace;
  const i = t.n * 3;
  if (i >= t.buf.length) return;
  t.buf[i] = hop;
  t.buf[i + 1] = value;
  t.buf[i + 2] = at;
  t.n++;
}

/** Stamps an engine run from `start` to `end` (ms, the engine's clock) when it took longer than LONG_RUN_MS. */
export function stampRun(start: number, end: number): void {
  if (end - start > LONG_RUN_MS) stampEvent(Hop.LONG_RUN, end - start, hopTrace.now());
}
