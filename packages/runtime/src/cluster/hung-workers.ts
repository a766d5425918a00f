import type { WorkerHeartbeatStore } from '../coord/index.js';
import type { GaleError } from '../errors.js';
import type { SlotProcess } from './slot-process.js';

/**
 * A worker whose heartbeat znode is gone while its process lives is hung (e.g. SIGSTOP): its slot
 * kills it (SlotProcess.observeHeartbeat). Judged on this supervisor's clock `now`.
 */
export async function checkHeartbeats(slots: Iterable<SlotProcess>, heartbeats: WorkerHeartbeatStore, supervisor: string, now: number): Promise<void> {
  for (const slot of slots) {
    const target = slot.heartbeatTarget();
    if (target === undefined) continue;
    let present = false;
    try {
      // The heartbeat must be this child's: a killed predecessor's node lingers until its session expires.
      present = (await heartbeats.get(target.topology, supervisor, slot.port))?.value.pid === target.pid;
    } catch (err) {
      if ((err as GaleError).code !== 'GALE_ERR_ZK_BAD_DATA') continue; // ZooKeeper unreachable: judge nothing
    }
    slot.observeHeartbeat(target.pid, present, now);
  }
}
