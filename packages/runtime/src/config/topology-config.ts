import { ConfigError } from '../errors.js';
import { didYouMean } from './did-you-mean.js';
import { isConfigJson, isDottedKey, splitStormKeys, type ConfigJson } from './storm-config.js';

/** The resolved configuration of a running topology: every key present, validated, frozen. */
export interface TopologyConfig {
  /** Worker processes the topology asks for in cluster mode. */
  readonly workers: number;
  /** Acker executors; `null` means one per worker; 0 disables tracking (spout tuples are acked at emit). */
  readonly ackers: number | null;
  /** A spout tuple whose tree is not complete after this long is failed (and replayed by the spout). */
  readonly messageTimeoutMs: number;
  /** Most un-completed tuple trees per spout task; `null` means no limit. */
  readonly maxSpoutPending: number | null;
  /**
   * Replays of one spout message id after its tree failed or timed out; the next failure
   * dead-letters it (emitted on `__dead_letter`, spout `ack`ed). `null`: retry forever (Storm).
   * A spout's own `maxRetries` option wins.
   */
  readonly maxRetries: number | null;
  /**
   * Backoff before replaying a message id that failed again: its first failure is replayed at
   * once, its n-th consecutive one (n >= 2) after `replayBackoffInitialMs * 2^(n-2)` ±20% jitter,
   * capped at `replayBackoffMaxMs`. 0 turns the backoff off (every failure replayed at once).
   */
  readonly replayBackoffInitialMs: number;
  /** Longest replay backoff of one message id (after jitter); at least `replayBackoffInitialMs`. */
  readonly replayBackoffMaxMs: number;
  /**
   * After a worker died without its exit handler (SIGKILL, OOM kill, abort), how long its next
   * launch records what it executes, to charge a poison tuple that kills it again (ms); null:
   * max(60 s, 3 × messageTimeoutMs + replayBackoffMaxMs); 0: never (such a poison then replays
   * forever, at the supervisor's restart backoff). Recording slows the worker while it lasts.
   */
  readonly crashWatchMs: number | null;
  /** Capacity of each executor's receive queue, in tuples. A full queue makes producers wait. */
  readonly queueCapacity: number;
  /** Most concurrent async `execute` calls per bolt executor; 1 keeps tuples in order. */
  readonly maxConcurrency: number;
  /** Send a tick tuple to every bolt task this often; `null` for none. A bolt's own option wins. */
  readonly tickFrequencySecs: number | null;
  /** How long a spout executor waits after a `nextTuple` call that emitted nothing. */
  readonly spoutWaitMs: number;
  /** On kill/shutdown, how long to wait for in-flight tuple trees to complete before closing. */
  readonly drainTimeoutMs: number;
  /**
   * Stateful bolts: the checkpoint coordinator starts a checkpoint (prepare, then commit) this
   * often; at most `messageTimeoutMs / 2`, since a stateful bolt holds its acks until a commit.
   */
  readonly checkpointIntervalMs: number;
  /** Where stateful bolts keep their committed state: `memory` (this process), `file` or `redis`. */
  readonly stateBackend: StateBackendName;
  /** The `file` backend's directory; `null`: `.gale-state` in the working directory. */
  readonly stateDir: string | null;
  /** The `redis` backend's server, `redis://[user:pass@]host:port[/db]`; `null`: `redis://127.0.0.1:6379`. */
  readonly stateRedisUrl: string | null;
  /**
   * Keys gale does not interpret, handed to every component as they are: Storm-style dotted keys
   * (`my.app.endpoint`) given in the config or with `-c`. Components read them from
   * `context.config.componentConfig`, as Storm components read their conf map.
   */
  readonly componentConfig: Readonly<Record<string, ConfigJson>>;
  /**
   * Period of the `__metrics` stream: every this many ms, each worker's metrics component sends
   * the interval's data points to the bolts registered with `setMetricsConsumer` (none: no cost).
   */
  readonly metricsIntervalMs: number;
  /**
   * Latency metrics and rates: `false` stops timing execute latency (a sample of tuples) and
   * complete latency (every acked tree) and the 1 s sampler behind rates and capacity, for
   * measuring what they cost (`npm run bench`, metrics). Counters are always kept: the engine and
   * `gale status` read them. Default true.
   */
  readonly metricsEnabled: boolean;
  /**
   * A shell (multilang) component's subprocess that owes an answer (a bolt's `sync` to its
   * heartbeat tuple, a spout's `sync` to its command) and sends nothing for this long is killed
   * and restarted. The handshake's pid reply gets at least 10 s.
   */
  readonly shellHeartbeatTimeoutMs: number;
  /**
   * Cluster workers: `true` lets V8 spread each young-generation collection (scavenge) over helper
   * threads, Node's default; `false` (gale's default) starts workers with `--no-parallel-scavenge`,
   * so the worker's own thread does it alone. A worker's scavenges copy little (the trees in flight),
   * and a parallel one waits for every helper thread, so on a machine with more busy threads than
   * cores a descheduled helper stretched the pause from ~0.5 ms to 5–80 ms (docs/benchmarks.md).
   */
  readonly workerParallelScavenge: boolean;
}

