import {
  BaseRichBolt, TopologyError, WINDOW_INVALID_FIELDS, invalidRow, WINDOW_INVALID_STREAM, type OutputCollector, type OutputFieldsDeclarer, type TopologyContext, type Tuple,
} from '@gale/runtime';
import { BadAmountError } from '@gale/bolt-kit';

/**
 * Most keys (and totals or sums) in one tuple of totals — what TaskTotalsBolt emits, and what
 * word-count's `split` sends it: ~200 KB of words, far inside the cluster transport's default
 * 4 MiB frame whatever the vocabulary's size.
 */
export const TOTALS_PER_TUPLE = 16_384;

/** Options of {@link TaskTotalsBolt}. */
export interface TaskTotalsOptions {
  /**
   * The stream on which each upstream task says its totals are all sent (SplitWordsBolt's
   * `flushOn` marker), subscribed with `allGrouping` from the component that sends the totals.
   */
  flushOn: string;
}

/**
 * The merge stage after tasks that keep running totals (word-count's `split` with `flushOn`):
 * its inputs are `[part, keys, totals]` — two arrays of the same length, each key's total *at
 * the sending task*, a few tuples per task instead of one per key — and it keeps the latest
 * total per (key, upstream task) — a replaced value, not an added one, so totals sent again
 * (a replayed end-of-input marker) change nothing. Once the marker on `flushOn` has arrived
 * from every task of that stream's source component, it emits every key with the sum of the
 * tasks' totals as `[keys, counts]` (two arrays, at most {@link TOTALS_PER_TUPLE} keys a tuple: for a
 * `CountsFileSinkBolt` with `arrays`), anchored to every marker it holds, then acks them and
 * waits for a full set again.
 * Markers are held, not acked on arrival, because a set may mix attempts of the end-of-input tree
 * (split task 1's marker of a timed-out first attempt, task 2's of the replay): anchoring the sums
 * to all of them keeps each attempt's tree open until they are done, so a sum lost downstream
 * always fails a tree that is still pending, and the spout replays the marker.
 * Subscribe with `fieldsGrouping(source, ['part'])`, where a key's part is a function of the key
 * alone (SplitWordsBolt's), so each key is summed by one task: a per-source-task FIFO
 * (docs/guarantees.md) puts a task's totals before its marker. A tuple whose keys and totals are
 * not two arrays of the same length of finite numbers is bad data: reported, emitted on
 * `invalid` and acked, and none of its totals is taken.
 */
export class TaskTotalsBolt extends BaseRichBolt {
  private readonly flushOn: string;
  /** Key → its row: the key's latest totals are `totals[row * tasks + task index]`. */
  private rows!: Map<unknown, number>;
  /** The keys, by row. */
  private keys!: unknown[];
  /**
   * Latest total from each upstream task per key, by row and the task's index in
   * {@link sourceTasks}: one flat array, not an array per key (~50k keys per task in word-count).
   */
  private totals!: number[];
  /** Upstream task id → index in a totals array. */
  private sourceTasks!: Map<number, number>;
  /** Upstream tasks whose marker arrived since the last flush. */
  private ended!: Set<number>;
  /** The markers received since the last flush, held un-acked until the sums are emitted. */
  private markers!: Tuple[];

