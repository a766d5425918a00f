/**
 * `assignments/<name>`: where every executor of a topology runs. Only the leader writes them, in
 * transactions fenced on its election znode, so this store hands out operations ({@link createOp},
 * {@link setOp}, {@link removeOp}) instead of writing itself.
 */
import { readAll, readOptional, readRecord, type ReadAll } from './json-znodes.js';
import type { ZkPaths } from './paths.js';
import type { Assignment, Versioned } from './records.js';
import { validateAssignment } from './record-validators.js';
import type { ZkClient } from './zk-client.js';
import type { ZkOp, ZkWatcher } from './zk-types.js';
import { encodeJson } from './znode-data.js';

const validate = (path: string, value: unknown, name: string): Assignment => validateAssignment(path, value, name);

export class AssignmentStore {
  constructor(private readonly client: ZkClient, private readonly paths: ZkPaths) {}

  /** The assignment and its znode version, or undefined. */
  get(topology: string, watcher?: ZkWatcher): Promise<Versioned<Assignment> | undefined> {
    return readOptional(this.client, this.paths.assignment(topology), topology, validate, watcher);
  }

  /** Like {@link get}, but GALE_ERR_ZK_NO_NODE when missing. */
  read(topology: string, watcher?: ZkWatcher): Promise<Versioned<Assignment>> {
    return readRecord(this.client, this.paths.assignment(topology), topology, validate, watcher);
  }

  /** Every assignment; invalid ones are listed in `bad`. */
  list(watcher?: ZkWatcher): Promise<ReadAll<Assignment>> {
    return readAll(this.client, this.paths.assignmentsDir(), (n) => this.paths.assignment(n), validate, watcher);
  }

  createOp(a: Assignment): ZkOp {
    return { op: 'create', path: this.paths.assignment(a.topology), data: this.encode(a) };
  }

  setOp(a: Assignment, version: number): ZkOp {
    return { op: 'setData', path: this.paths.assignment(a.topology), data: this.encode(a), version };
  }

  removeOp(topology: string, version: number): ZkOp {
    return { op: 'remove', path: this.paths.assignment(topology), version };
  }

  private encode(a: Assignment): Buffer {
    validateAssignment(this.paths.assignment(a.topology), a, a.topology);
    return encodeJson(a);
  }
}
