import type { Topology } from '../api/builder.js';
import type { ComponentSpec } from '../api/builder-types.js';
import type { Fields } from '../api/fields.js';
import type { ProcessStats } from '../api/stats.js';
import type { Bolt } from '../api/types.js';
import type { TopologyConfig } from '../config/topology-config.js';
import type { ChooserContext, TaskChooser } from './groupings.js';
import type { ComponentKind, ComponentStats } from './metrics.js';

/**
 * The seam through which the engine adds components the user did not declare: the acker today,
 * a checkpoint coordinator or a metrics consumer next. A system component is planned, placed,
 * routed, queued, run and counted exactly like a user bolt; it only differs in where its
 * streams come from:
 *
 * - `inputs`: reserved streams (`__` prefix) that the engine declares on EVERY user component of
 *   the given kind and subscribes this component to, with the given chooser. The acker's
 *   `__ack_init` (from spouts) and `__ack_ack` / `__ack_fail` / `__ack_reset` (from bolts).
 * - `outputs`: streams this component emits by emitDirect. `subscribers: 'spouts'` makes every
 *   spout task a receiver (the acker's `__ack_outcome`, taken by the spout executor: spouts
 *   understand tree outcomes only); `subscribers: 'bolts'` makes every user bolt task one, and
 *   the tuple reaches the bolt's `execute` (a checkpoint barrier, say; a wrapper bolt at the API
 *   level, like the windowed-bolt executor, intercepts what the user's bolt must not see).
 * - A user task sends on its control streams with its collector's internal
 *   `emitControl(streamId, values)` ({@link ControlEmitter}); the acker's streams have their own
 *   calls (ack, fail, resetTimeout, the spout's emit).
 *
 * Every stream of a system component is a control stream: it is never refused for backpressure
 * (local queues grow, the worker link queues per peer), because control traffic flows against
 * the data flow (bolts → acker → spouts) and a bounded queue there could deadlock the topology.
 * Its volume is bounded by the trees in flight (maxSpoutPending).
 *
 * Adding one is a matter of passing it in `EngineOptions.systemComponents`; the engine has no
 * branch for any particular one.
 */
export interface SystemComponent {
  /** Reserved component id, `__` prefix. */
  readonly id: string;
  /** How `stats()` labels it. */
  readonly kind: ComponentKind;
  /**
   * Tasks (one per executor) for this topology; 0 leaves the component out (the checkpoint
   * coordinator exists only for stateful bolts, the metrics component only with a consumer).
   */
  tasks(config: TopologyConfig, topology: Topology): number;
  readonly inputs: readonly SystemInput[];
  readonly outputs: readonly SystemOutput[];
  /** Period of its system ticks (tuples on `__tick` from `__system`), ms; undefined: none. */
  tickMs(config: TopologyConfig): number | undefined;
  /**
   * Its first tick comes as soon as it runs, not one period later (the checkpoint coordinator:
   * stateful bolts buffer their input until its first INITSTATE, as Storm's CheckpointSpout sends at once).
   */
  readonly tickAtStart?: boolean;
  /** A fresh instance for one task; `env` is what it may see of the engine running it. */
  create(env: SystemEnv): Bolt & SystemBolt;
}

/** What a system bolt may read of the engine that runs it (the metrics component reads stats). */
export interface SystemEnv {
  /** Per-component stats of the executors in this engine (Engine.stats()). */
  stats(): ComponentStats[];
  /** Local task ids of a component in this engine. */
  localTasksOf(component: string): number[];
  /** Names this engine's process in metrics: `host:port` of a worker, `local` in local mode. */
  readonly worker: string;
  readonly topology: Topology;
  /** Wall-clock epoch ms (the engine's clock). */
  epochMs(): number;
  /** The process's resource use, when the shell measures it (worker processes). */
  processStats?(): ProcessStats;
}

/** Extra counters a system bolt reports in `stats()`. */
export interface SystemBolt {
  systemStats?(): { acked?: number; failed?: number; pending?: number };
  /**
   * Takes a three-number control message `[a, b, c]` on `stream` from `sourceTask` without a
   * tuple object, when the sender runs in this process and this executor is free (the same
   * moment {@link Bolt.execute} would have run it inline). Returns false for a message it only
   * handles in `execute`; the sender then sends the tuple. The acker's per-word hot path.
   */
  controlInline?(stream: string, sourceTask: number, a: number, b: number, c: number): boolean;
}

export interface SystemInput {
  /** Reserved stream id declared on each user component of kind `from`. */
  readonly stream: string;
  readonly fields: Fields;
  readonly from: 'spout' | 'bolt';
  /** Declared only on the user components this accepts (default: every one of kind `from`). */
  readonly only?: (component: ComponentSpec) => boolean;
  /** Picks the task of this component for a tuple (the acker: by root id). */
  readonly chooser: (ctx: ChooserContext) => TaskChooser;
}

export interface SystemOutput {
  readonly stream: string;
  readonly fields: Fields;
  /**
   * Which user tasks receive this stream (by emitDirect from the system component):
   * `metricsConsumers` are the bolts registered with `setMetricsConsumer`.
   */
  readonly subscribers: 'spouts' | 'bolts' | 'metricsConsumers';
  /** Only the user components this accepts subscribe (default: every one of that kind). */
  readonly only?: (component: ComponentSpec) => boolean;
}

/**
 * What a user task's collector offers system code (not part of the public collector types): a
 * send on one of the control streams a system component declared on it. A wrapper bolt reaches it
 * by checking `'emitControl' in collector`.
 */
export interface ControlEmitter {
  emitControl(streamId: string, values: readonly unknown[]): void;
}


/**
 * What a system task's collector offers for a direct emit of two numbers on one of its control
 * streams (the acker's `[root, outcome]`, once per tree): a spout task in this engine takes them
 * without a values array or tuple object; any other target gets the tuple `emitDirect` sends.
 * A system bolt reaches it by checking `'emitDirect2' in collector`.
 */
export interface ControlDirectEmitter {
  emitDirect2(taskId: number, streamId: string, a: number, b: number): void;
}