  constructor(options: TaskTotalsOptions) {
    super();
    if (typeof options?.flushOn !== 'string' || options.flushOn === '') {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `TaskTotalsBolt flushOn must be a non-empty stream id, got ${JSON.stringify(options?.flushOn)}`);
    }
    this.flushOn = options.flushOn;
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(['words', 'counts']);
    // Bad totals go here (the windows' and the kit bolts' layout), acked: never into a replay loop.
    declarer.declareStream(WINDOW_INVALID_STREAM, WINDOW_INVALID_FIELDS);
  }

  override prepare(context: TopologyContext, collector: OutputCollector): void {
    super.prepare(context, collector);
    // Every input must come from the tasks that send the markers: a total is kept per sending task.
    const sources = context.thisSources();
    const markers = sources.filter((s) => s.stream === this.flushOn);
    if (markers.length !== 1 || sources.some((s) => s.component !== markers[0]!.component)) {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `TaskTotalsBolt "${context.thisComponentId}" must subscribe to one component only, on its stream "${this.flushOn}" and its totals`);
    }
    this.sourceTasks = new Map(markers[0]!.tasks.map((task, i) => [task, i]));
    this.rows = new Map();
    this.keys = [];
    this.totals = [];
    this.ended = new Set();
    this.markers = [];
  }

  execute(tuple: Tuple): void {
    if (tuple.isTick()) {
      this.collector.ack(tuple);
      return;
    }
    const slot = this.sourceTasks.get(tuple.sourceTask)!;
    if (tuple.sourceStreamId === this.flushOn) {
      this.ended.add(slot);
      this.markers.push(tuple);
      if (this.ended.size === this.sourceTasks.size) this.flush();
      return;
    }
    const keys = tuple.values[1];
    const totals = tuple.values[2];
    const why = badTotals(keys, totals);
    if (why !== undefined) {
      this.collector.reportError(new BadAmountError(`TaskTotalsBolt "${this.context.thisComponentId}": ${why}; the tuple is emitted on stream "${WINDOW_INVALID_STREAM}" and acked`));
      this.collector.emitStream(WINDOW_INVALID_STREAM, invalidRow(tuple, why), tuple);
      this.collector.ack(tuple);
      return;
    }
    this.take(slot, keys as readonly unknown[], totals as readonly number[]);
    this.collector.ack(tuple);
  }

  /** Keeps `totals[i]` as the latest total of `keys[i]` from the upstream task at `slot`. */
  private take(slot: number, keys: readonly unknown[], totals: readonly number[]): void {
    const { rows, totals: all } = this;
    const tasks = this.sourceTasks.size;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      let row = rows.get(key);
      if (row === undefined) {
        row = this.keys.length;
        rows.set(key, row);
        this.keys.push(key);
        for (let t = 0; t < tasks; t++) all.push(0);
      }
      all[row * tasks + slot] = totals[i]!;
    }
  }

  private flush(): void {
    const markers = this.markers;
    this.markers = [];
    this.ended.clear();
    const anchors = onePerTree(markers);
    const { keys, totals } = this;
    const tasks = this.sourceTasks.size;
    for (let from = 0, at = 0; from < keys.length; from += TOTALS_PER_TUPLE) {
      const to = Math.min(keys.length, from + TOTALS_PER_TUPLE);
      const sums: number[] = [];
      for (let row = from; row < to; row++) {
        let sum = 0;
        for (let t = 0; t < tasks; t++) sum += totals[at++]!;
        sums.push(sum);
      }
      this.collector.emit([from === 0 && to === keys.length ? keys : keys.slice(from, to), sums], anchors);
    }
    for (const m of markers) this.collector.ack(m);
  }
}

/**
 * Why `[part, keys, totals]` cannot be taken (undefined when it can): `keys` and `totals` must be
 * arrays of the same length, every total a finite number.
 */
function badTotals(keys: unknown, totals: unknown): string | undefined {
  if (!Array.isArray(keys) || !Array.isArray(totals)) return 'the keys and totals (fields 1 and 2) are not two arrays';
  if (keys.length !== totals.length) return `${keys.length} keys and ${totals.length} totals`;
  for (let i = 0; i < totals.length; i++) {
    const total: unknown = totals[i];
    if (typeof total !== 'number' || !Number.isFinite(total)) return `the total for ${JSON.stringify(keys[i])} is not a finite number`;
  }
  return undefined;
}

/**
 * One marker per tuple tree: the split tasks pass on the same marker tree, and anchoring a sum to
 * two tuples of one tree adds nothing but per-emit work (~50k emits); markers of different
 * attempts are different trees, and each keeps its own anchor.
 */
function onePerTree(markers: readonly Tuple[]): Tuple | Tuple[] {
  if (markers.length === 1) return markers[0]!;
  const seen = new Set<string>();
  const out: Tuple[] = [];
  for (const m of markers) {
    // messageId is `{root:edge,...}`: the roots name the trees.
    const roots = m.messageId.slice(1, -1).split(',').map((part) => part.split(':')[0]).sort().join(',');
    if (seen.has(roots)) continue;
    seen.add(roots);
    out.push(m);
  }
  return out.length === 1 ? out[0]! : out;
}
