import type { ClusterConfig } from '../config/cluster-config.js';
import type { Clock, Scheduler } from '../engine/ports.js';
import type { Logger } from '../log.js';
import type { TlsFiles } from '../transport/index.js';

/** What a {@link Supervisor} is started with (the `gale supervisor` flags, resolved). */
export interface SupervisorOptions {
  /** ZooKeeper connect string `host:port[,host:port]`. */
  zk: string;
  zkRoot: string;
  /** Stable id of this supervisor (default: host + first port). */
  id: string;
  /** Host name or address peers use to reach this supervisor's workers. */
  host: string;
  /** Worker ports (slots). */
  ports: readonly number[];
  /** Working directory (code cache, worker logs under `logs/`). */
  dir: string;
  /** Port of the authenticated log endpoint (`gale logs`) on `host`; 0 or absent: any free port. */
  logsPort?: number;
  /** Cluster secret; when given, ZooKeeper nodes get a digest ACL. Otherwise a generated one is kept in ZooKeeper. */
  secret?: string;
  /** TLS files: this supervisor's workers serve and dial `wss` (checked by the CLI at start; transport/tls.ts). */
  tls?: TlsFiles;
  sessionTimeoutMs: number;
  connectTimeoutMs: number;
  /** Worker heartbeat period. */
  heartbeatMs: number;
  /** A running worker without a heartbeat znode for this long is killed and restarted (hung). */
  workerTimeoutMs: number;
  /** The worker entry script (dist/cluster/worker-main.js). */
  workerMain: string;
  /** The `@gale` scope directory workers resolve `@gale/*` imports from. */
  galeScopeDir: string;
  version: string;
  log: Logger;
  /** Periods, backoff and grace times; default {@link CLUSTER_CONFIG_DEFAULTS}. */
  cluster?: ClusterConfig;
  /** Monotonic time of the hang check and restart backoff; default the Node clock. */
  clock?: Clock;
  /** Restart and kill-after timers; default the Node scheduler. */
  scheduler?: Scheduler;
}
