import {
  BaseBasicBolt, TopologyError, type BasicOutputCollector, type OutputFieldsDeclarer, type TopologyContext, type Tuple,
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
 * for every key, anchored to the last marker, and waits for a full set of markers again.
 * Subscribe with `fieldsGrouping(source, [key])`, so each key is summed by one task: a
 * per-source-task FIFO (docs/guarantees.md) puts a task's totals before its marker.
 */
export class TaskTotalsBolt extends BaseBasicBolt {
  private readonly flushOn: string;
  /** Key → latest total from each upstream task, by the task's index in {@link sourceTasks}. */
  private totals!: Map<unknown, number[]>;
  /** Upstream task id → index in a totals array. */
  private sourceTasks!: Map<number, number>;
  /** Upstream tasks whose marker arrived since the last flush. */
  private ended!: Set<number>;

  constructor(options: TaskTotalsOptions) {
    super();
    if (typeof options?.flushOn !== 'string' || options.flushOn === '') {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `TaskTotalsBolt flushOn must be a non-empty stream id, got ${JSON.stringify(options?.flushOn)}`);
    }
    this.flushOn = options.flushOn;
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(['word', 'count']);
  }

  override prepare(context: TopologyContext): void {
    super.prepare(context);
    // Every input must come from the tasks that send the markers: a total is kept per sending task.
    const sources = context.thisSources();
    const markers = sources.filter((s) => s.stream === this.flushOn);
    if (markers.length !== 1 || sources.some((s) => s.component !== markers[0]!.component)) {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `TaskTotalsBolt "${context.thisComponentId}" must subscribe to one component only, on its stream "${this.flushOn}" and its totals`);
    }
    this.sourceTasks = new Map(markers[0]!.tasks.map((task, i) => [task, i]));
    this.totals = new Map();
    this.ended = new Set();
  }

  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    if (tuple.isTick()) return;
    const slot = this.sourceTasks.get(tuple.sourceTask)!;
    if (tuple.sourceStreamId === this.flushOn) {
      this.ended.add(slot);
      if (this.ended.size === this.sourceTasks.size) this.flush(collector);
      return;
    }
    const key = tuple.values[0];
    const total = tuple.values[1];
    if (typeof total !== 'number' || !Number.isFinite(total)) {
      throw new BadAmountError(`TaskTotalsBolt "${this.context.thisComponentId}": the total for ${JSON.stringify(key)} is not a finite number; tuple failed`);
    }
    let byTask = this.totals.get(key);
    if (byTask === undefined) {
      byTask = new Array<number>(this.sourceTasks.size).fill(0);
      this.totals.set(key, byTask);
    }
    byTask[slot] = total;
  }

  private flush(collector: BasicOutputCollector): void {
    this.ended.clear();
    for (const [key, byTask] of this.totals) {
      let sum = 0;
      for (let i = 0; i < byTask.length; i++) sum += byTask[i]!;
      collector.emit([key, sum]);
    }
  }
}
