// Readers of log-analytics' output files, shared by its local test and its cluster test
// (test/cluster/log-analytics-deploy.test.ts): both compare them with batchCounts().
import { existsSync, readFileSync } from 'node:fs';

/** A row of the dead-letter file: a malformed line, or a record too late for every window. */
export type DeadRow = { line: string; reason: string } | { reason: 'late'; field: string; value: string; ts: number; watermark: number };

const rows = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : []);

/**
 * `windowStart|value` -> count, as the file sink wrote them (empty while the file is missing).
 * Throws on a row of another field or window length, or a window/value written twice.
 */
export function fileCounts(output: string, field: string, windowMs: number): Map<string, number> {
  const got = new Map<string, number>();
  for (const l of rows(output)) {
    const r = JSON.parse(l) as { field: string; value: string; count: number; windowStart: number; windowEnd: number };
    const k = `${r.windowStart}|${r.value}`;
    if (r.field !== field || r.windowEnd - r.windowStart !== windowMs || got.has(k)) throw new Error(`unexpected row in ${output}: ${l}`);
    got.set(k, r.count);
  }
  return got;
}

/** The rows of the dead-letter file (none while it is missing). */
export const deadRows = (file: string): DeadRow[] => rows(file).map((l) => JSON.parse(l) as DeadRow);

/** Map equality for polling (`waitFor`, `until`) before the exact `toEqual`. */
export const sameCounts = (a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean =>
  a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
