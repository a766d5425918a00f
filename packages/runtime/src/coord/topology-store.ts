/**
 * `topologies/<name>`: the deployed topology records. Written by `gale deploy` (create) and by
 * admin commands (compare-and-set updates: status, rebalance); read and watched by the leader and
 * every worker; removed by the leader once a killed topology has no worker left.
 */
import { isRetriable, retry } from '../retry.js';
import { childNames, isZkCode, readAll, readOptional, readRecord, type ReadAll } from './json-znodes.js';
import type { ZkPaths } from './paths.js';
import type { TopologyRecord, Versioned } from './records.js';
import { validateTopologyRecord } from './record-validators.js';
import type { ZkClient } from './zk-client.js';
import type { ZkWatcher } from './zk-types.js';
import { encodeJson } from './znode-data.js';

/** How many lost compare-and-set races an update tolerates before giving up. */
const CAS_RETRIES = 50;

const validate = (path: string, value: unknown, name: string): TopologyRecord => validateTopologyRecord(path, value, name);

export class TopologyStore {
  constructor(private readonly client: ZkClient, private readonly paths: ZkPaths) {}

  /** Names of the deployed topologies, sorted. */
  names(watcher?: ZkWatcher): Promise<string[]> {
    return childNames(this.client, this.paths.topologiesDir(), watcher);
  }

  /** The record and its znode version, or undefined. Throws GALE_ERR_ZK_BAD_DATA for an invalid record. */
  get(name: string): Promise<Versioned<TopologyRecord> | undefined> {
    return readOptional(this.client, this.paths.topology(name), name, validate);
  }

  /** Like {@link get}, but GALE_ERR_ZK_NO_NODE when missing, and optionally watching the znode. */
  read(name: string, watcher?: ZkWatcher): Promise<Versioned<TopologyRecord>> {
    return readRecord(this.client, this.paths.topology(name), name, validate, watcher);
  }

  /** Every record; invalid ones are listed in `bad` instead. */
  list(watcher?: ZkWatcher): Promise<ReadAll<TopologyRecord>> {
    return readAll(this.client, this.paths.topologiesDir(), (n) => this.paths.topology(n), validate, watcher);
  }

  /** Creates the record (GALE_ERR_ZK_NODE_EXISTS if the name is taken). */
  async create(record: TopologyRecord): Promise<void> {
    const path = this.paths.topology(record.name);
    validateTopologyRecord(path, record, record.name);
    await this.client.create(path, encodeJson(record));
  }

  /**
   * Compare-and-set: reads the record, applies `change`, writes it only if nobody wrote in between
   * (znode version), and tries again otherwise. `change` returns undefined to leave the record as
   * it is (and may throw to abort). GALE_ERR_ZK_NO_NODE when there is no such topology.
   */
  async update(name: string, change: (r: TopologyRecord) => TopologyRecord | undefined): Promise<{ before: TopologyRecord; after: TopologyRecord }> {
    const path = this.paths.topology(name);
    return retry(async () => {
      const { value: before, version } = await this.read(name);
      const after = change(before);
      if (after === undefined) return { before, after: before };
      validateTopologyRecord(path, after, name);
      await this.client.setData(path, encodeJson(after), version);
      return { before, after };
    }, {
      retries: CAS_RETRIES,
      initialMs: 5,
      maxMs: 500,
      // Someone else (another CLI, the leader) wrote first: read again and re-apply.
      shouldRetry: (err) => isZkCode(err, 'GALE_ERR_ZK_BAD_VERSION') || isRetriable(err),
    });
  }

  /** Removes the record (missing is fine). */
  async remove(name: string): Promise<void> {
    try {
      await this.client.remove(this.paths.topology(name));
    } catch (err) {
      if (!isZkCode(err, 'GALE_ERR_ZK_NO_NODE')) throw err;
    }
  }
}
