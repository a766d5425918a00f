import type { SetStatusArgs } from '../cluster-args.js';
import { AdminSession } from '../../cluster/admin/index.js';
import { resolveTarget } from '../cluster-client.js';
import { statusLine, type CliContext } from '../context.js';

/**
 * `gale activate <name>` (and, through {@link changeStatus}, `gale deactivate`): sets the status
 * in the topology record (compare-and-set on the znode version); every worker watches the
 * record and (de)activates its spouts.
 */
export function runActivate(args: SetStatusArgs, ctx: CliContext): Promise<number> {
  return changeStatus(args, ctx, 'active');
}

export async function changeStatus(args: SetStatusArgs, ctx: CliContext, status: 'active' | 'inactive'): Promise<number> {
  const session = await AdminSession.connect(resolveTarget(args, ctx, args.command), ctx.log.child({ cmd: args.command }));
  try {
    const before = await session.setStatus(args.name, status);
    const word = status === 'active' ? 'activated' : 'deactivated';
    statusLine(ctx, before === status
      ? `gale: "${args.name}" is already ${status}`
      : `gale: ${word} "${args.name}"${status === 'inactive' ? ': its spouts stop emitting; tuples in flight still complete' : ''}`);
    return 0;
  } finally {
    await session.close();
  }
}
