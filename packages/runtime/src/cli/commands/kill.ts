import { AdminSession, killTopology } from '../../cluster/admin/index.js';
import { CLUSTER_CONFIG_DEFAULTS } from '../../config/cluster-config.js';
import type { KillArgs } from '../cluster-args.js';
import { resolveTarget } from '../cluster-client.js';
import { statusLine, type CliContext } from '../context.js';

/**
 * `gale kill <name>`: deactivates the topology, waits `--wait` seconds (default its
 * messageTimeoutMs, at most killMaxDefaultWaitMs of the cluster config) so tuples in flight
 * complete, marks it killed (its workers stop), then waits until the leader has removed it. With no
 * leader and no supervisor registered, removes it at once itself.
 */
export async function runKill(args: KillArgs, ctx: CliContext): Promise<number> {
  const { name } = args;
  const session = await AdminSession.connect(resolveTarget(args, ctx, 'kill'), ctx.log.child({ cmd: 'kill' }));
  try {
    await killTopology(session, name, args.waitS, CLUSTER_CONFIG_DEFAULTS, (p) => {
      switch (p.step) {
        case 'already-killing':
          statusLine(ctx, `gale: "${name}" is already being killed; waiting for the leader to remove it`);
          break;
        case 'deactivated':
          statusLine(ctx, `gale: deactivated "${name}"; waiting ${p.waitS} s for tuples in flight before killing it`);
          break;
        case 'killing':
          statusLine(ctx, `gale: killing "${name}": its workers stop; waiting for the leader to remove it`);
          break;
        case 'removed-unscheduled':
          statusLine(ctx, `gale: no supervisor or leader is running, so nothing runs "${name}"; removed its record, assignment and code`);
          break;
      }
    });
    statusLine(ctx, `gale: killed "${name}"`);
    return 0;
  } finally {
    await session.close();
  }
}
