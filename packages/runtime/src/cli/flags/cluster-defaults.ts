/**
 * Defaults of the cluster commands' timing and ZooKeeper flags. The one module they live in, so
 * they can be pointed at the cluster-config table (config/cluster-config.ts) in one place.
 */

export const DEFAULT_ZK = '127.0.0.1:2181';
export const DEFAULT_ZK_ROOT_FLAG = '/gale';
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;
export const DEFAULT_SESSION_TIMEOUT_MS = 6000;
export const DEFAULT_HEARTBEAT_MS = 1000;
export const DEFAULT_DEPLOY_WAIT_S = 60;
