/**
 * The worker's answer to "is this the launch ZooKeeper lists?" for a peer's handshake
 * (transport/upgrade-gate.ts `verifyEpoch`). Peers publish their launch epoch in their heartbeat
 * (`workers/<topology>/<supervisor>-<port>`); a claimed epoch is believed only if it is the one
 * published there, so a holder of the secret cannot fence off a real worker by claiming a higher
 * epoch. Epochs are cached per worker id and the cache entry is dropped when the heartbeat znode
 * changes (watch), so a flood of forged handshakes costs no ZooKeeper reads; a miss reads once.
 */
import { parseWorkerName, WorkerHeartbeatStore, type ZkClient, type ZkPaths } from '../coord/index.js';
import type { Logger } from '../log.js';
import type { EpochVerdict, PeerIdentity } from '../transport/index.js';

export class PeerEpochs {
  private readonly store: WorkerHeartbeatStore;
  /** workerId → published epoch (undefined: heartbeat without an epoch), while its znode is unchanged. */
  private readonly cache = new Map<string, number | undefined>();
  /** One read per worker id at a time, shared by concurrent handshakes. */
  private readonly reading = new Map<string, Promise<number | undefined>>();

  constructor(zk: ZkClient, paths: ZkPaths, private readonly topology: string, private readonly log: Logger) {
    this.store = new WorkerHeartbeatStore(zk, paths);
  }

  /** Compares a claimed identity with the epoch the peer's heartbeat publishes. */
  readonly verify = async (id: PeerIdentity): Promise<EpochVerdict> => {
    let published = this.cache.has(id.workerId) ? this.cache.get(id.workerId) : await this.read(id.workerId);
    // A higher claim than the cached epoch may be a launch whose watch has not fired yet: read once more.
    if (published !== undefined && id.epoch > published) published = await this.read(id.workerId);
    if (published === undefined) return 'unknown';
    if (id.epoch === published) return 'current';
    return id.epoch < published ? 'stale' : 'unknown';
  };

  private read(workerId: string): Promise<number | undefined> {
    let p = this.reading.get(workerId);
    if (p === undefined) {
      p = this.fetch(workerId).finally(() => this.reading.delete(workerId));
      this.reading.set(workerId, p);
    }
    return p;
  }

  private async fetch(workerId: string): Promise<number | undefined> {
    let slot: { supervisor: string; port: number };
    try {
      slot = parseWorkerName(workerId);
    } catch {
      return undefined; // not a worker id this cluster can have
    }
    const hb = await this.store.get(this.topology, slot.supervisor, slot.port, () => this.cache.delete(workerId));
    if (hb === undefined) {
      this.cache.delete(workerId); // no watch on a missing znode: read again next time
      return undefined;
    }
    this.cache.set(workerId, hb.value.epoch);
    this.log.debug({ peer: workerId, epoch: hb.value.epoch }, 'peer epoch read from its heartbeat');
    return hb.value.epoch;
  }
}
