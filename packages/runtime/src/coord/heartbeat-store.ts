/**
 * `workers/<topology>/<supervisor>-<port>`: ephemeral worker heartbeats (state, assignment version,
 * stats). Workers publish through {@link WorkerHeartbeatStore.publish}; supervisors check their
 * own workers' beats, the leader waits for a killed topology's to vanish, admin commands show them.
 */
import { childNames, isZkCode, readOptional } from './json-znodes.js';
import { parseWorkerName, type ZkPaths } from './paths.js';
import type { Versioned, WorkerHeartbeat } from './records.js';
import { validateWorkerHeartbeat } from './record-validators.js';
import type { ZkClient } from './zk-client.js';
import type { ZkError } from './zk-errors.js';
import type { ZkWatcher } from './zk-types.js';
import { encodeJson } from './znode-data.js';

export class WorkerHeartbeatStore {
  constructor(private readonly client: ZkClient, private readonly paths: ZkPaths) {}

  /** Child names (`<supervisor>-<port>`) of a topology's heartbeats, sorted; empty if none. */
  slots(topology: string, watcher?: ZkWatcher): Promise<string[]> {
    return childNames(this.client, this.paths.workersDir(topology), watcher);
  }

  /** One worker's heartbeat, or undefined. GALE_ERR_ZK_BAD_DATA when it is not a valid heartbeat. */
  async get(topology: string, supervisor: string, port: number, watcher?: ZkWatcher): Promise<Versioned<WorkerHeartbeat> | undefined> {
    return readOptional(this.client, this.paths.worker(topology, supervisor, port), `${supervisor}-${port}`,
      (path, value) => validateWorkerHeartbeat(path, value, { topology, supervisor, port }), watcher);
  }

  /** Every heartbeat of a topology; unreadable ones (bad name or data) are listed in `bad`. */
  async list(topology: string): Promise<{ beats: WorkerHeartbeat[]; bad: ZkError[] }> {
    const beats: WorkerHeartbeat[] = [];
    const bad: ZkError[] = [];
    for (const child of await this.slots(topology)) {
      try {
        const { supervisor, port } = parseWorkerName(child);
        const hb = await this.get(topology, supervisor, port);
        if (hb !== undefined) beats.push(hb.value); // else: gone meanwhile
      } catch (err) {
        if (!isZkCode(err, 'GALE_ERR_ZK_BAD_DATA', 'GALE_ERR_ZK_BAD_NAME')) throw err;
        bad.push(err as ZkError);
      }
    }
    return { beats, bad };
  }

  /** The bytes of a heartbeat, checked like a reader will check them. */
  encode(hb: WorkerHeartbeat): Buffer {
    validateWorkerHeartbeat(this.paths.worker(hb.topology, hb.supervisor, hb.port), hb);
    return encodeJson(hb);
  }

  /**
   * Writes a heartbeat. With `create` (first beat, or after a new session) it makes the ephemeral
   * znode this session's own; otherwise it overwrites it, re-creating it if it vanished.
   */
  async publish(hb: WorkerHeartbeat, create: boolean): Promise<void> {
    const p = this.paths.worker(hb.topology, hb.supervisor, hb.port);
    const data = this.encode(hb);
    if (!create) {
      try {
        await this.client.setData(p, data);
        return;
      } catch (err) {
        if (!isZkCode(err, 'GALE_ERR_ZK_NO_NODE')) throw err;
      }
    }
    await this.client.mkdirp(this.paths.workersDir(hb.topology));
    try {
      await this.client.create(p, data, 'ephemeral');
    } catch (err) {
      if (!isZkCode(err, 'GALE_ERR_ZK_NODE_EXISTS')) throw err;
      const stat = await this.client.exists(p);
      if (stat !== null && stat.ephemeralOwner !== this.client.sessionId) {
        // A crashed predecessor's node (we hold the slot's port, so it is gone), kept until its
        // session expires: writing into it would make our heartbeat vanish at that moment.
        await this.client.remove(p).catch((e: unknown) => {
          if (!isZkCode(e, 'GALE_ERR_ZK_NO_NODE')) throw e;
        });
        await this.client.create(p, data, 'ephemeral');
      } else {
        await this.client.setData(p, data); // our own node from this session
      }
    }
  }

  /** Removes a worker's heartbeat (missing is fine). */
  async remove(topology: string, supervisor: string, port: number): Promise<void> {
    await this.client.remove(this.paths.worker(topology, supervisor, port)).catch(() => {});
  }

  /** Removes every heartbeat of a topology (once it is killed and its workers are gone). */
  async removeTopology(topology: string): Promise<void> {
    await this.client.removeRecursive(this.paths.workersDir(topology));
  }
}