/** The typed keys of the table below (every key but the free-form `componentConfig`). */
export type TopologyConfigKey = Exclude<keyof TopologyConfig, 'componentConfig'>;

/** The state backends of stateful bolts (docs/state.md). */
export type StateBackendName = 'memory' | 'file' | 'redis';

type KeyType = 'int' | 'number' | 'boolean' | 'string';

interface KeySpec {
  readonly type: KeyType;
  readonly nullable?: boolean;
  /** Strings: the only values allowed (default: any non-empty string). */
  readonly values?: readonly string[];
  /** Strings: a pattern the value must match, and what to call it in the error. */
  readonly pattern?: { readonly re: RegExp; readonly what: string };
  readonly min: number;
  /** Upper bound (default: none). Timer-backed keys stop at what a Node timer honours. */
  readonly max?: number;
  readonly doc: string;
}

/** Longest delay a Node timer honours (2^31-1 ms); larger ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The one table of topology config keys: types, bounds and docs (README's config table mirrors it). */
export const TOPOLOGY_CONFIG_KEYS: { readonly [K in TopologyConfigKey]: KeySpec } = Object.freeze({
  workers: { type: 'int', min: 1, doc: 'worker processes in cluster mode' },
  ackers: { type: 'int', nullable: true, min: 0, doc: 'acker executors; null = one per worker; 0 = no tracking' },
  messageTimeoutMs: { type: 'int', min: 1, max: MAX_TIMER_MS, doc: 'tuple tree timeout before fail + replay' },
  maxSpoutPending: { type: 'int', nullable: true, min: 1, doc: 'max un-completed trees per spout task; null = unlimited' },
  maxRetries: { type: 'int', nullable: true, min: 0, doc: 'replays of a failed spout message id before it is dead-lettered and acked; null = forever' },
  replayBackoffInitialMs: { type: 'int', min: 0, max: MAX_TIMER_MS, doc: 'backoff before replaying a message id that failed twice or more in a row, doubling per failure; 0 = off' },
  replayBackoffMaxMs: { type: 'int', min: 0, max: MAX_TIMER_MS, doc: 'cap of the replay backoff of one message id; >= replayBackoffInitialMs' },
  crashWatchMs: { type: 'int', nullable: true, min: 0, max: MAX_TIMER_MS, doc: 'after a worker death without exit handler, how long the next launch records its executions; null = max(60 s, 3 x messageTimeoutMs + replayBackoffMaxMs); 0 = never' },
  queueCapacity: { type: 'int', min: 1, max: 2 ** 24, doc: 'executor receive queue capacity (tuples)' },
  maxConcurrency: { type: 'int', min: 1, doc: 'concurrent async executes per bolt executor' },
  tickFrequencySecs: { type: 'number', nullable: true, min: 0.001, max: Math.floor(MAX_TIMER_MS / 1000), doc: 'tick tuple period for every bolt; null = none' },
  spoutWaitMs: { type: 'int', min: 0, max: MAX_TIMER_MS, doc: 'wait after a nextTuple that emitted nothing' },
  drainTimeoutMs: { type: 'int', min: 0, max: MAX_TIMER_MS, doc: 'max wait for in-flight trees on kill/shutdown' },
  checkpointIntervalMs: { type: 'int', min: 10, max: MAX_TIMER_MS, doc: 'stateful bolts: period of checkpoints (prepare + commit); <= messageTimeoutMs / 2' },
  stateBackend: { type: 'string', values: ['memory', 'file', 'redis'], min: 0, doc: 'stateful bolts: where committed state lives (memory | file | redis)' },
  stateDir: { type: 'string', nullable: true, min: 0, doc: 'file state backend: directory; null = .gale-state in the working directory' },
  stateRedisUrl: {
    type: 'string', nullable: true, min: 0, pattern: { re: /^rediss?:\/\/[^\s]+$/, what: 'a redis:// or rediss:// URL' },
    doc: 'redis state backend: server URL; null = redis://127.0.0.1:6379',
  },
  metricsIntervalMs: { type: 'int', min: 100, max: MAX_TIMER_MS, doc: 'period of the __metrics stream to metrics consumer bolts' },
  metricsEnabled: { type: 'boolean', min: 0, doc: 'false: no execute/complete latency histograms, rates or capacity (counters stay); for measuring their cost' },
  shellHeartbeatTimeoutMs: { type: 'int', min: 100, max: MAX_TIMER_MS, doc: 'a shell component subprocess that owes a sync and is silent this long is killed and restarted' },
  workerParallelScavenge: { type: 'boolean', min: 0, doc: 'cluster workers: true = V8 parallel scavenge (Node default); false = --no-parallel-scavenge, young-gen GC on the worker thread alone' },
});

