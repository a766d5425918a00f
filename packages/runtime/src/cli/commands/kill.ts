import type { KillArgs } from '../cluster-args.js';
import { ClusterClient, ClusterCommandError, pollUntil, resolveTarget, sleep } from '../cluster-client.js';
import { statusLine, type CliContext } from '../context.js';

/** Longest default wait between deactivate and kill. */
const MAX_DEFAULT_WAIT_S = 30;
/** How long the leader gets to stop the workers and remove a killed topology. */
const REMOVAL_TIMEOUT_MS = 60_000;

/**
 * `gale kill <name>`: deactivates the topology, waits `--wait` seconds (default its
 * messageTimeoutMs, at most 30 s) so tuples in flight complete, marks it killed (its workers
 * stop), then waits until the leader has removed it from ZooKeeper.
 */
export async function runKill(args: KillArgs, ctx: CliContext): Promise<number> {
  const { name } = args;
  const client = await ClusterClient.connect(resolveTarget(args, ctx, 'kill'), ctx.log.child({ cmd: 'kill' }));
  try {
    const { record } = await client.requireRecord(name);
    if (record.status === 'killed') {
      statusLine(ctx, `gale: "${name}" is already being killed; waiting for the leader to remove it`);
    } else {
      const waitS = args.waitS ?? Math.min(record.config.messageTimeoutMs / 1000, MAX_DEFAULT_WAIT_S);
      await client.setStatus(name, 'inactive');
      if (waitS > 0) {
        statusLine(ctx, `gale: deactivated "${name}"; waiting ${waitS} s for tuples in flight before killing it`);
        await sleep(waitS * 1000);
      }
      await client.updateRecord(name, (r) => (r.status === 'killed' ? undefined : { ...r, status: 'killed' }));
      statusLine(ctx, `gale: killing "${name}": its workers stop; waiting for the leader to remove it`);
    }
    const gone = await pollUntil(async () => ((await client.record(name)) === undefined ? true : undefined), REMOVAL_TIMEOUT_MS, 250);
    if (gone === undefined) {
      const beats = await client.heartbeats(name);
      const sups = await client.supervisors();
      throw new ClusterCommandError('GALE_ERR_KILL_TIMEOUT', [
        `"${name}" is marked killed but was not removed within ${REMOVAL_TIMEOUT_MS / 1000} s`,
        beats.length > 0
          ? `workers still heartbeating: ${beats.map((b) => `${b.host}:${b.port} (supervisor ${b.supervisor}, pid ${b.pid})`).join(', ')}`
          : sups.length === 0 ? 'no supervisor is running, so no leader removes it; start one with "gale supervisor"' : `live supervisors: ${sups.join(', ')}`,
      ].join('\n'));
    }
    statusLine(ctx, `gale: killed "${name}"`);
    return 0;
  } finally {
    await client.close();
  }
}
