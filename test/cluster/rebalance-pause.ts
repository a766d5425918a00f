// What a parallelism-only rebalance costs a running topology, measured from the outside on a real
// cluster: test/cluster/fixtures/rebalance-ledger.ts logs every ack and fail with its time; this
// reads those logs. Used by test/cluster/rebalance-parallelism.test.ts, which prints the numbers
// (docs/cluster.md#rebalance quotes them). Rerun alone on a quiet machine with
// `npx jest test/cluster/rebalance-parallelism.test.ts`.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface PauseReport {
  /** Ids 1..n never acked. */
  readonly lost: number;
  /** Longest time with no tree completed, from the rebalance on (ms). */
  readonly pauseMs: number;
  /** From the rebalance until the last 500 ms window with fewer than half the steady acks (0: never below). */
  readonly recoverMs: number;
  /** fail() calls after the rebalance (each a replay). */
  readonly failed: number;
  /** Of those, trees that were at least 90 % of messageTimeoutMs old: timed out, not failed fast. */
  readonly timedOut: number;
}

function readLog(dir: string, prefix: string): number[][] {
  if (!existsSync(dir)) return [];
  const out: number[][] = [];
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(`${prefix}-`)) continue;
    for (const line of readFileSync(path.join(dir, f), 'utf8').split('\n')) if (line !== '') out.push(line.split(' ').map(Number));
  }
  return out;
}

/** Distinct ids acked so far. */
export function ackedCount(dir: string): number {
  return new Set(readLog(dir, 'acked').map((l) => l[0])).size;
}

/** The ledger's evidence since `rebalancedAt` (Date.now() when the rebalance was written). */
export function pauseReport(dir: string, n: number, rebalancedAt: number, ratePerS: number, messageTimeoutMs: number): PauseReport {
  const acks = readLog(dir, 'acked');
  const ids = new Set(acks.map((l) => l[0]));
  const times = acks.map((l) => l[1]!).sort((a, b) => a - b);
  // Only while new ids were still due: the tail after the last id is no pause.
  const end = times[times.length - 1] ?? rebalancedAt;
  let pauseMs = 0;
  let prev = Math.max(rebalancedAt, times.filter((t) => t <= rebalancedAt).pop() ?? rebalancedAt);
  for (const t of times) {
    if (t <= rebalancedAt) continue;
    pauseMs = Math.max(pauseMs, t - prev);
    prev = t;
  }
  let recoverMs = 0;
  const windowMs = 500;
  const low = (ratePerS * windowMs) / 1000 / 2;
  for (let from = rebalancedAt; from + windowMs <= end - windowMs; from += windowMs) {
    const count = times.filter((t) => t >= from && t < from + windowMs).length;
    if (count < low) recoverMs = from + windowMs - rebalancedAt;
  }
  const fails = readLog(dir, 'failed').filter((l) => l[1]! >= rebalancedAt);
  let lost = 0;
  for (let i = 1; i <= n; i++) if (!ids.has(i)) lost++;
  return { lost, pauseMs, recoverMs, failed: fails.length, timedOut: fails.filter((l) => l[2]! >= messageTimeoutMs * 0.9).length };
}
