/**
 * What a running topology reports about itself (`stats()`, `errors()`, `gale status`): plain data
 * shared by the engine that fills it, the cluster stores that carry it and the CLI that prints it.
 */

/** How stats label a component: user spouts and bolts, or a system component. */
export type ComponentKind = 'spout' | 'bolt' | 'acker' | 'checkpoint';

/** Latency percentiles in milliseconds, from a mergeable log-bucketed histogram (~12% bucket width). */
export interface LatencySummary {
  p50: number;
  p99: number;
  /** Absent in stats from workers older than it. */
  p999?: number;
  mean: number;
}

/** The sliding windows rates are given over (Storm's UI shows 10 min, 3 h, 1 day; gale keeps 10 min of history). */
export type RateWindow = '10s' | '1m' | '10m';

/** Per-second rates of one window, and the busy fraction. */
export interface WindowRates {
  emitted: number;
  transferred: number;
  executed: number;
  acked: number;
  failed: number;
  timedOut: number;
  deadLettered: number;
  replayed: number;
  /**
   * Storm's "capacity": the fraction of the window an executor spent executing (executed x mean
   * execute latency / window); near 1 the bolt is the bottleneck. For a component, its busiest
   * executor's.
   */
  capacity: number;
}

/** One executor (`component#index`) running here: its tasks' counters summed. */
export interface ExecutorStats {
  /** `component#index`, as assignments name it. */
  executor: string;
  /** `host:port` of the worker running it (set when stats of several workers are merged). */
  worker?: string;
  tasks: number[];
  emitted: number;
  transferred: number;
  executed: number;
  acked: number;
  failed: number;
  queueDepth: number;
  /** Total ms this executor spent unable to hand tuples to a full queue or peer (backpressure). */
  backpressureMs: number;
  executeLatencyMs: LatencySummary;
  completeLatencyMs: LatencySummary;
  rates: Record<RateWindow, WindowRates>;
}

/** One worker process's resource use (absent in local mode's engine stats; see `gale local --metrics-port`). */
export interface ProcessStats {
  rssBytes: number;
  heapUsedBytes: number;
  /** User + system CPU seconds since the process started. */
  cpuSeconds: number;
  /** CPU use over the last sampling period, percent of one core. */
  cpuPercent: number;
  /** Event-loop delay over the last sampling period (perf_hooks monitorEventLoopDelay), ms. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Time spent in garbage collection since the process started (PerformanceObserver 'gc'), ms. */
  gcMs: number;
  gcCount: number;
}

/** A worker's transport counters since it started. */
export interface TransportStats {
  /** Connections to peer workers re-established after a drop. */
  reconnects: number;
  /** Frames or handshakes refused from peers (bad frames, failed authentication, stale epochs) and frames dropped unsent. */
  rejectedFrames: number;
}

/** Snapshot of one component, summed over its tasks. Latencies in milliseconds. */
export interface ComponentStats {
  component: string;
  kind: ComponentKind;
  executors: number;
  tasks: number;
  emitted: number;
  transferred: number;
  executed: number;
  acked: number;
  failed: number;
  timedOut: number;
  /**
   * Spouts: message ids given up after `maxRetries` failures (emitted on `__dead_letter`, then
   * acked to the spout); also counted in `failed`, not in `acked`.
   */
  deadLettered: number;
  /**
   * Spouts: `fail(msgId)` calls, trees handed back to the spout for replay (after the replay
   * backoff); `failed` minus `deadLettered`, less replays still waiting for their backoff.
   * Optional: stats from workers of an earlier version lack it (read it as 0).
   */
  replayed?: number;
  errors: number;
  /**
   * Bolts: executes that threw (a `FailedException` is an explicit fail, not counted): each failed
   * its input, so they are part of `failed`, next to inputs failed explicitly, by a timeout of an
   * async execute, or at a stop. Absent for spouts and ackers, and from older workers.
   */
  executeThrew?: number;
  /**
   * Bolts: system ticks executed (`__tick`: windows, `tickTupleFreqSecs`); not in `executed`,
   * which counts inputs. Absent for spouts and ackers, and from older workers.
   */
  ticks?: number;
  /** Tuples waiting in this component's receive queues. */
  queueDepth: number;
  /** Highest receive-queue depth seen on any executor. */
  queueHighWater: number;
  queueCapacity: number;
  /** Spouts: trees emitted and not yet completed. Ackers: trees tracked. */
  pending: number;
  /**
   * Spouts: milliseconds since one of its tasks (here; over workers, the least) last completed a
   * tree — the acker reported it acked, or failed by a bolt; a timeout is no completion — or a bolt
   * kept one alive (`resetTimeout`), or since the task started. With `pending` > 0 and this above `messageTimeoutMs`, its trees stall.
   * Absent for other kinds, for a spout with no task here, and from older workers.
   */
  sinceCompletionMs?: number;
  executeLatencyMs: LatencySummary;
  completeLatencyMs: LatencySummary;
  /** Total ms its executors spent blocked by backpressure (a full queue or peer). Absent from older workers. */
  backpressureMs?: number;
  /** Per-second rates over sliding windows, summed over tasks. Absent from older workers. */
  rates?: Record<RateWindow, WindowRates>;
  /** The latency histograms themselves (`Histogram.toSparse()`), so stats of several workers merge exactly. */
  executeHistogram?: number[];
  completeHistogram?: number[];
  /** Its executors running here. Absent from older workers. */
  executorStats?: ExecutorStats[];
}

