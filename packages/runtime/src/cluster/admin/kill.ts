import type { ClusterConfig } from '../../config/cluster-config.js';
import { ClusterCommandError } from './errors.js';
import { pollUntil, sleep } from './poll.js';
import type { AdminSession } from './session.js';

/** Steps of a kill, for progress output. */
export type KillProgress =
  | { readonly step: 'already-killing' }
  /** Deactivated; waiting `waitS` seconds (> 0) for tuples in flight. */
  | { readonly step: 'deactivated'; readonly waitS: number }
  /** Marked killed; its workers stop; waiting for the leader to remove it. */
  | { readonly step: 'killing' };

/**
 * Deactivates the topology, waits `waitS` seconds (default its messageTimeoutMs, at most
 * `killMaxDefaultWaitMs`) so tuples in flight complete, marks it killed (its workers stop), then
 * waits until the leader has removed it (GALE_ERR_KILL_TIMEOUT after `killRemovalTimeoutMs`).
 */
export async function killTopology(
  session: AdminSession, name: string, waitS: number | undefined, cfg: ClusterConfig, onProgress: (p: KillProgress) => void = () => {},
): Promise<void> {
  const { record } = await session.requireRecord(name);
  if (record.status === 'killed') {
    onProgress({ step: 'already-killing' });
  } else {
    const wait = waitS ?? Math.min(record.config.messageTimeoutMs, cfg.killMaxDefaultWaitMs) / 1000;
    await session.setStatus(name, 'inactive');
    if (wait > 0) {
      onProgress({ step: 'deactivated', waitS: wait });
      await sleep(wait * 1000);
    }
    await session.updateRecord(name, (r) => (r.status === 'killed' ? undefined : { ...r, status: 'killed' }));
    onProgress({ step: 'killing' });
  }
  const gone = await pollUntil(async () => ((await session.record(name)) === undefined ? true : undefined), cfg.killRemovalTimeoutMs, cfg.adminPollMs);
  if (gone !== undefined) return;
  const beats = await session.heartbeats(name);
  const sups = await session.supervisors();
  throw new ClusterCommandError('GALE_ERR_KILL_TIMEOUT', [
    `"${name}" is marked killed but was not removed within ${cfg.killRemovalTimeoutMs / 1000} s`,
    beats.length > 0
      ? `workers still heartbeating: ${beats.map((b) => `${b.host}:${b.port} (supervisor ${b.supervisor}, pid ${b.pid})`).join(', ')}`
      : sups.length === 0 ? 'no supervisor is running, so no leader removes it; start one with "gale supervisor"' : `live supervisors: ${sups.join(', ')}`,
  ].join('\n'));
}
