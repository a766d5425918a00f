import { TopologyError, type Values } from '@gale/runtime';
import { checkRedisUrl } from '@gale/runtime';

/** Options of {@link RedisStreamSpout}. Times are in milliseconds. */
export interface RedisStreamSpoutOptions {
  /** `redis://[[user]:password@]host[:port][/db]` (or `rediss://`). Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** The stream's key. */
  stream: string;
  /** The consumer group; created (with MKSTREAM) at open when missing. */
  group: string;
  /**
   * Where a group created by this spout starts: `'0'` (default: the whole stream, nothing written
   * before the first deploy is skipped), `'$'` (only entries added from now on) or an entry id.
   * Ignored when the group exists.
   */
  startId?: string;
  /**
   * Consumer names are `<consumerPrefix>-<task index>`, stable across restarts of the same task so
   * a restarted task reads its own pending entries first. Default `<topology>.<component>`.
   */
  consumerPrefix?: string;
  /** Entries per XREADGROUP (its COUNT); the spout reads one batch ahead, so it holds at most two unemitted. Default 100. */
  batchSize?: number;
  /** How long one XREADGROUP waits for new entries (its BLOCK). Default 1000. */
  blockMs?: number;
  /**
   * Entries pending longer than this in another consumer (a crashed task, a task removed by a
   * rebalance) are claimed with XAUTOCLAIM and emitted here. This spout keeps its own in-flight
   * entries fresh, so it is not bounded by `messageTimeoutMs`. Default 60000.
   */
  claimMinIdleMs?: number;
  /**
   * How often to claim idle entries and refresh the idle time of every entry this task holds; at
   * most `claimMinIdleMs / 3`, so a live task's entries never look idle. Default `claimMinIdleMs / 4`.
   */
  claimIntervalMs?: number;
  /**
   * Output fields. Each takes the entry field of its name (or of `from[field]`); an absent entry
   * field gives `null`. Values are strings, as Redis stores them. Default `['id', 'entry']`: the
   * entry id and an object of all its fields.
   */
  fields?: readonly string[];
  /** Output field → entry field, for output fields named differently from the entry's. */
  from?: Readonly<Record<string, string>>;
  /** An output field (one of `fields`) that gets the entry id instead of an entry field. */
  idField?: string;
  /** Connect timeout at open and on each reconnect. Default 5000. */
  connectTimeoutMs?: number;
  /** A command without a reply for this long counts as failed (the server is frozen). Default 5000. */
  commandTimeoutMs?: number;
  /** First delay between retries while Redis is away (then doubling, ±20% jitter). Default 100. */
  reconnectInitialMs?: number;
  /** Cap of that delay. Default 5000. */
  reconnectMaxMs?: number;
  /**
   * Report `isExhausted()` once a read finds no new entry and nothing emitted is still pending: for
   * `gale local --until-idle` and tests over a finite stream. Default false (a stream never ends).
   */
  untilEmpty?: boolean;
}