/** One error reported by a component (`reportError`, a throw in execute/nextTuple, ...). */
export interface ReportedError {
  component: string;
  task: number;
  message: string;
  /** Epoch milliseconds. */
  time: number;
  /**
   * The stack trace, source-mapped to the topology's own files when source maps are on (the
   * CLI and workers turn them on). Absent for a thrown non-Error, and for a `DataError` (bad
   * input data gale found, e.g. an unreadable event-time timestamp: its stack is gale's own).
   */
  stack?: string;
  /** `file:line:col` of the innermost stack frame in user code (not gale, not node_modules), when found. */
  source?: string;
  /** The error's stable code, when it has one (a `GaleError`'s). */
  code?: string;
  /** Set for a `DataError` (bad input data, e.g. a value a kit bolt can never use). */
  data?: true;
  /**
   * How many reports this entry stands for, when more than one: a repeat of an error already in
   * the component's recent list (the same message; for a `DataError`, whose message names the bad
   * value, the same code) replaces that entry (newest message, time and task) and adds to its
   * count, so a flood of one error cannot push the others out of the list.
   */
  count?: number;
}

/**
 * What makes two reported errors one entry ({@link ReportedError.count}): for a `DataError`,
 * whose message names the bad value, the same code; otherwise the same message once the parts of
 * it that look like ids are masked, so a flood of one error whose messages differ only in the ids
 * and numbers inside them is one entry, with a count and its newest message as the example. A
 * word (letters, digits, `_ . : -`) is cut at `_ . : -` into segments; a segment is masked (`#`,
 * and runs of masked segments become one `#`) when it is a number (`crash 3`, `after 5012 ms`,
 * `ord-8812`, `10.0.0.3`), starts with a digit (`12ms`, `9Z`), has a run of 5+ digits, or is more
 * than half digits, and a
 * whole UUID or hex token of 8+ characters with a digit is masked. Kept, so different errors stay
 * apart: short names with digits (`utf8`, `base64`, `sha256`, `md5`, `x1`), an HTTP-like status
 * (100–599) after `status`, `code` or `HTTP` (`status 404` vs `status 503`), and the port of a
 * `host:port` (`127.0.0.1:6379` reads `#:6379`: another port is another service; another host
 * of the same service folds). The engine's recent-errors list, its log rate limit and stack
 * cache, a worker's throttled ZooKeeper writes and the ZooKeeper errors store all use this key
 * (and keep their lists with {@link foldRecentError}).
 */
export function errorRepeatKey(e: { readonly message: string; readonly code?: string | undefined; readonly data?: boolean | undefined }): string {
  if (e.data === true && e.code !== undefined) return `code\u0000${e.code}`;
  let prev = '';
  const masked = e.message.replace(WORD, (w) => {
    const out = maskWord(w, prev);
    prev = w;
    return out;
  });
  return `message\u0000${masked}`;
}

