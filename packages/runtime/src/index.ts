// Public API of @gale/runtime. Only what is exported here is supported.
export { TopologyBuilder, BoltDeclarer, cloneComponent } from './api/builder.js';
export { BaseWindowedBolt, isWindowedBolt } from './api/window/windowed-bolt.js';
export type { WindowedBolt, TupleWindow, WindowEntries, WindowedOutputCollector, WindowedBoltInput, WindowedBoltWiring, PaneAggregator, PaneWindow } from './api/window/windowed-bolt.js';
export {
  Count, Duration, slidingWindow, tumblingWindow, WINDOW_LATE_STREAM, WINDOW_LATE_FIELDS, WINDOW_INVALID_STREAM, WINDOW_INVALID_FIELDS, DEFAULT_WINDOW_MAX_TUPLES, MAX_WINDOW_TUPLES,
  MIN_WINDOW_TICK_MS, DEFAULT_WINDOW_IDLE_INPUT_MS,
} from './api/window/window-spec.js';
export type { WindowLength, WindowSpec, TimestampSource } from './api/window/window-spec.js';
export { invalidRow, describeValue } from './api/window/event-time.js';
export type {
  Topology, ComponentSpec, SpoutSpec, BoltSpec, StreamDecl, InputDecl, SpoutOptions, BoltOptions, BuildOptions, ComponentSource,
} from './api/builder.js';
export { BaseStatefulBolt, isStatefulBolt } from './api/state/stateful-bolt.js';
export type { StatefulBolt } from './api/state/stateful-bolt.js';
export type { KeyValueState } from './api/state/key-value-state.js';
export {
  CHECKPOINT_COMPONENT, CHECKPOINT_STREAM, CHECKPOINT_REPLY_STREAM, CHECKPOINT_ACTIONS, type CheckpointAction,
} from './api/state/checkpoint-protocol.js';
export type { StateStore, StateStoreProvider, StateNamespace, StateSnapshot, StoredState } from './api/state/state-store.js';
export { MemoryStateStores } from './api/state/memory-state-store.js';
export { FileStateStores, FileStateStore } from './state/file-state-store.js';
export { RedisStateStores } from './state/redis-state-store.js';
export { createStateStores, DEFAULT_STATE_DIR, DEFAULT_STATE_REDIS_URL } from './state/state-stores.js';
// Redis connections for connectors (the kits' stream spout and sinks, user connectors); ioredis loads on first open.
export {
  openRedis, closeRedis, redactUrl, checkRedisUrl, isRedisUnavailable, isRedisNoGroup, redisCommandError,
  RedisConnectError, RedisAuthError, RedisUnavailableError, RedisCommandError,
} from './redis/index.js';
export type { RedisConnectionSettings } from './redis/index.js';
export { Fields } from './api/fields.js';
export { BaseRichSpout, BaseRichBolt, BaseBasicBolt } from './api/base.js';
export { DEFAULT_STREAM, TICK_STREAM, SYSTEM_COMPONENT } from './api/types.js';
export { DEAD_LETTER_STREAM, DEAD_LETTER_FIELDS, UNSENDABLE_FAIL_REASONS, type DeadLetterReason, type FailReason } from './api/types.js';
export type {
  Values, Tuple, Spout, Bolt, BasicBolt, OutputCollector, SpoutOutputCollector, BasicOutputCollector,
  OutputFieldsDeclarer, TopologyContext, TaskSource, CustomGrouping, GroupingSpec, TargetCapture, BoltInput, BoltWiring,
} from './api/types.js';
export { canCaptureTargets } from './api/types.js';
export { ShellBolt, HEARTBEAT_STREAM } from './multilang/shell-bolt.js';
export { shellComponentFactory } from './multilang/shell-factory.js';
export { ShellSpout } from './multilang/shell-spout.js';
export { ShellError } from './multilang/shell-errors.js';
export type { ShellErrorCode } from './multilang/shell-errors.js';
export type { ShellComponentOptions, ShellBoltOptions, ShellOutputStream } from './multilang/shell-options.js';
export { SHELL_RESTART_BACKOFF, SHELL_HANDSHAKE_MIN_MS } from './multilang/shell-runner.js';
export { ParamSet } from './api/params.js';
export type { TopologyParams } from './api/params.js';
export {
  TOPOLOGY_CONFIG_DEFAULTS, TOPOLOGY_CONFIG_KEYS, parseTopologyConfig, coerceConfigString, isTopologyConfigKey,
} from './config/topology-config.js';
export type { TopologyConfig, TopologyConfigKey, StateBackendName } from './config/topology-config.js';
export { STORM_CONFIG_MAPPINGS, STORM_CONFIG_NO_EFFECT, onConfigNotice } from './config/storm-config.js';
export type { ConfigJson } from './config/storm-config.js';
export { topologyFromSpec } from './api/topology-spec.js';
export type {
  TopologySpec, ComponentDef, StreamDef, GroupingDef, ModuleRef, ShellRef, SpecModules, TopologyFromSpecOptions,
} from './api/topology-spec.js';
export type { ShellComponentFactory, ShellComponentDef, ShellStreamDef } from './api/shell-factory.js';
export {
  GaleError, TopologyError, ConfigError, UsageError, ComponentError, DataError, LifecycleError, StateError, FailedException, isGaleError, isDataError,
} from './errors.js';
export type { GaleErrorOptions } from './errors.js';
export { backoffDelays, isRetriable } from './retry.js';
export type { BackoffOptions } from './retry.js';
export { LocalCluster, LocalTopology } from './local/local-cluster.js';
export type { SubmitOptions } from './local/local-cluster.js';
export { completeTopology, trackedTopology, FeederSpout, FixedTupleSpout, CapturedTuples } from './local/testing.js';
export type { CompleteTopologyOptions, TrackedTopology } from './local/testing.js';
export type {
  ComponentStats, ReportedError, LatencySummary, ExecutorStats, RateWindow, WindowRates, ProcessStats, TransportStats,
} from './api/stats.js';
export { ACKER_COMPONENT } from './engine/engine.js';
export { METRICS_COMPONENT, METRICS_STREAM, METRICS_FIELDS, WORKER_METRICS_ROW } from './engine/metrics-component.js';
export { rootLog, setLogLevel } from './log.js';
export type { Logger, LogLevel } from './log.js';