export const TOPOLOGY_CONFIG_DEFAULTS: TopologyConfig = Object.freeze({
  workers: 1,
  ackers: null,
  messageTimeoutMs: 30_000,
  maxSpoutPending: null,
  maxRetries: null,
  replayBackoffInitialMs: 100,
  replayBackoffMaxMs: 10_000,
  crashWatchMs: null,
  queueCapacity: 4096,
  maxConcurrency: 1,
  tickFrequencySecs: null,
  spoutWaitMs: 1,
  drainTimeoutMs: 30_000,
  checkpointIntervalMs: 1000,
  stateBackend: 'memory',
  stateDir: null,
  stateRedisUrl: null,
  componentConfig: Object.freeze({}),
  metricsIntervalMs: 10_000,
  metricsEnabled: true,
  shellHeartbeatTimeoutMs: 30_000,
  workerParallelScavenge: false,
});

export function isTopologyConfigKey(key: string): key is TopologyConfigKey {
  return Object.prototype.hasOwnProperty.call(TOPOLOGY_CONFIG_KEYS, key);
}

function describe(spec: KeySpec): string {
  if (spec.type === 'string') {
    const base = spec.values !== undefined ? `one of ${spec.values.map((v) => `"${v}"`).join(', ')}` : spec.pattern !== undefined ? spec.pattern.what : 'a non-empty string';
    return spec.nullable ? `${base} or null` : base;
  }
  const range = spec.max === undefined ? `>= ${spec.min}` : `from ${spec.min} to ${spec.max}`;
  const base = spec.type === 'int' ? `an integer ${range}` : spec.type === 'number' ? `a number ${range}` : 'a boolean';
  return spec.nullable ? `${base} or null` : base;
}

