import type { Topology } from '../api/builder.js';
import type { ProcessStats } from '../api/stats.js';
import type { TopologyConfig } from '../config/topology-config.js';
import type { EmitListener } from './host.js';
import type { IdSource } from './ids.js';
import type { ReportedError } from './metrics.js';
import type { Clock, EngineLog, Scheduler } from './ports.js';
import type { Placement } from './remote.js';
import type { SystemComponent } from './system-component.js';
import type { StateStoreProvider } from '../api/state/state-store.js';
import type { CrashCounts } from './crash-counts.js';

/** What an {@link Engine} is built from: the topology, its config, the injected ports and the shell's hooks. */
export interface EngineOptions {
  topology: Topology;
  /** The resolved config (topology config with overrides applied). */
  config: TopologyConfig;
  clock: Clock;
  scheduler: Scheduler;
  ids: IdSource;
  /** Uniform in [0, 1), for shuffle groupings. */
  random: () => number;
  log: EngineLog;
  /** Sees every emit on a user stream (testing capture); keep it cheap. */
  onEmit?: EmitListener;
  onError?: (error: ReportedError) => void;
  /** Cluster mode: which executors run here and how to reach the others. Default: all local. */
  placement?: Placement;
  /** Components the engine adds to the topology (default: the acker). See system-component.ts. */
  systemComponents?: readonly SystemComponent[];
  /** How metrics name this engine's process: `host:port` of a worker; default `local`. */
  worker?: string;
  /** The process's resource use, for the `__metrics` stream (the cluster's workers measure it). */
  processStats?: () => ProcessStats;
  /** The state backend of stateful bolts (default: in memory, per engine). See docs/state.md. */
  stateStores?: StateStoreProvider;
  /** Cluster mode: retry counts of earlier launches that crashed (crash-counts.ts). */
  crashCounts?: CrashCounts;
  /**
   * Cluster mode: a spout whose open() or a bolt whose prepare() throws a retriable error (its
   * server is down) is opened again after a backoff (task-open-retry.ts) instead of failing the
   * start. Local mode leaves it off: `gale local` reports the error and exits.
   */
  retryOpen?: boolean;
  /**
   * Cluster mode: a run of the executor loop that has taken this many ms yields to I/O, instead of
   * going on to the end of its 8 ms slice, while a spout here has trees pending. The acks of trees
   * that reached other workers arrive as socket reads, which wait for the run to end: a spout that
   * always has data to emit would otherwise keep them unread for a whole slice. A spout's turn (up to
   * 512 emits, 1-2 ms) stops there too: the time is checked every 16 emits. Default: no early
   * yield (`gale local`, where acks never arrive as I/O).
   */
  ackSliceMs?: number;
}
