import {
  BaseRichBolt, TopologyError, WINDOW_INVALID_FIELDS, WINDOW_INVALID_STREAM, type OutputCollector, type OutputFieldsDeclarer, type TopologyContext, type Tuple,
} from '@gale/runtime';
import { BadAmountError } from '@gale/bolt-kit';

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
 * its inputs are `[key, total]`, a key's total *at the sending task*, and it keeps the latest
 * total per (key, upstream task) — a replaced value, not an added one, so totals sent again
 * (a replayed end-of-input marker) change nothing. Once the marker on `flushOn` has arrived
 * from every task of that stream's source component, it emits `[key, sum of the tasks' totals]`
 * for every key, anchored to every marker it holds, then acks them and waits for a full set again.
 * Markers are held, not acked on arrival, because a set may mix attempts of the end-of-input tree
 * (split task 1's marker of a timed-out first attempt, task 2's of the replay): anchoring the sums
 * to all of them keeps each attempt's tree open until they are done, so a sum lost downstream
 * always fails a tree that is still pending, and the spout replays the marker.
 * Subscribe with `fieldsGrouping(source, [key])`, so each key is summed by one task: a
 * per-source-task FIFO (docs/guarantees.md) puts a task's totals before its marker.
 */
export class TaskTotalsBolt extends BaseRichBolt {
  private readonly flushOn: string;
  /** Key → latest total from each upstream task, by the task's index in {@link sourceTasks}. */
  private totals!: Map<unknown, number[]>;
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
    declarer.declare(['word', 'count']);
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
    this.totals = new Map();
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
    const key = tuple.values[0];
    const total = tuple.values[1];
    if (typeof total !== 'number' || !Number.isFinite(total)) {
      const why = `the total for ${JSON.stringify(key)} is not a finite number`;
      this.collector.reportError(new BadAmountError(`TaskTotalsBolt "${this.context.thisComponentId}": ${why}; the tuple is emitted on stream "${WINDOW_INVALID_STREAM}" and acked`));
      this.collector.emitStream(WINDOW_INVALID_STREAM, [tuple.sourceComponent, tuple.sourceStreamId, [...tuple.values], why], tuple);
      this.collector.ack(tuple);
      return;
    }
    let byTask = this.totals.get(key);
    if (byTask === undefined) {
      byTask = new Array<number>(this.sourceTasks.size).fill(0);
      this.totals.set(key, byTask);
    }
    byTask[slot] = total;
    this.collector.ack(tuple);
  }

  private flush(): void {
    const markers = this.markers;
    this.markers = [];
    this.ended.clear();
    const anchors = onePerTree(markers);
    for (const [key, byTask] of this.totals) {
      let sum = 0;
      for (let i = 0; i < byTask.length; i++) sum += byTask[i]!;
      this.collector.emit([key, sum], anchors);
    }
    for (const m of markers) this.collector.ack(m);
  }
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