function checkString(key: string, spec: KeySpec, value: unknown, where: string): string {
  if (typeof value === 'string' && spec.values !== undefined && !spec.values.includes(value)) {
    throw new ConfigError('GALE_ERR_CONFIG_VALUE', `config key "${key}"${where} must be ${describe(spec)}, got ${JSON.stringify(value)}${didYouMean(value, spec.values)}`);
  }
  if (typeof value !== 'string' || value.length === 0 || (spec.pattern !== undefined && !spec.pattern.re.test(value))) {
    throw new ConfigError('GALE_ERR_CONFIG_VALUE', `config key "${key}"${where} must be ${describe(spec)}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkValue(key: TopologyConfigKey, value: unknown, where: string, stormKey?: string): number | boolean | string | null {
  const spec = TOPOLOGY_CONFIG_KEYS[key];
  if (value === null && spec.nullable) return null;
  if (spec.type === 'string') return checkString(key, spec, value, where);
  const ok =
    spec.type === 'boolean'
      ? typeof value === 'boolean'
      : typeof value === 'number' && Number.isFinite(value) && value >= spec.min && (spec.max === undefined || value <= spec.max) && (spec.type !== 'int' || Number.isInteger(value));
  if (!ok) {
    const name = stormKey === undefined ? `"${key}"` : `"${stormKey}" (gale's "${key}")`;
    throw new ConfigError('GALE_ERR_CONFIG_VALUE', `config key ${name}${where} must be ${describe(spec)}, got ${JSON.stringify(value)}`);
  }
  return value as number | boolean;
}

/**
 * Validates a partial config object (from code) and merges it over `base`.
 * `where` names the origin for error messages, e.g. ` in topology "word-count"`.
 */
export function parseTopologyConfig(raw: unknown, base: TopologyConfig = TOPOLOGY_CONFIG_DEFAULTS, where = ''): TopologyConfig {
  if (raw === undefined) return base;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('GALE_ERR_CONFIG_TYPE', `config${where} must be an object of keys to values, got ${JSON.stringify(raw)}`);
  }
  const out: Record<string, unknown> = { ...base };
  const split = splitStormKeys(raw as Record<string, unknown>, where);
  const extra: Record<string, ConfigJson> = { ...base.componentConfig };
  for (const [key, value] of Object.entries(split.gale)) {
    if (key === 'componentConfig') {
      mergeComponentConfig(extra, value, where);
      continue;
    }
    if (!isTopologyConfigKey(key)) {
      throw new ConfigError(
        'GALE_ERR_CONFIG_UNKNOWN_KEY',
        `unknown config key "${key}"${where}${didYouMean(key, Object.keys(TOPOLOGY_CONFIG_KEYS))}; known keys: ${Object.keys(TOPOLOGY_CONFIG_KEYS).join(', ')} (and Storm-style dotted keys)`,
      );
    }
    out[key] = checkValue(key, value, where, split.origin[key]);
  }
  mergeComponentConfig(extra, split.passThrough, where);
  out.componentConfig = Object.freeze(extra);
  const cfg = out as unknown as TopologyConfig;
  if (cfg.replayBackoffMaxMs < cfg.replayBackoffInitialMs) {
    throw new ConfigError(
      'GALE_ERR_CONFIG_VALUE',
      `config key "replayBackoffMaxMs"${where} must be >= replayBackoffInitialMs (${cfg.replayBackoffInitialMs}), got ${cfg.replayBackoffMaxMs}`,
    );
  }
  return Object.freeze(out) as unknown as TopologyConfig;
}

/** Adds pass-through keys (each must be dotted and plain JSON) to `into`. */
function mergeComponentConfig(into: Record<string, ConfigJson>, value: unknown, where: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('GALE_ERR_CONFIG_TYPE', `config key "componentConfig"${where} must be an object of dotted keys to values, got ${JSON.stringify(value)}`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (!isDottedKey(k)) {
      throw new ConfigError('GALE_ERR_CONFIG_UNKNOWN_KEY', `pass-through config key "${k}"${where} must be dotted (Storm style, e.g. "my.app.${k}"), so it cannot be mistaken for a gale key`);
    }
    if (!isConfigJson(v)) {
      throw new ConfigError('GALE_ERR_CONFIG_VALUE', `config key "${k}"${where} must be plain JSON (text, number, boolean, null, list or map)`);
    }
    into[k] = v;
  }
}

/** Converts the text of a `--set key=value` for a known key to its typed value (does not range-check). */
export function coerceConfigString(key: TopologyConfigKey, text: string): unknown {
  const spec = TOPOLOGY_CONFIG_KEYS[key];
  if (spec.nullable && (text === 'null' || text === 'none')) return null;
  if (spec.type === 'string') return text;
  if (spec.type === 'boolean') {
    if (text === 'true') return true;
    if (text === 'false') return false;
  } else if (/^-?\d+(\.\d+)?(e\d+)?$/i.test(text.replace(/_/g, ''))) {
    return Number(text.replace(/_/g, ''));
  }
  throw new ConfigError('GALE_ERR_CONFIG_VALUE', `--set ${key}=${text}: "${key}" must be ${describe(spec)}`);
}
