import { parseExecutorKey, type Assignment } from '../cluster/model.js';

/** Text tables and times for `gale deploy|list|status` (the stats they show are merged in cluster/admin). */

/** Left-aligned columns separated by two spaces; the first row is the header. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** 45s, 3m 12s, 2h 5m, 3d 4h */
export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** ISO time without milliseconds. */
export function fmtTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Workers of `a` in the order of the assignment, with their executors. */
export function assignmentRows(a: Assignment): string[][] {
  return [['worker', 'supervisor', 'executors'], ...a.workers.map((w) => [`${w.host}:${w.port}`, w.supervisor, [...w.executors].sort(byExecutor).join(' ')])];
}

function byExecutor(a: string, b: string): number {
  const x = parseExecutorKey(a);
  const y = parseExecutorKey(b);
  return x.component < y.component ? -1 : x.component > y.component ? 1 : x.index - y.index;
}
