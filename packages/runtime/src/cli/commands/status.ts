import { AdminSession, topologyStatus, type StatusReport } from '../../cluster/admin/index.js';
import type { StatusArgs } from '../cluster-args.js';
import { resolveTarget } from '../cluster-client.js';
import { fmtDuration, fmtTime, table } from '../cluster-format.js';
import { writeText, type CliContext } from '../context.js';
import { fmtMs, oneLine, timesNote } from '../stats-format.js';

/** What `gale status <name> --json` prints (one entry per component: ComponentStatus). */
export type { StatusReport, ComponentStatus } from '../../cluster/admin/index.js';

/** `gale status <name>`: per-component counts, latency, placement, and the last errors (cluster/admin topologyStatus). */
export async function runStatus(args: StatusArgs, ctx: CliContext): Promise<number> {
  const session = await AdminSession.connect(resolveTarget(args, ctx, 'status'), ctx.log.child({ cmd: 'status' }));
  let report: StatusReport;
  try {
    report = await topologyStatus(session, args.name);
  } finally {
    await session.close();
  }
  await writeText(ctx.stdout, args.json ? `${JSON.stringify(report, null, 2)}\n` : `${statusText(report)}\n`);
  return 0;
}

function stalledLine(r: StatusReport): string {
  const since = r.stall.sinceCompletionMs === null ? '' : ` for ${fmtDuration(r.stall.sinceCompletionMs)}`;
  return `STALLED: ${r.stall.pending} trees pending and no tree completed${since} (messageTimeoutMs ${r.config.messageTimeoutMs}): a bolt holds or loses tuples, see docs/guarantees.md#stalled-trees`;
}

function statusText(r: StatusReport): string {
  const lines = [
    `topology "${r.name}": ${r.status}, ${r.workers.running} of ${r.workers.assigned} assigned workers running (${r.workers.wanted} wanted)` +
      `${r.assignmentVersion === null ? ', not assigned yet' : `, assignment version ${r.assignmentVersion}`}`,
    `deployed ${fmtTime(r.deployedAt)} from ${r.source} (up ${fmtDuration(r.uptimeMs)}), code ${r.codeSha256.slice(0, 12)}`,
    ...(r.stalled ? [stalledLine(r)] : []),
    '',
  ];
  // timed out, replayed and dead-lettered are spout counts (failed includes all three); they come
  // after the latency so the older columns keep their places.
  const rows = [['component', 'kind', 'executors', 'emitted', 'executed', 'acked', 'failed', 'pending', 'latency p50/p99', 'timed out', 'replayed', 'dead-lettered', 'where']];
  for (const c of r.components) {
    const latency = c.kind === 'spout' ? `complete ${fmtMs(c.completeLatencyMs.p50)}/${fmtMs(c.completeLatencyMs.p99)}`
      : c.kind === 'bolt' ? `execute ${fmtMs(c.executeLatencyMs.p50)}/${fmtMs(c.executeLatencyMs.p99)}` : '-';
    const spoutCount = (n: number | undefined): string => (c.kind === 'spout' ? String(n ?? 0) : '-');
    rows.push([
      c.component, c.kind ?? '?', String(c.executors), String(c.emitted), c.kind === 'spout' ? '-' : String(c.executed), String(c.acked),
      String(c.failed), c.kind === 'bolt' ? '-' : String(c.pending), latency,
      spoutCount(c.timedOut), spoutCount(c.replayed), spoutCount(c.deadLettered), c.where.join(',') || '-',
    ]);
  }
  lines.push(table(rows));
  const errorRows: string[][] = [];
  for (const [component, list] of Object.entries(r.errors)) {
    for (const e of list.slice(-3)) {
      const where = e.host === undefined ? '' : e.port === undefined ? e.host : `${e.host}:${e.port}`;
      errorRows.push([component, fmtTime(e.timeMs), where || '-', `${e.taskId === undefined ? '' : `task ${e.taskId}: `}${oneLine(e.message)}${e.source === undefined ? '' : ` (at ${e.source})`}${timesNote(e.count)}`]);
    }
  }
  lines.push('', errorRows.length === 0 ? 'errors: none' : 'errors (last 3 per component, oldest first):');
  if (errorRows.length > 0) lines.push(table(errorRows).split('\n').map((l) => `  ${l}`).join('\n'));
  return lines.join('\n');
}
