import { join } from 'node:path';
import type { StateStoreProvider } from '../api/state/state-store.js';
import { MemoryStateStores } from '../api/state/memory-state-store.js';
import type { TopologyConfig } from '../config/topology-config.js';
import { FileStateStores } from './file-state-store.js';
import { RedisStateStores } from './redis-state-store.js';

export const DEFAULT_STATE_DIR = '.gale-state';
export const DEFAULT_STATE_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * The backend a topology's config names. `memory` uses `memory` when given (LocalCluster shares
 * one across its topologies, so kill + submit of the same name keeps state in local mode).
 */
export function createStateStores(config: TopologyConfig, memory?: MemoryStateStores): StateStoreProvider {
  switch (config.stateBackend) {
    case 'file':
      return new FileStateStores(config.stateDir ?? join(process.cwd(), DEFAULT_STATE_DIR));
    case 'redis':
      return new RedisStateStores(config.stateRedisUrl ?? DEFAULT_STATE_REDIS_URL);
    default:
      return memory ?? new MemoryStateStores();
  }
}
