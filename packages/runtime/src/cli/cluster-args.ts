import type { ClusterConfig } from '../config/cluster-config.js';
import type { LogLevel } from '../log.js';
import type { TlsFiles } from '../transport/index.js';

/**
 * What the cluster commands get from the command line: one args type per command. The flags
 * behind them are declared once, in flags/cluster-flags.ts, which checks them and builds these.
 */

export {
  DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_DEPLOY_WAIT_S, DEFAULT_HEARTBEAT_MS, DEFAULT_SESSION_TIMEOUT_MS, DEFAULT_ZK, DEFAULT_ZK_ROOT_FLAG,
} from './flags/cluster-defaults.js';
export { checkConnectString, checkTopologyName, parsePorts } from './flags/validators.js';

/** Flags every cluster command takes. */
export interface ClusterFlags {
  /**
   * `--zk`, else `$GALE_ZK`, else DEFAULT_ZK (parseArgs fills it in); undefined, from flags
   * built by hand, means the same.
   */
  readonly zk: string | undefined;
  readonly zkRoot: string;
  readonly secretFile: string | undefined;
  readonly connectTimeoutMs: number;
  readonly logLevel: LogLevel | undefined;
}

export interface SupervisorArgs extends ClusterFlags {
  readonly command: 'supervisor';
  readonly host: string;
  /** The slot ports, already cut to `--slots`. */
  readonly ports: readonly number[];
  readonly id: string | undefined;
  readonly dir: string | undefined;
  readonly sessionTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly workerTimeoutMs: number;
  /** `--tls-cert/--tls-key/--tls-ca/--tls-mutual`; undefined: plaintext `ws` between workers. */
  readonly tls: TlsFiles | undefined;
  /** Port of the authenticated log endpoint that `gale logs` reads through; absent: any free port. */
  readonly logsPort?: number;
  /** Port of the HTTP server (`/metrics`, REST API) on `--host`; 0: none. */
  readonly httpPort: number;
  /** The cluster config with `--cluster-set` entries over the defaults; undefined: none given (the defaults). */
  readonly cluster?: ClusterConfig | undefined;
}

export interface DeployArgs extends ClusterFlags {
  readonly command: 'deploy';
  readonly file: string;
  /** Undefined: the name the topology was built with. */
  readonly name: string | undefined;
  readonly workers: number | undefined;
  readonly set: readonly string[];
  /** Raw `-c key=value` config overrides, in order. */
  readonly conf: readonly string[];
  /** Seconds to wait for every worker to run; 0 = do not wait. */
  readonly waitS: number;
  readonly json: boolean;
  /** `false` with `--no-typecheck`; absent: the topology file is type-checked before uploading. */
  readonly typecheck?: false;
}

export interface ListArgs extends ClusterFlags {
  readonly command: 'list';
  readonly json: boolean;
}

export interface StatusArgs extends ClusterFlags {
  readonly command: 'status';
  readonly name: string;
  readonly json: boolean;
}

export interface SetStatusArgs extends ClusterFlags {
  readonly command: 'activate' | 'deactivate';
  readonly name: string;
}

export interface RebalanceArgs extends ClusterFlags {
  readonly command: 'rebalance';
  readonly name: string;
  readonly workers: number | undefined;
  /** `--parallelism comp=n`, in order (the last of a repeated component wins). */
  readonly parallelism: Readonly<Record<string, number>>;
  /** Seconds to wait for the new assignment's workers; 0 = do not wait. */
  readonly waitS: number;
}

export interface KillArgs extends ClusterFlags {
  readonly command: 'kill';
  readonly name: string;
  /** Seconds between deactivating and killing; undefined = messageTimeoutMs of the topology, at most 30. */
  readonly waitS: number | undefined;
}

/** `--since`: a duration before now, or a wall-clock time. */
export type LogsSince = { readonly agoMs: number } | { readonly atMs: number };

export interface LogsArgs extends ClusterFlags {
  readonly command: 'logs';
  readonly name: string;
  readonly component: string | undefined;
  readonly task: number | undefined;
  readonly since: LogsSince | undefined;
  readonly follow: boolean;
  readonly json: boolean;
}

export type ClusterArgs = SupervisorArgs | DeployArgs | ListArgs | StatusArgs | LogsArgs | SetStatusArgs | RebalanceArgs | KillArgs;

export type ClusterCommand = ClusterArgs['command'];
