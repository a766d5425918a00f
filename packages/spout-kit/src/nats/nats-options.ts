import { TopologyError } from '@gale/runtime';

/** Options of {@link NatsJetStreamSpout}. */
export interface NatsJetStreamSpoutOptions {
  /**
   * Server address(es): `host[:port]`, `nats://host[:port]` or `tls://host[:port]`. Any other
   * scheme (`http://`, `redis://`, ...), and credentials in the address (`user:pass@`, which the
   * NATS client ignores), are refused here: give them as `user`/`pass` or `token`.
   */
  servers: string | readonly string[];
  /** The JetStream stream to read. */
  stream: string;
  /** Name of the durable pull consumer; created on the stream if missing, bound if present. */
  durable: string;
  /** Subject filter of the consumer when it is created (default: every subject of the stream). */
  filterSubject?: string;
  /**
   * When given and the stream does not exist, `open()` creates it (file storage) with these
   * subjects; without it a missing stream is a `GALE_ERR_NATS_STREAM` error at open.
   */
  streamSubjects?: readonly string[];
  /** Messages per fetch (default 100). */
  batchSize?: number;
  /** How long one fetch waits for messages on the server (default 1000 ms, at least 100). */
  fetchExpiresMs?: number;
  /**
   * The consumer's `ack_wait` when it is created (default 30 000 ms): how long after a crash an
   * unacked message is redelivered. The spout keeps its live messages from expiring with
   * `working()` heartbeats, so this may be far below the topology's `messageTimeoutMs`.
   */
  ackWaitMs?: number;
  /**
   * Delay of the `nak` sent when a tuple tree fails, before the server redelivers. Default: the
   * topology's `replayBackoffInitialMs` (the engine has already applied its own replay backoff to
   * repeated failures of the same message before it calls `fail`).
   */
  nakDelayMs?: number;
  /** `open()`'s connect timeout (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Backoff after a failed fetch: first delay (default 200 ms) ... */
  retryInitialMs?: number;
  /** ... doubling up to this cap (default 5000 ms). */
  retryMaxMs?: number;
  /** Name of the output field holding the payload, decoded as UTF-8 (default `data`). */
  dataField?: string;
  /** Name of the output field holding the message subject (default `subject`). */
  subjectField?: string;
  /** Credentials, when the server requires them. */
  user?: string;
  pass?: string;
  token?: string;
}

/** Options after validation: defaults filled in, frozen. */
export interface NatsSpoutConfig {
  readonly servers: readonly string[];
  readonly stream: string;
  readonly durable: string;
  readonly filterSubject: string | undefined;
  readonly streamSubjects: readonly string[] | undefined;
  readonly batchSize: number;
  readonly fetchExpiresMs: number;
  readonly ackWaitMs: number;
  readonly nakDelayMs: number | undefined;
  readonly connectTimeoutMs: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
  readonly dataField: string;
  readonly subjectField: string;
  readonly user: string | undefined;
  readonly pass: string | undefined;
  readonly token: string | undefined;
}

export const NATS_SPOUT_DEFAULTS = Object.freeze({
  batchSize: 100,
  fetchExpiresMs: 1000,
  ackWaitMs: 30_000,
  connectTimeoutMs: 5000,
  retryInitialMs: 200,
  retryMaxMs: 5000,
  dataField: 'data',
  subjectField: 'subject',
});

const KEYS = new Set([
  'servers', 'stream', 'durable', 'filterSubject', 'streamSubjects', 'batchSize', 'fetchExpiresMs', 'ackWaitMs', 'nakDelayMs',
  'connectTimeoutMs', 'retryInitialMs', 'retryMaxMs', 'dataField', 'subjectField', 'user', 'pass', 'token',
]);

// JetStream names may not contain whitespace, `.`, `*`, `>`, path separators.
const NAME = /^[^\s.*>/\\]+$/;

function bad(message: string): TopologyError {
  return new TopologyError('GALE_ERR_BAD_OPTION', `NatsJetStreamSpout ${message}`);
}

