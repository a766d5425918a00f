import { AdminSession, listTopologies, type ListEntry } from '../../cluster/admin/index.js';
import type { ListArgs } from '../cluster-args.js';
import { resolveTarget } from '../cluster-client.js';
import { fmtDuration, fmtTime, table } from '../cluster-format.js';
import { statusLine, writeText, type CliContext } from '../context.js';

/** One row of `gale list --json`. */
export type { ListEntry } from '../../cluster/admin/index.js';

/** running/wanted, and the assigned count when the leader could not assign them all (no free slots). */
function workersCell(e: ListEntry): string {
  const cell = `${e.workersRunning}/${e.workers}`;
  return e.status !== 'killed' && e.workersAssigned < e.workers ? `${cell} (${e.workersAssigned} assigned)` : cell;
}

/** `gale list`: every deployed topology with its status, workers, executors and uptime. */
export async function runList(args: ListArgs, ctx: CliContext): Promise<number> {
  const log = ctx.log.child({ cmd: 'list' });
  const session = await AdminSession.connect(resolveTarget(args, ctx, 'list'), log);
  try {
    const entries = await listTopologies(session);
    if (args.json) {
      await writeText(ctx.stdout, `${JSON.stringify(entries, null, 2)}\n`);
      return 0;
    }
    if (entries.length === 0) {
      statusLine(ctx, `gale: no topologies deployed (ZooKeeper ${session.target.connectString}${session.paths.root})`);
      return 0;
    }
    const rows = [['name', 'status', 'workers', 'executors', 'deployed', 'uptime'],
      ...entries.map((e) => [e.name, e.stalled ? `${e.status} (stalled)` : e.status, workersCell(e), String(e.executors), fmtTime(e.deployedAt), fmtDuration(e.uptimeMs)])];
    await writeText(ctx.stdout, `${table(rows)}\n`);
    return 0;
  } finally {
    await session.close();
  }
}