/** A word of a message (letters, digits, `_`, `-`, `.`, `:`). Linear: no backtracking. */
const WORD = /[\w.:-]+/g;
const DIGIT = /\d/;
const SEPARATORS = /[_.:-]/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_ID = /^(?:0x)?[0-9a-f]{8,}$/i;
const NUMBER = /^\d+$/;
const LONG_DIGITS = /\d{5}/;
const HOST_PORT = /^([\w.-]+):(\d{1,5})$/;
const STATUS_WORDS = new Set(['status', 'code', 'http', 'statuscode']);

/** `w` with its id-like parts masked ({@link errorRepeatKey}); `prev` is the word before it. */
function maskWord(w: string, prev: string): string {
  if (!DIGIT.test(w)) return w;
  if (UUID.test(w) || HEX_ID.test(w)) return '#';
  if (NUMBER.test(w) && w.length === 3 && w >= '100' && w < '600' && STATUS_WORDS.has(prev.replace(/[.:]+$/, '').toLowerCase())) return w;
  const hp = HOST_PORT.exec(w);
  if (hp !== null) return `${maskSegments(hp[1]!)}:${hp[2]!}`;
  return maskSegments(w);
}

function maskSegments(w: string): string {
  let out = '';
  let seg = '';
  for (let i = 0; i <= w.length; i++) {
    const ch = i < w.length ? w[i]! : '';
    if (ch !== '' && !SEPARATORS.test(ch)) {
      seg += ch;
      continue;
    }
    out += isIdSegment(seg) ? '#' : seg;
    out += ch;
    seg = '';
  }
  // `10.0.0.3`, `2024-05-01` -> `#`: how many numbers an id has does not make it another error.
  return out.replace(/#(?:[_.:-]#)+/g, '#');
}

function isIdSegment(seg: string): boolean {
  if (seg === '' || !DIGIT.test(seg)) return false;
  if (NUMBER.test(seg) || LONG_DIGITS.test(seg) || (seg[0]! >= '0' && seg[0]! <= '9')) return true;
  let digits = 0;
  for (const ch of seg) if (ch >= '0' && ch <= '9') digits++;
  return digits * 2 > seg.length;
}

/**
 * Adds `entry` to a recent-errors list (oldest first, at most `max`), in place, by the one rule
 * every such list follows (the engine's, the ZooKeeper store's, hence the REST API's and `gale
 * status`'s): a repeat ({@link errorRepeatKey} equal) replaces its entry, moved to the end, with
 * the counts added (`merge`). Over `max`, one entry goes — not simply the oldest: the oldest entry
 * of each error code (uncoded errors count as one code) is kept, and the entry dropped is the
 * oldest of the others in the code with most entries. So a flood of errors that do not fold (all
 * different messages) rotates through its own code's slots and cannot push out the first error of
 * any other code, nor its own first one; only when every entry is a different code does the
 * oldest go.
 */
export function foldRecentError<T extends { readonly message: string; readonly code?: string | undefined; readonly data?: boolean | undefined; readonly count?: number | undefined }>(
  list: T[], entry: T, max: number, merge: (old: T, entry: T, count: number) => T, keyOf: (e: T) => string = errorRepeatKey,
): T[] {
  const key = keyOf(entry);
  const i = list.findIndex((e) => keyOf(e) === key);
  if (i >= 0) {
    const old = list[i]!;
    list.splice(i, 1);
    list.push(merge(old, entry, (old.count ?? 1) + (entry.count ?? 1)));
  } else list.push(entry);
  while (list.length > max) list.splice(evictionIndex(list), 1);
  return list;
}

/**
 * Which entry of an over-full list goes ({@link foldRecentError}); the last one, just added, never
 * does (it would vanish uncounted). The most crowded code gives up its second oldest entry; when
 * that is the one just added (the code's only other entry is its first), its first goes instead,
 * so the code keeps one entry, the newest. With no code crowded, the oldest goes.
 */
function evictionIndex(list: readonly { readonly code?: string | undefined }[]): number {
  const byCode = new Map<string, number[]>();
  list.forEach((e, i) => {
    const c = e.code ?? '';
    const at = byCode.get(c);
    if (at === undefined) byCode.set(c, [i]);
    else at.push(i);
  });
  let most: number[] | undefined;
  for (const at of byCode.values()) if (at.length > 1 && (most === undefined || at.length > most.length)) most = at;
  if (most === undefined) return 0;
  return most[1] === list.length - 1 ? most[0]! : most[1]!;
}