function int(o: NatsJetStreamSpoutOptions, key: keyof typeof NATS_SPOUT_DEFAULTS & keyof NatsJetStreamSpoutOptions, min: number): number {
  const v = o[key] ?? NATS_SPOUT_DEFAULTS[key];
  if (!Number.isInteger(v) || (v as number) < min) throw bad(`${key} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v as number;
}

function optString(o: NatsJetStreamSpoutOptions, key: 'filterSubject' | 'user' | 'pass' | 'token'): string | undefined {
  const v = o[key];
  if (v !== undefined && (typeof v !== 'string' || v.length === 0)) throw bad(`${key} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const HOST_PORT = /^(\[[0-9a-f:.]+\]|[^\s:/@[\]]+)(:\d{1,5})?$/i;

/**
 * One server address in a form the NATS client connects to. Checked here, at build time (a
 * usage error, exit 2), because the client would take `http://host:4222` and report only
 * "connection refused" at open. Credentials in a URL are not echoed.
 */
function checkServer(s: string): void {
  const scheme = SCHEME.exec(s)?.[1]?.toLowerCase();
  let ok: boolean;
  // Whatever stands before an '@' is credentials: never echoed, and refused (the client ignores them).
  const at = s.lastIndexOf('@');
  const shown = at < 0 ? s : `${s.slice(0, (SCHEME.exec(s)?.[0].length ?? 0))}***${s.slice(at)}`;
  if (at >= 0) throw bad(`servers must not carry credentials (the NATS client ignores them): use the user/pass or token options, got ${JSON.stringify(shown)}`);
  if (scheme === undefined) ok = HOST_PORT.test(s);
  else {
    try {
      const u = new URL(s);
      ok = (scheme === 'nats' || scheme === 'tls') && u.hostname !== '' && (u.pathname === '' || u.pathname === '/');
    } catch {
      ok = false;
    }
  }
  if (!ok) throw bad(`servers must be host:port, nats://host:port or tls://host:port, got ${JSON.stringify(shown)}`);
}

/** A non-empty array of non-empty strings (options come from JavaScript callers too). */
function isStringList(v: unknown): v is readonly string[] {
  return Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s.length > 0);
}

/** Validates the options once, in the constructor (the spout is cloned per task afterwards). */
export function parseNatsSpoutOptions(o: NatsJetStreamSpoutOptions): NatsSpoutConfig {
  if (o === null || typeof o !== 'object') throw bad(`needs an options object, got ${JSON.stringify(o)}`);
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw bad(`has no option "${k}" (options: ${[...KEYS].join(', ')})`);
  const servers: unknown = typeof o.servers === 'string' ? [o.servers] : o.servers;
  if (!isStringList(servers)) {
    throw bad(`needs { servers: string | string[] } with at least one address, got ${JSON.stringify(o.servers)}`);
  }
  for (const s of servers) checkServer(s);
  for (const key of ['stream', 'durable'] as const) {
    if (typeof o[key] !== 'string' || !NAME.test(o[key])) throw bad(`${key} must be a name without spaces, '.', '*', '>' or slashes, got ${JSON.stringify(o[key])}`);
  }
  const subjects: unknown = o.streamSubjects;
  if (subjects !== undefined && !isStringList(subjects)) {
    throw bad(`streamSubjects must be a non-empty array of subjects, got ${JSON.stringify(subjects)}`);
  }
  const nak = o.nakDelayMs;
  if (nak !== undefined && (!Number.isInteger(nak) || nak < 0)) throw bad(`nakDelayMs must be an integer >= 0, got ${JSON.stringify(nak)}`);
  const retryInitialMs = int(o, 'retryInitialMs', 1);
  const retryMaxMs = int(o, 'retryMaxMs', 1);
  if (retryMaxMs < retryInitialMs) throw bad(`retryMaxMs (${retryMaxMs}) must be >= retryInitialMs (${retryInitialMs})`);
  const dataField = o.dataField ?? NATS_SPOUT_DEFAULTS.dataField;
  const subjectField = o.subjectField ?? NATS_SPOUT_DEFAULTS.subjectField;
  if (dataField === subjectField) throw bad(`dataField and subjectField must differ, both are ${JSON.stringify(dataField)}`);
  return Object.freeze({
    servers: Object.freeze([...servers]),
    stream: o.stream,
    durable: o.durable,
    filterSubject: optString(o, 'filterSubject'),
    streamSubjects: subjects === undefined ? undefined : Object.freeze([...subjects]),
    batchSize: int(o, 'batchSize', 1),
    fetchExpiresMs: int(o, 'fetchExpiresMs', 100),
    ackWaitMs: int(o, 'ackWaitMs', 1000),
    nakDelayMs: nak,
    connectTimeoutMs: int(o, 'connectTimeoutMs', 1),
    retryInitialMs,
    retryMaxMs,
    dataField,
    subjectField,
    user: optString(o, 'user'),
    pass: optString(o, 'pass'),
    token: optString(o, 'token'),
  });
}
