import { AdminRequestError, AdminSession, rebalanceTopology, type RebalanceResult } from '../../cluster/admin/index.js';
import { waitForRebalanceDrain } from '../../cluster/admin/rebalance.js';
import { CLUSTER_CONFIG_DEFAULTS } from '../../config/cluster-config.js';
import type { RebalanceArgs } from '../cluster-args.js';
import { resolveTarget } from '../cluster-client.js';
import { assignmentRows, table } from '../cluster-format.js';
import { statusLine, writeText, type CliContext } from '../context.js';
import { CliUsageError, helpHint } from '../usage-error.js';
import { waitForWorkers } from '../cluster-wait.js';

/**
 * `gale rebalance <name>`: changes the worker count and/or executors per component (cluster/admin
 * rebalanceTopology); the leader reassigns. With `--wait`, waits for the workers it stops to drain
 * (saying so: that can take the topology's drainTimeoutMs), then for the new assignment's workers.
 */
export async function runRebalance(args: RebalanceArgs, ctx: CliContext): Promise<number> {
  const cfg = CLUSTER_CONFIG_DEFAULTS;
  const session = await AdminSession.connect(resolveTarget(args, ctx, 'rebalance'), ctx.log.child({ cmd: 'rebalance' }));
  try {
    let result: RebalanceResult;
    try {
      result = await rebalanceTopology(session, args.name, { workers: args.workers, parallelism: args.parallelism }, cfg);
    } catch (err) {
      // The request does not fit the topology: a usage error of this command.
      if (err instanceof AdminRequestError) throw new CliUsageError(err.code, err.message, helpHint('rebalance'));
      throw err;
    }
    const { after, changes, settled } = result;
    if (changes.length === 0) {
      statusLine(ctx, `gale: "${args.name}" already has ${after.workers} worker${after.workers === 1 ? '' : 's'} and that parallelism; nothing to do`);
    } else {
      statusLine(ctx, `gale: rebalancing "${args.name}": ${changes.join(', ')}; the leader reassigns its executors`);
    }
    if (args.waitS > 0) {
      const workers = (n: number): string => `${n} worker${n === 1 ? '' : 's'}`;
      await waitForRebalanceDrain(session, args.name, result, args.waitS, cfg, (p) => {
        switch (p.step) {
          case 'draining':
            statusLine(ctx, `gale: waiting for ${workers(p.workers)} of "${args.name}" to drain (up to ${p.upToS} s) before the new ones start`);
            break;
          case 'drained':
            statusLine(ctx, `gale: ${workers(p.workers)} of "${args.name}" drained and stopped`);
            break;
          case 'overdue':
            statusLine(ctx, `gale: ${workers(p.workers)} of "${args.name}" still not stopped after the drain time; their supervisors kill them`);
            break;
        }
      });
      // A rebalance has nothing to undo: the topology keeps running its new assignment as supervisors get to it.
      const advice = `see "gale status ${args.name}"; the rebalance stays in effect and its workers keep starting`;
      const a = await waitForWorkers(session, ctx, args.name, args.waitS, cfg, settled, advice);
      await writeText(ctx.stdout, `${table(assignmentRows(a))}\n`);
    }
    return 0;
  } finally {
    await session.close();
  }
}
