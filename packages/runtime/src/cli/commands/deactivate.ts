import type { SetStatusArgs } from '../cluster-args.js';
import type { CliContext } from '../context.js';
import { changeStatus } from './activate.js';

/** `gale deactivate <name>`: spouts stop being asked for tuples; in-flight tuple trees complete. */
export function runDeactivate(args: SetStatusArgs, ctx: CliContext): Promise<number> {
  return changeStatus(args, ctx, 'inactive');
}
