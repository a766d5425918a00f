/**
 * `epochs/<topology>`: the launch-epoch counter of a topology's workers. A worker takes the next
 * value at each launch (compare-and-set through `retry()`), so a later launch always has a higher
 * epoch than every earlier one, whatever the wall clocks of the machines say: peers fence off
 * connections of an older launch by comparing epochs (docs/protocol.md "Fencing"). The counter
 * lives as long as the topology; the leader removes it with the topology's other znodes on kill.
 */
import { isRetriable, retry } from '../retry.js';
import { isZkCode, readOptional } from './json-znodes.js';
import type { ZkPaths } from './paths.js';
import type { EpochCounter } from './records.js';
import { validateEpochCounter } from './record-validators.js';
import type { ZkClient } from './zk-client.js';
import { encodeJson } from './znode-data.js';

const validate = (path: string, value: unknown, name: string): EpochCounter => validateEpochCounter(path, value, name);

export class EpochStore {
  constructor(private readonly client: ZkClient, private readonly paths: ZkPaths) {}

  /** The last epoch handed out for `topology` (0 when none yet). */
  async last(topology: string): Promise<number> {
    return (await readOptional(this.client, this.paths.epochCounter(topology), topology, validate))?.value.last ?? 0;
  }

  /** Takes the next epoch of `topology` (1 for the first launch); concurrent launches get distinct values. */
  next(topology: string): Promise<number> {
    const path = this.paths.epochCounter(topology);
    return retry(async () => {
      const current = await readOptional(this.client, path, topology, validate);
      if (current === undefined) {
        await this.client.mkdirp(this.paths.epochsDir());
        await this.client.create(path, this.encode({ topology, last: 1 }));
        return 1;
      }
      const next = current.value.last + 1;
      await this.client.setData(path, this.encode({ ...current.value, last: next }), current.version);
      return next;
    }, {
      retries: 50,
      initialMs: 5,
      maxMs: 500,
      // Lost a race with another launch (it wrote or created first): read again and re-apply.
      shouldRetry: (err) => isZkCode(err, 'GALE_ERR_ZK_BAD_VERSION', 'GALE_ERR_ZK_NODE_EXISTS') || isRetriable(err),
    });
  }

  /** Drops the counter (on kill, once the topology's workers are gone); missing is fine. */
  async removeTopology(topology: string): Promise<void> {
    await this.client.remove(this.paths.epochCounter(topology)).catch((err: unknown) => {
      if (!isZkCode(err, 'GALE_ERR_ZK_NO_NODE')) throw err;
    });
  }

  private encode(c: EpochCounter): Buffer {
    validateEpochCounter(this.paths.epochCounter(c.topology), c, c.topology);
    return encodeJson(c);
  }
}
