import { CLUSTER_CONFIG_DEFAULTS } from '../../config/cluster-config.js';

/**
 * Defaults of the cluster commands' ZooKeeper and timing flags. The timing ones come from the
 * cluster-config table (config/cluster-config.ts), never restated here.
 */

export const DEFAULT_ZK = '127.0.0.1:2181';
export const DEFAULT_ZK_ROOT_FLAG = '/gale';
export const DEFAULT_CONNECT_TIMEOUT_MS = CLUSTER_CONFIG_DEFAULTS.zkConnectTimeoutMs;
export const DEFAULT_SESSION_TIMEOUT_MS = CLUSTER_CONFIG_DEFAULTS.zkSessionTimeoutMs;
export const DEFAULT_HEARTBEAT_MS = CLUSTER_CONFIG_DEFAULTS.heartbeatMs;
export const DEFAULT_DEPLOY_WAIT_S = CLUSTER_CONFIG_DEFAULTS.deployWaitMs / 1000;
