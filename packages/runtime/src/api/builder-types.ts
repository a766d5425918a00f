import type { TopologyConfig } from '../config/topology-config.js';
import type { Fields } from './fields.js';
import type { BasicBolt, Bolt, GroupingSpec, Spout } from './types.js';

export interface SpoutOptions {
  /** Executors (default 1). */
  parallelism?: number;
  /** Tasks (default = parallelism); must be >= parallelism. */
  numTasks?: number;
  /** Overrides the topology's `maxSpoutPending` for this spout. */
  maxSpoutPending?: number;
  /**
   * Overrides the topology's `maxRetries` for this spout: an integer >= 0, or `null` to retry
   * forever whatever the topology says.
   */
  maxRetries?: number | null;
}

export interface BoltOptions {
  parallelism?: number;
  numTasks?: number;
  /** Tick tuples every this many seconds (overrides the topology's `tickFrequencySecs`). */
  tickFrequencySecs?: number;
  /** Overrides the topology's `maxConcurrency` for this bolt. */
  maxConcurrency?: number;
}

export interface StreamDecl {
  readonly id: string;
  readonly fields: Fields;
  readonly direct: boolean;
}

export interface InputDecl {
  readonly component: string;
  readonly stream: string;
  readonly grouping: GroupingSpec;
}

interface ComponentSpecBase {
  readonly id: string;
  readonly parallelism: number;
  readonly numTasks: number;
  readonly streams: ReadonlyMap<string, StreamDecl>;
  readonly inputs: readonly InputDecl[];
}

export interface SpoutSpec extends ComponentSpecBase {
  readonly kind: 'spout';
  readonly maxSpoutPending: number | undefined;
  /** The spout's `maxRetries` option; undefined: the topology's. */
  readonly maxRetries: number | null | undefined;
  /** A fresh, independent instance for one task. */
  create(): Spout;
}

export interface BoltSpec extends ComponentSpecBase {
  readonly kind: 'bolt';
  readonly tickFrequencySecs: number | undefined;
  readonly maxConcurrency: number | undefined;
  /** A wrapped stateful bolt: gets checkpoint tuples from the coordinator (docs/state.md). */
  readonly stateful?: boolean;
  /**
   * A windowed bolt on event time: its window's `idleFlushMs` (undefined: its last windows close
   * only when later input moves the watermark, so a finished input leaves them open).
   */
  readonly eventTimeWindow?: { readonly idleFlushMs: number | undefined };
  create(): Bolt | BasicBolt;
}

export type ComponentSpec = SpoutSpec | BoltSpec;

/** A validated, immutable topology: what `build()` returns and what runners accept. */
export interface Topology {
  readonly name: string;
  readonly config: TopologyConfig;
  /** Components in topological order (sources first). */
  readonly components: ReadonlyMap<string, ComponentSpec>;
  /**
   * Bolts registered with `setMetricsConsumer`: they receive the `__metrics` stream (Storm's
   * metrics consumer; docs/metrics.md). Absent or empty: no metrics component runs.
   */
  readonly metricsConsumers?: readonly string[];
}

export interface BuildOptions {
  name: string;
  /** Shorthand for `config.workers`. */
  workers?: number;
  config?: Partial<TopologyConfig>;
}

