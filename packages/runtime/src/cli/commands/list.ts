import type { TopologyStatus } from '../../cluster/model.js';
import type { ListArgs } from '../cluster-args.js';
import { ClusterClient, resolveTarget, runningWorkers } from '../cluster-client.js';
import { fmtDuration, fmtTime, table } from '../cluster-format.js';
import { statusLine, writeText, type CliContext } from '../context.js';

/** One row of `gale list --json`. */
export interface ListEntry {
  name: string;
  status: TopologyStatus;
  /** Workers the topology asks for. */
  workers: number;
  /** Workers of the current assignment that heartbeat as running it. */
  workersRunning: number;
  /** Executors of every component, ackers included. */
  executors: number;
  /** Epoch ms. */
  deployedAt: number;
  uptimeMs: number;
  /** null before the leader assigned it. */
  assignmentVersion: number | null;
}

/** `gale list`: every deployed topology with its status, workers, executors and uptime. */
export async function runList(args: ListArgs, ctx: CliContext): Promise<number> {
  const log = ctx.log.child({ cmd: 'list' });
  const client = await ClusterClient.connect(resolveTarget(args, ctx, 'list'), log);
  try {
    const entries: ListEntry[] = [];
    for (const name of await client.topologyNames()) {
      const r = await client.record(name);
      if (r === undefined) continue; // removed meanwhile
      const a = await client.assignment(name);
      const running = a === undefined ? 0 : runningWorkers(a, await client.heartbeats(name)).running.length;
      const now = Date.now();
      entries.push({
        name,
        status: r.record.status,
        workers: r.record.workers,
        workersRunning: running,
        executors: Object.values(r.record.parallelism).reduce((n, p) => n + p, 0),
        deployedAt: r.record.deployedAt,
        uptimeMs: Math.max(0, now - r.record.deployedAt),
        assignmentVersion: a?.version ?? null,
      });
    }
    if (args.json) {
      await writeText(ctx.stdout, `${JSON.stringify(entries, null, 2)}\n`);
      return 0;
    }
    if (entries.length === 0) {
      statusLine(ctx, `gale: no topologies deployed (ZooKeeper ${client.target.connectString}${client.paths.root})`);
      return 0;
    }
    const rows = [['name', 'status', 'workers', 'executors', 'deployed', 'uptime'],
      ...entries.map((e) => [e.name, e.status, `${e.workersRunning}/${e.workers}`, String(e.executors), fmtTime(e.deployedAt), fmtDuration(e.uptimeMs)])];
    await writeText(ctx.stdout, `${table(rows)}\n`);
    return 0;
  } finally {
    await client.close();
  }
}
