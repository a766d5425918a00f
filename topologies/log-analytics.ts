/**
 * log-analytics: counts JSON access-log records per value of one field (status, path, userId,
 * ...) over 1-minute tumbling windows of event time. Records come from a file, a tailed (growing,
 * rotating) log file or a Redis stream; e.g. `npm run gen-data -- logs`.
 *
 *   logs (FileLineSpout | FileTailSpout | RedisStreamSpout)
 *     --shuffle--> parse (2: the record, or "invalid" with the reason; never a failure)
 *     --fields(value)--> count (WindowedCountBolt, 2: per value per window)
 *     --global--> sink (AppendFileSinkBolt: JSON lines | RedisHashSinkBolt: one hash per window)
 *   parse --"invalid"--> invalid (1: passes it on) --> dead-letter (AppendFileSinkBolt: JSON lines)
 *   count --"late"--> late (1: a record too late for every window, as a row) --> dead-letter
 *
 * Nothing is dropped silently: a malformed line is written to the dead-letter file as
 * `{line, reason}`, a record older than the watermark (every window it belongs to has fired) as
 * `{reason: "late", field, value, ts, watermark}`. The `invalid` and `late` components' executed
 * totals (`gale status`, the run summary of `gale local`) count them.
 *
 *   gale local topologies/log-analytics.ts --set input=logs.jsonl --set output=counts.jsonl --until-idle
 *   gale local topologies/log-analytics.ts --set source=tail --set input=/var/log/app.jsonl --set output=counts.jsonl
 *   gale local topologies/log-analytics.ts --set source=redis --set stream=logs --set sink=redis --set field=path
 *
 * `--set anchor=none` counts in panes of event time (WindowedCountBolt anchor 'none'): the same
 * counts, no record kept by the window, but a record is acked once its window closed, before the
 * sink wrote its row (a sink failure replays nothing). The default anchors each row to its records.
 */
import {
  BaseBasicBolt, Duration, TopologyBuilder, UsageError, WINDOW_LATE_STREAM, tumblingWindow,
  type BasicOutputCollector, type OutputFieldsDeclarer, type Spout, type Topology, type TopologyParams, type Tuple,
} from '@gale/runtime';
import { AppendFileSinkBolt, RedisHashSinkBolt, WindowedCountBolt } from '@gale/bolt-kit';
import { FileLineSpout, FileTailSpout, RedisStreamSpout } from '@gale/spout-kit';

/** The fields every record must have, with their types: anything else is invalid. */
const SCHEMA: Readonly<Record<string, 'string' | 'number'>> = {
  ts: 'number', status: 'number', path: 'string', method: 'string', level: 'string', userId: 'string', latencyMs: 'number',
};

/** The record's value of `field` and its timestamp, or why the line is not a log record. */
export function parseLogLine(line: string, field: string): { value: string; ts: number } | string {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'not a JSON object';
  const rec = r as Record<string, unknown>;
  for (const [k, type] of Object.entries(SCHEMA)) {
    const v = rec[k];
    if (typeof v !== type || (type === 'number' && !Number.isFinite(v))) return `${k} is not a ${type}`;
  }
  const v = rec[field];
  if (typeof v !== 'string' && typeof v !== 'number') return `no field "${field}"`;
  return { value: String(v), ts: rec.ts as number };
}

/**
 * What the topology must write for `lines`: `windowStart|value` -> count of the valid records,
 * in tumbling windows of `windowSec` (a batch count, for checking a run).
 */
