/**
 * rolling-top-users: the top 3 users by visits over a sliding event-time window (Storm's
 * RollingTopWords, on visits). Visits are JSON lines `{"userId","url","ts"}` (ts in epoch ms),
 * e.g. from `npm run gen-data -- visits`.
 *
 *   visits (FileLineSpout) --shuffle--> parse (2) --fields(userId)--> counter (WindowedCountBolt, 2:
 *     sliding window, windowSec every slideSec of event time; rows anchored to their visits or, with
 *     anchor=none, counted in panes and unanchored)
 *     --fields(userId)--> ranker (WindowedTopNBolt, 2: the top N of its users, per counter window)
 *     --global--> total (merges the intermediate rankings: the top N of all users)
 *     --global--> sink (AppendFileSinkBolt: one JSON line per window, appended as the window closes)
 *   parse --"invalid"--> invalid (AppendFileSinkBolt: lines that are not a visit, with the reason)
 *
 * Windows are on the visits' own timestamps, so the result does not depend on how fast or in what
 * order the lines are read (out of order by up to lagMs). idleFlushMs closes the last windows once
 * the input ends, so `--until-idle` completes: the counter's after idleFlushMs without input, the
 * rankers' after twice that and the total's after three times, so that each level flushes only
 * once the level before it has (with one idle timer per level, a ranker that flushed first could
 * make the total close windows the other ranker had not sent yet).
 *
 * By default the counter anchors each row to its user's visits in that window, so a visit's tree
 * completes only once every window counting it reached the sink, and `--until-idle` waits for the
 * last windows. On a cluster deploy with `--set anchor=none`: the total's row of a window would
 * carry the trees of all its visits (over 1500 at 50 visits/s), and a tuple crossing to
 * another worker carries at most 1024 anchor trees (docs/protocol.md), so those trees failed and
 * their replays, late for the fired windows, were lost. With `none` the counter counts in panes,
 * its rows are unanchored and a visit is acked once it left the counter's windows (a visit
 * replayed after its windows fired is late however it is anchored); the other windows still close
 * on their idle timers. The sinks append each line as it arrives and ack it once written, so the
 * output grows while the topology runs (on a cluster, in the file on the machine of the sink's
 * worker); a rerun with the same output file appends to it.
 *
 * Run: `gale local topologies/rolling-top-users.ts --set input=visits.jsonl --set output=top.jsonl --until-idle`.
 * On a cluster: `gale deploy topologies/rolling-top-users.ts --workers 2 --set anchor=none --set input=/abs/visits.jsonl --set output=/abs/top.jsonl`.
 */
import {
  BaseBasicBolt, BaseWindowedBolt, DEFAULT_WINDOW_IDLE_INPUT_MS, Duration, TopologyBuilder, UsageError, slidingWindow, tumblingWindow,
  type BasicOutputCollector, type OutputFieldsDeclarer, type Topology, type TopologyParams, type Tuple, type TupleWindow,
  type WindowSpec, type WindowedOutputCollector,
} from '@gale/runtime';
import { AppendFileSinkBolt, WindowedCountBolt, WindowedTopNBolt, topN, type Ranked } from '@gale/bolt-kit';
import { FileLineSpout } from '@gale/spout-kit';

/** A visit as the parse bolt emits it. */
export interface Visit {
  userId: string;
  url: string;
  ts: number;
}

/** Why a line is not a visit, or the visit. */
export function parseVisit(line: string): Visit | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof v !== 'object' || v === null) return 'not a JSON object';
  const { userId, url, ts } = v as Record<string, unknown>;
  if (typeof userId !== 'string' || userId === '') return 'userId is not a non-empty string';
  if (typeof url !== 'string') return 'url is not a string';
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return 'ts is not a number (epoch ms)';
  return { userId, url, ts };
}

/** JSON line -> [userId, url, ts]; anything else -> "invalid" [line, reason] (never a failure: it would replay forever). */
export class ParseVisitBolt extends BaseBasicBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['userId', 'url', 'ts']);
    d.declareStream('invalid', ['line', 'reason']);
  }

  execute(t: Tuple, c: BasicOutputCollector): void {
    const line = t.getStringByField('line');
    if (line.trim() === '') return;
    const v = parseVisit(line);
    if (typeof v === 'string') c.emitStream('invalid', [line, v]);
    else c.emit([v.userId, v.url, v.ts]);
  }
}

/**
 * Merges the intermediate rankers' rankings of one counter window into the top `n` of all users
 * (each user is ranked by exactly one intermediate ranker: both are grouped by userId).
 */
