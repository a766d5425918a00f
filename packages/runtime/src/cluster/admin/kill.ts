import type { ClusterConfig } from '../../config/cluster-config.js';
import { CodeStore, EpochStore } from '../../coord/index.js';
import { ClusterCommandError } from './errors.js';
import { pollUntil, sleep } from './poll.js';
import type { AdminSession } from './session.js';

/** Steps of a kill, for progress output. */
export type KillProgress =
  | { readonly step: 'already-killing' }
  /** Deactivated; waiting `waitS` seconds (> 0) for tuples in flight. */
  | { readonly step: 'deactivated'; readonly waitS: number }
  /** Marked killed; its workers stop; waiting for the leader to remove it. */
  | { readonly step: 'killing' }
  /** No leader and no supervisor is registered, so nothing runs it: removed by this client at once. */
  | { readonly step: 'removed-unscheduled' };

/**
 * Deactivates the topology, waits `waitS` seconds (default its messageTimeoutMs, at most
 * `killMaxDefaultWaitMs`) so tuples in flight complete, marks it killed (its workers stop), then
 * waits until the leader has removed it (GALE_ERR_KILL_TIMEOUT after `killRemovalTimeoutMs`).
 * When no leader and no supervisor is registered, no worker can run it and no leader would ever
 * remove it, so it is removed here at once (see {@link removeUnscheduled}).
 */
export async function killTopology(
  session: AdminSession, name: string, waitS: number | undefined, cfg: ClusterConfig, onProgress: (p: KillProgress) => void = () => {},
): Promise<void> {
  const { record } = await session.requireRecord(name);
  if (await nobodyRuns(session)) {
    await removeUnscheduled(session, name, record.codeSha256);
    onProgress({ step: 'removed-unscheduled' });
    return;
  }
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

/** No leader candidate and no supervisor: nothing can schedule, run or clean up a topology. */
async function nobodyRuns(session: AdminSession): Promise<boolean> {
  const [candidates, sups] = await Promise.all([session.zk.getChildren(session.paths.leaderDir()), session.supervisors()]);
  return candidates.length === 0 && sups.length === 0;
}

/**
 * Does the leader's cleanup of a killed topology (assignment, heartbeat, error and epoch znodes,
 * record) plus its code, unless another topology uses the same bundle. Every step tolerates a
 * missing znode, so a leader that starts meanwhile and cleans up too does no harm.
 */
async function removeUnscheduled(session: AdminSession, name: string, codeSha256: string): Promise<void> {
  const a = await session.assignments.get(name);
  if (a !== undefined) await session.zk.commit([session.assignments.removeOp(name, a.version)]);
  await session.heartbeatStore.removeTopology(name);
  await session.errors.removeTopology(name);
  await new EpochStore(session.zk, session.paths).removeTopology(name);
  await session.topologies.remove(name);
  // An unreadable record might use the bundle too: keep it then.
  const { entries, bad } = await session.topologies.list();
  if (bad.length === 0 && ![...entries.values()].some((r) => r.value.codeSha256 === codeSha256)) await new CodeStore(session.zk, session.paths).remove(codeSha256);
}