/** The options after validation, with every default filled in. */
export interface RedisStreamSpoutSettings {
  readonly url: string;
  readonly stream: string;
  readonly group: string;
  readonly startId: string;
  readonly consumerPrefix: string | undefined;
  readonly batchSize: number;
  readonly blockMs: number;
  readonly claimMinIdleMs: number;
  readonly claimIntervalMs: number;
  readonly outputFields: readonly string[];
  readonly toValues: (id: string, fields: Readonly<Record<string, string>>) => Values;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
  readonly untilEmpty: boolean;
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';
const STREAM_ID = /^(0|\$|\d+(-\d+)?)$/;
const KNOWN = new Set([
  'url', 'stream', 'group', 'startId', 'consumerPrefix', 'batchSize', 'blockMs', 'claimMinIdleMs', 'claimIntervalMs',
  'fields', 'from', 'idField', 'connectTimeoutMs', 'commandTimeoutMs', 'reconnectInitialMs', 'reconnectMaxMs', 'untilEmpty',
]);

function bad(message: string): TopologyError {
  return new TopologyError('GALE_ERR_BAD_OPTION', `RedisStreamSpout ${message}`);
}

function name(o: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const v = o[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v === '') throw bad(`${key} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function int(o: Record<string, unknown>, key: string, dflt: number, min: number): number {
  const v = o[key] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw bad(`${key} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function mapping(o: Record<string, unknown>): Pick<RedisStreamSpoutSettings, 'outputFields' | 'toValues'> {
  if (o.fields === undefined) {
    if (o.from !== undefined || o.idField !== undefined) throw bad('from and idField need fields');
    return { outputFields: ['id', 'entry'], toValues: (id, fields) => [id, { ...fields }] };
  }
  const fields = o.fields;
  if (!Array.isArray(fields) || fields.length === 0 || !fields.every((f) => typeof f === 'string' && f !== '')) {
    throw bad(`fields must be a non-empty list of field names, got ${JSON.stringify(fields)}`);
  }
  const from = (o.from ?? {}) as Record<string, unknown>;
  if (typeof from !== 'object' || from === null || Array.isArray(from)) throw bad('from must be an object { outputField: entryField }');
  for (const [k, v] of Object.entries(from)) {
    if (!fields.includes(k)) throw bad(`from names "${k}", which is not one of fields [${fields.join(', ')}]`);
    if (typeof v !== 'string' || v === '') throw bad(`from.${k} must be a non-empty string`);
  }
  const idField = o.idField;
  if (idField !== undefined && (typeof idField !== 'string' || !fields.includes(idField))) {
    throw bad(`idField must be one of fields [${fields.join(', ')}], got ${JSON.stringify(idField)}`);
  }
  const sources = (fields as string[]).map((f) => (f === idField ? undefined : (from[f] as string | undefined) ?? f));
  return {
    outputFields: [...(fields as string[])],
    toValues: (id, entry) => sources.map((src) => (src === undefined ? id : (entry[src] ?? null))),
  };
}

/** Validates the options (`GALE_ERR_BAD_OPTION`, naming the option) and fills in the defaults. */
export function parseRedisStreamSpoutOptions(options: RedisStreamSpoutOptions): RedisStreamSpoutSettings {
  if (typeof options !== 'object' || options === null) throw bad('needs an options object { stream, group, ... }');
  const o = options as unknown as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw bad(`has no option "${k}" (known: ${[...KNOWN].join(', ')})`);
  const url = o.url ?? DEFAULT_URL;
  checkRedisUrl(url, 'RedisStreamSpout');
  const startId = o.startId ?? '0';
  if (typeof startId !== 'string' || !STREAM_ID.test(startId)) throw bad(`startId must be '0', '$' or an entry id like 1700000000000-0, got ${JSON.stringify(startId)}`);
  const claimMinIdleMs = int(o, 'claimMinIdleMs', 60_000, 1);
  const claimIntervalMs = int(o, 'claimIntervalMs', Math.max(1, Math.floor(claimMinIdleMs / 4)), 1);
  if (claimIntervalMs * 3 > claimMinIdleMs) {
    throw bad(`claimIntervalMs (${claimIntervalMs}) must be at most claimMinIdleMs / 3 (${Math.floor(claimMinIdleMs / 3)}): this task's own entries would go idle long enough for another task to claim them`);
  }
  const reconnectInitialMs = int(o, 'reconnectInitialMs', 100, 1);
  const reconnectMaxMs = int(o, 'reconnectMaxMs', 5000, 1);
  if (reconnectMaxMs < reconnectInitialMs) throw bad(`reconnectMaxMs (${reconnectMaxMs}) must be >= reconnectInitialMs (${reconnectInitialMs})`);
  if (o.untilEmpty !== undefined && typeof o.untilEmpty !== 'boolean') throw bad('untilEmpty must be a boolean');
  return {
    url,
    stream: name(o, 'stream', true)!,
    group: name(o, 'group', true)!,
    startId,
    consumerPrefix: name(o, 'consumerPrefix', false),
    batchSize: int(o, 'batchSize', 100, 1),
    blockMs: int(o, 'blockMs', 1000, 1),
    claimMinIdleMs,
    claimIntervalMs,
    ...mapping(o),
    connectTimeoutMs: int(o, 'connectTimeoutMs', 5000, 1),
    commandTimeoutMs: int(o, 'commandTimeoutMs', 5000, 1),
    reconnectInitialMs,
    reconnectMaxMs,
    untilEmpty: o.untilEmpty === true,
  };
}
