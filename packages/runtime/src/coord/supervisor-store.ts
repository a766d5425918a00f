/**
 * `supervisors/<id>`: ephemeral registrations of the live supervisors (their slots); the leader
 * schedules onto them, admin commands list them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { childNames, isZkCode, readAll, type ReadAll } from './json-znodes.js';
import type { ZkPaths } from './paths.js';
import type { SupervisorInfo } from './records.js';
import { validateSupervisorInfo } from './record-validators.js';
import type { ZkClient } from './zk-client.js';
import { ZkError } from './zk-errors.js';
import type { ZkWatcher } from './zk-types.js';
import { encodeJson } from './znode-data.js';

/** How often a registration waits for a previous incarnation's ephemeral znode to go. */
const REGISTER_POLL_MS = 250;

const validate = (path: string, value: unknown, name: string): SupervisorInfo => validateSupervisorInfo(path, value, name);

export class SupervisorStore {
  constructor(private readonly client: ZkClient, private readonly paths: ZkPaths) {}

  /** Ids of the live supervisors, sorted. */
  ids(watcher?: ZkWatcher): Promise<string[]> {
    return childNames(this.client, this.paths.supervisorsDir(), watcher);
  }

  /** Every registration; invalid ones are listed in `bad`. */
  list(watcher?: ZkWatcher): Promise<ReadAll<SupervisorInfo>> {
    return readAll(this.client, this.paths.supervisorsDir(), (n) => this.paths.supervisor(n), validate, watcher);
  }

  /**
   * Registers `info` (ephemeral, owned by this session). A node left by a previous incarnation
   * whose session has not expired yet is waited for until `waitMs`; after that, or when another
   * live session owns it, GALE_ERR_ZK_NODE_EXISTS (the caller names the duplicate id).
   */
  async register(info: SupervisorInfo, waitMs: number): Promise<void> {
    const p = this.paths.supervisor(info.id);
    validateSupervisorInfo(p, info, info.id);
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        await this.client.create(p, encodeJson(info), 'ephemeral');
        return;
      } catch (err) {
        if (!isZkCode(err, 'GALE_ERR_ZK_NODE_EXISTS')) throw err;
        const stat = await this.client.exists(p);
        if (stat !== null && stat.ephemeralOwner === this.client.sessionId) return; // ours already
        if (Date.now() > deadline) throw err as ZkError;
        await sleep(REGISTER_POLL_MS);
      }
    }
  }

  /** Removes this supervisor's registration (missing is fine). */
  async unregister(id: string): Promise<void> {
    await this.client.remove(this.paths.supervisor(id)).catch(() => {});
  }
}