export function batchCounts(lines: Iterable<string>, field: string, windowSec: number): Map<string, number> {
  const windowMs = windowSec * 1000;
  const counts = new Map<string, number>();
  for (const l of lines) {
    const r = parseLogLine(l, field);
    if (typeof r === 'string') continue;
    const k = `${Math.floor(r.ts / windowMs) * windowMs}|${r.value}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** JSON line -> [value, ts]; anything else -> "invalid" [line, reason]: a bad line is data, not a failure to replay. */
export class ParseLogBolt extends BaseBasicBolt {
  constructor(private readonly field: string) {
    super();
  }

  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['value', 'ts']);
    d.declareStream('invalid', ['line', 'reason']);
  }

  execute(t: Tuple, c: BasicOutputCollector): void {
    const line = t.getValueByField('line');
    if (typeof line !== 'string') {
      c.emitStream('invalid', [JSON.stringify(line), 'not a text line']);
      return;
    }
    if (line.trim() === '') return;
    const r = parseLogLine(line, this.field);
    if (typeof r === 'string') c.emitStream('invalid', [line, r]);
    else c.emit([r.value, r.ts]);
  }
}

/** A malformed line on its way to the dead-letter file: its executed total counts them. */
export class InvalidLineBolt extends BaseBasicBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['line', 'reason']);
  }

  execute(t: Tuple, c: BasicOutputCollector): void {
    c.emit([t.getValueByField('line'), t.getValueByField('reason')]);
  }
}

/**
 * A record the window had to refuse (its `late` stream: every window it belongs to has fired) as
 * a dead-letter row `[reason "late", field, value, ts, watermark]`; its executed total counts them.
 */
export class LateRecordBolt extends BaseBasicBolt {
  constructor(private readonly field: string) {
    super();
  }

  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['reason', 'field', 'value', 'ts', 'watermark']);
  }

  execute(t: Tuple, c: BasicOutputCollector): void {
    const values = t.getValueByField('values') as readonly unknown[];
    c.emit(['late', this.field, values[0], t.getValueByField('timestamp'), t.getValueByField('watermark')]);
  }
}

export interface LogAnalyticsOptions {
  source: 'file' | 'tail' | 'redis';
  /** File to read (file) or follow (tail). */
  input?: string;
  /** tail: where the resume point is kept (default `<input>.offsets`). */
  offsets?: string;
  redisUrl?: string;
  /** redis: the stream (entries with a `line` field) and its consumer group. */
  stream?: string;
  group?: string;
  /** redis: stop (for `--until-idle`) once the stream has nothing new. */
  untilEmpty?: boolean;
  /** The record field counted. */
  field: string;
  windowSec: number;
  /** `key-tuples` (default): rows anchored to their records; `none`: unanchored, counted in panes. */
  anchor?: 'key-tuples' | 'none';
  /** Max out-of-orderness of the records' timestamps. */
  lagMs: number;
  idleFlushMs: number;
  sink: 'file' | 'redis';
  /** file sink: JSON lines `{field, value, count, windowStart, windowEnd}`. */
  output?: string;
  /** redis sink: hashes `<prefix>:<windowStart>` with one entry per value. */
  hashPrefix?: string;
  /** Invalid lines with their reason, and late records (default `<output>.invalid`, or `log-analytics.invalid`). */
  deadLetter?: string;
}

function need(v: string | undefined, what: string): string {
  if (v === undefined || v === '') throw new UsageError('GALE_ERR_MISSING_PARAM', `log-analytics needs ${what}`);
  return v;
}

function logSpout(o: LogAnalyticsOptions): Spout {
  if (o.source === 'file') return new FileLineSpout({ path: need(o.input, '--set input=<file>') });
  if (o.source === 'tail') {
    const input = need(o.input, '--set input=<file to follow>');
    return new FileTailSpout({ path: input, offsetsPath: o.offsets ?? `${input}.offsets` });
  }
  return new RedisStreamSpout({
    url: o.redisUrl, stream: o.stream ?? 'logs', group: o.group ?? 'log-analytics', fields: ['line'], untilEmpty: o.untilEmpty ?? false,
  });
}

/** Builds the topology (named `log-analytics`). */
export function buildLogAnalytics(o: LogAnalyticsOptions): Topology {
  const b = new TopologyBuilder();
  b.setSpout('logs', logSpout(o));
  b.setBolt('parse', new ParseLogBolt(o.field), 2).shuffleGrouping('logs');
  b.setBolt('invalid', new InvalidLineBolt()).globalGrouping('parse', 'invalid');
  const window = tumblingWindow(Duration.ofSeconds(o.windowSec), { timestamp: 'ts', maxLagMs: o.lagMs, watermarkIntervalMs: 500, idleFlushMs: o.idleFlushMs });
  b.setBolt('count', new WindowedCountBolt({ window, keyField: 'value', outputFields: ['value', 'count', 'windowStart', 'windowEnd'], anchor: o.anchor ?? 'key-tuples' }), 2)
    .fieldsGrouping('parse', ['value']);
  b.setBolt('late', new LateRecordBolt(o.field)).globalGrouping('count', WINDOW_LATE_STREAM);
  b.setBolt('dead-letter', new AppendFileSinkBolt({ path: o.deadLetter ?? (o.output !== undefined ? `${o.output}.invalid` : 'log-analytics.invalid') }))
    .globalGrouping('invalid')
    .globalGrouping('late');
  if (o.sink === 'redis') {
    const prefix = o.hashPrefix ?? `log-counts:${o.field}:`;
    b.setBolt('sink', new RedisHashSinkBolt({ url: o.redisUrl, keyField: 'windowStart', keyPrefix: prefix, hashField: 'value', valueField: 'count' })).globalGrouping('count');
  } else {
    const field = o.field;
    b.setBolt('sink', new AppendFileSinkBolt({
      path: need(o.output, '--set output=<file> (or --set sink=redis)'),
      format: (t) => JSON.stringify({ field, value: t.getValueByField('value'), count: t.getValueByField('count'), windowStart: t.getValueByField('windowStart'), windowEnd: t.getValueByField('windowEnd') }),
    })).globalGrouping('count');
  }
  // A record can wait a window's length plus the time to the next boundary (+ lag) before its
  // window fires: the timeout must cover that, the watermark tick and an idle flush.
  const messageTimeoutMs = 2 * o.windowSec * 1000 + o.lagMs + 500 + 2 * o.idleFlushMs + 30_000;
  return b.build({ name: 'log-analytics', config: { maxSpoutPending: 50_000, messageTimeoutMs } });
}

/** Entry point: see the header for the parameters. */
export default function logAnalytics(p: TopologyParams): Topology {
  const source = p.string('source', 'file');
  const sink = p.string('sink', 'file');
  if (source !== 'file' && source !== 'tail' && source !== 'redis') throw new UsageError('GALE_ERR_BAD_PARAM', `--set source must be file, tail or redis, got "${source}"`);
  if (sink !== 'file' && sink !== 'redis') throw new UsageError('GALE_ERR_BAD_PARAM', `--set sink must be file or redis, got "${sink}"`);
  const anchor = p.string('anchor', 'key-tuples');
  if (anchor !== 'key-tuples' && anchor !== 'none') throw new UsageError('GALE_ERR_BAD_PARAM', `--set anchor must be key-tuples or none, got "${anchor}"`);
  const opt = (k: string): string | undefined => {
    const v = p.string(k, '');
    return v === '' ? undefined : v;
  };
  return buildLogAnalytics({
    source, sink, anchor,
    input: opt('input'), offsets: opt('offsets'), redisUrl: opt('redisUrl'), stream: opt('stream'), group: opt('group'),
    untilEmpty: p.boolean('untilEmpty', false), output: opt('output'), hashPrefix: opt('hashPrefix'), deadLetter: opt('deadLetter'),
    field: p.string('field', 'status'), windowSec: p.number('windowSec', 60), lagMs: p.number('lagMs', 5000), idleFlushMs: p.number('idleFlushMs', 2000),
  });
}
