import { waitForWorkers as waitForAdmin, type AdminSession } from '../cluster/admin/index.js';
import type { Assignment } from '../cluster/model.js';
import type { ClusterConfig } from '../config/cluster-config.js';
import { statusLine, type CliContext } from './context.js';

/**
 * Waits (cluster/admin) until every worker of the topology's assignment runs it, with progress
 * lines on stderr (each printed once). Throws GALE_ERR_DEPLOY_TIMEOUT naming what is missing,
 * ending with `advice` (a deploy's by default).
 */
export function waitForWorkers(
  session: AdminSession, ctx: CliContext, name: string, waitS: number, cfg: ClusterConfig, accept?: (a: Assignment) => boolean,
  advice?: string,
): Promise<Assignment> {
  let last = '';
  return waitForAdmin(session, name, waitS, cfg, accept, (p) => {
    const line = p.assigned
      ? `gale: "${name}" assigned (version ${p.version}) to ${p.workers} worker${p.workers === 1 ? '' : 's'}; ${p.running} running`
      : `gale: waiting for the leader to assign "${name}"`;
    if (line !== last) statusLine(ctx, line);
    last = line;
  }, advice, (error) => statusLine(ctx, `gale: ${error}`));
}