export class TotalRankerBolt extends BaseWindowedBolt {
  constructor(window: WindowSpec, private readonly n: number, private readonly windowMs: number) {
    super(window);
  }

  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['windowStart', 'windowEnd', 'top']);
  }

  execute(w: TupleWindow, c: WindowedOutputCollector): void {
    const counts = new Map<unknown, number>();
    let end = 0;
    for (const t of w.get()) {
      end = t.getNumberByField('windowEnd');
      for (const [user, count] of t.getValueByField('rankings') as Ranked[]) counts.set(user, Math.max(counts.get(user) ?? 0, count));
    }
    // The counted window: [end - window length, end).
    c.emit([end - this.windowMs, end, topN(counts, this.n)]);
  }
}

export interface RollingTopUsersOptions {
  input: string;
  output: string;
  /** Lines that are not visits, with the reason; default `<output>.invalid`. */
  invalidOutput?: string;
  windowSec?: number;
  slideSec?: number;
  topN?: number;
  /** Max out-of-orderness of the visits' timestamps. */
  lagMs?: number;
  /** Processing time without input after which the counter's last windows close (the rankers' after 2×, the total's after 3×). */
  idleFlushMs?: number;
  /** `key-tuples` (default): the counter's rows anchored to their visits; `none`: unanchored, counted in panes (for a cluster). */
  anchor?: 'key-tuples' | 'none';
}

/** Builds the topology (named `rolling-top-users`). */
export function buildRollingTopUsers(o: RollingTopUsersOptions): Topology {
  const windowMs = (o.windowSec ?? 60) * 1000;
  const slideMs = (o.slideSec ?? 10) * 1000;
  const n = o.topN ?? 3;
  const lag = o.lagMs ?? 2000;
  const idleFlushMs = o.idleFlushMs ?? 2000;
  // Downstream of the counter, a tuple's event time is the end of the window it counts (minus 1
  // ms, so it falls inside the ranker's tumbling window of that counter window).
  const byCountedWindow = (t: Tuple): number => t.getNumberByField('windowEnd') - 1;
  // The last counter windows reach a ranker only when that counter flushes (after idleFlushMs),
  // and the rankers' at the total only when both rankers have flushed: each level waits longer.
  const perCountedWindow = (level: number): WindowSpec => tumblingWindow(Duration.ofMillis(slideMs), { timestamp: byCountedWindow, watermarkIntervalMs: 500, idleFlushMs: level * idleFlushMs });

  const b = new TopologyBuilder();
  b.setSpout('visits', new FileLineSpout({ path: o.input }));
  b.setBolt('parse', new ParseVisitBolt(), 2).shuffleGrouping('visits');
  b.setBolt('invalid', new AppendFileSinkBolt({ path: o.invalidOutput ?? `${o.output}.invalid`, format: 'tsv' })).globalGrouping('parse', 'invalid');
  const counted = slidingWindow(Duration.ofMillis(windowMs), Duration.ofMillis(slideMs), { timestamp: 'ts', maxLagMs: lag, watermarkIntervalMs: 500, idleFlushMs });
  b.setBolt('counter', new WindowedCountBolt({ window: counted, keyField: 'userId', anchor: o.anchor ?? 'key-tuples' }), 2).fieldsGrouping('parse', ['userId']);
  b.setBolt('ranker', new WindowedTopNBolt({ window: perCountedWindow(2), n, keyField: 'userId', countField: 'count' }), 2).fieldsGrouping('counter', ['userId']);
  b.setBolt('total', new TotalRankerBolt(perCountedWindow(3), n, windowMs)).globalGrouping('ranker');
  // format 'json': {"windowStart","windowEnd","top"}, the total's fields.
  b.setBolt('sink', new AppendFileSinkBolt({ path: o.output })).globalGrouping('total');
  // Visits stay in the counter's windows for windowSec + slideSec (+ lag), and their trees complete
  // only when the rankers' and the total's windows close too (a ranker's watermark may also wait
  // up to idleInputMs for the counter task that sends it nothing): the timeout must cover all of it.
  const messageTimeoutMs = windowMs + 3 * slideMs + 3 * lag + 6 * idleFlushMs + DEFAULT_WINDOW_IDLE_INPUT_MS + 30_000;
  return b.build({ name: 'rolling-top-users', config: { maxSpoutPending: 50_000, messageTimeoutMs } });
}

/** Entry point: `--set input=<visits.jsonl> --set output=<top.jsonl>` and optional window settings. */
export default function rollingTopUsers(p: TopologyParams): Topology {
  const anchor = p.string('anchor', 'key-tuples');
  if (anchor !== 'key-tuples' && anchor !== 'none') throw new UsageError('GALE_ERR_BAD_PARAM', `--set anchor must be key-tuples or none, got "${anchor}"`);
  return buildRollingTopUsers({
    anchor,
    input: p.string('input'),
    output: p.string('output'),
    windowSec: p.number('windowSec', 60),
    slideSec: p.number('slideSec', 10),
    topN: p.number('topN', 3),
    lagMs: p.number('lagMs', 2000),
    idleFlushMs: p.number('idleFlushMs', 2000),
  });
}
