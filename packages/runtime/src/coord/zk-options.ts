/** ZkClient's options: defaults and checks at the boundary. */
import { CLUSTER_CONFIG_DEFAULTS } from '../config/cluster-config.js';
import { rootLog, type Logger } from '../log.js';
import { ZkError } from './zk-errors.js';
import type { ZkClientOptions } from './zk-types.js';

/** Options with defaults applied and checked. */
export interface ResolvedZkOptions {
  readonly connectString: string;
  readonly sessionTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly opTimeoutMs: number;
  readonly secret: string | undefined;
  readonly log: Logger;
}

/** Throws GALE_ERR_ZK_BAD_ARGUMENT for a bad connect string, a non-positive timeout or incomplete auth. */
export function resolveZkOptions(options: ZkClientOptions): ResolvedZkOptions {
  const sessionTimeoutMs = options.sessionTimeoutMs ?? CLUSTER_CONFIG_DEFAULTS.zkSessionTimeoutMs;
  const connectTimeoutMs = options.connectTimeoutMs ?? CLUSTER_CONFIG_DEFAULTS.zkConnectTimeoutMs;
  if (!options.connectString || !/^[^,\s]+(,[^,\s]+)*$/.test(options.connectString)) {
    throw new ZkError('GALE_ERR_ZK_BAD_ARGUMENT', `bad ZooKeeper connect string "${options.connectString}" (want host:port[,host:port...])`);
  }
  for (const [key, v] of [['sessionTimeoutMs', sessionTimeoutMs], ['connectTimeoutMs', connectTimeoutMs], ['opTimeoutMs', options.opTimeoutMs ?? 1]] as const) {
    if (!Number.isFinite(v) || v <= 0) throw new ZkError('GALE_ERR_ZK_BAD_ARGUMENT', `${key} must be a positive number of ms (got ${v})`);
  }
  if (options.auth && (options.auth.scheme !== 'digest' || !options.auth.secret)) {
    throw new ZkError('GALE_ERR_ZK_BAD_ARGUMENT', 'auth needs scheme "digest" and a non-empty secret');
  }
  return {
    connectString: options.connectString,
    sessionTimeoutMs,
    connectTimeoutMs,
    opTimeoutMs: options.opTimeoutMs ?? 2 * sessionTimeoutMs,
    secret: options.auth?.secret,
    log: (options.log ?? rootLog).child({ component: 'zk' }),
  };
}
