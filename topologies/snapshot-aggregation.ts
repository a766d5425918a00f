/**
 * snapshot-aggregation: per-key totals of a stream of orders, kept in checkpointed state
 * (docs/state.md), with a snapshot of every task's totals emitted every few seconds and the merged
 * snapshot written to a JSON file. After a worker crash the totals come back from the last
 * checkpoint and the replayed orders bring them forward: every key ends at its batch total.
 *
 *   orders (OrderSpout, replays failed ids) --fields(key)--> totals (stateful, 4 tasks)
 *     --global, "snapshot" stream--> snapshots (writes <output>, 1 task)
 *   orders --all, "flush" stream--> totals
 *
 * Once every order is acked (its effect committed), the spout emits one tracked `flush` tuple to
 * every totals task, which answers with a final snapshot anchored to it; the spout is exhausted
 * only once that tree completed. So `gale local … --until-idle` stops after the final totals are
 * in <output>, not after whichever periodic snapshot came last.
 *
 * The orders are a fixed dataset: order `id` is {@link order}(id), ids `offset … offset+count-1`,
 * emitted at `rate` per second. Run:
 * `gale local topologies/snapshot-aggregation.ts --set count=20000 --set output=/tmp/totals.json`,
 * or deploy it with `--set stateBackend=file --set stateDir=/var/lib/gale/state` (or `redis`).
 */
import { renameSync, writeFileSync } from 'node:fs';
import {
  BaseBasicBolt, BaseRichSpout, BaseStatefulBolt, TopologyBuilder,
  type KeyValueState, type OutputFieldsDeclarer, type Topology, type TopologyConfig, type TopologyParams, type Tuple,
} from '@gale/runtime';

const REGIONS = ['eu', 'us', 'apac', 'latam'];
const PRODUCTS = ['book', 'lamp', 'desk', 'pen', 'mug'];

/** Order `id`: its key (`region/product`) and amount in cents; the same for every run. */
export function order(id: number): [key: string, cents: number] {
  const h = Math.imul(id ^ 0x5bd1e995, 2654435761) >>> 0;
  return [`${REGIONS[h % REGIONS.length]}/${PRODUCTS[(h >>> 8) % PRODUCTS.length]}`, 100 + (h >>> 16) % 9900];
}

/** Totals of ids `offset … offset+count-1` computed in one pass: what the topology must end at. */
export function batchTotals(offset: number, count: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let id = offset; id < offset + count; id++) {
    const [k, c] = order(id);
    out[k] = (out[k] ?? 0) + c;
  }
  return out;
}

/** Message id of the spout's `flush` tuple (order ids are numbers). */
const FLUSH = 'flush';

/**
 * Emits the dataset at `rate` orders/s with the id as message id; a failed id is emitted again.
 * After the last order's ack, one tracked tuple on `flush` (again if it fails); exhausted once it
 * is acked.
 */
export class OrderSpout extends BaseRichSpout {
  private next: number;
  private readonly replay: number[] = [];
  private pending = 0;
  private startedAt = 0;
  private flush: 'no' | 'pending' | 'done' = 'no';
  constructor(private readonly offset: number, private readonly count: number, private readonly rate: number) {
    super();
    this.next = offset;
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['key', 'cents']);
    d.declareStream('flush', ['orders']);
  }
  nextTuple(): void {
    if (this.flush === 'no' && this.ordersDone()) {
      this.flush = 'pending';
      this.collector.emitStream('flush', [this.count], FLUSH);
      return;
    }
    const id = this.replay.shift();
    if (id !== undefined) {
      this.pending++;
      this.collector.emit(order(id), id);
      return;
    }
    if (this.startedAt === 0) this.startedAt = Date.now();
    const due = Math.min(this.offset + this.count, this.offset + Math.floor(((Date.now() - this.startedAt) * this.rate) / 1000));
    for (; this.next < due; this.next++) {
      this.pending++;
      this.collector.emit(order(this.next), this.next);
    }
  }
  override ack(id: unknown): void {
    if (id === FLUSH) this.flush = 'done';
    else this.pending--;
  }
  override fail(id: unknown): void {
    if (id === FLUSH) this.flush = 'no';
    else {
      this.pending--;
      this.replay.push(id as number);
    }
  }
  private ordersDone(): boolean {
    return this.next === this.offset + this.count && this.replay.length === 0 && this.pending === 0;
  }
  isExhausted(): boolean {
    return this.flush === 'done';
  }
}

/**
 * Per-key totals in checkpointed state; on each tick, emits `[task, totals]` on `snapshot`, and
 * on a `flush` tuple the same, anchored to it (the final snapshot).
 */
export class TotalsBolt extends BaseStatefulBolt<KeyValueState<string, number>> {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declareStream('snapshot', ['task', 'totals']);
  }
  execute(t: Tuple): void {
    if (t.isTick()) {
      // Untracked: a snapshot is a view, not part of any order's tuple tree.
      this.collector.emitStream('snapshot', this.snapshot());
      return;
    }
    if (t.sourceStreamId === 'flush') {
      // Anchored: the flush tree (and so the spout's isExhausted) completes once the sink wrote it.
      this.collector.emitStream('snapshot', this.snapshot(), t);
      this.collector.ack(t);
      return;
    }
    const k = t.getStringByField('key');
    this.state.put(k, this.state.get(k, 0) + t.getNumberByField('cents'));
    this.collector.ack(t);
  }
  private snapshot(): [number, Record<string, number>] {
    return [this.context.thisTaskIndex, Object.fromEntries(this.state.entries())];
  }
}

/** Merges the latest snapshot of each task and writes them (sorted JSON) to `path`, atomically. */
export class SnapshotFileBolt extends BaseBasicBolt {
  private readonly latest = new Map<number, Record<string, number>>();
  constructor(private readonly path: string | undefined) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    this.latest.set(t.getNumberByField('task'), t.getValueByField('totals') as Record<string, number>);
    if (this.path === undefined) return;
    const merged: Record<string, number> = {};
    for (const totals of this.latest.values()) Object.assign(merged, totals);
    const sorted = Object.fromEntries(Object.entries(merged).sort(([a], [b]) => (a < b ? -1 : 1)));
    writeFileSync(`${this.path}.tmp`, `${JSON.stringify(sorted, null, 2)}\n`);
    renameSync(`${this.path}.tmp`, this.path);
  }
}

export interface SnapshotAggregationOptions {
  offset?: number;
  count?: number;
  /** Orders per second. */
  rate?: number;
  /** Seconds between snapshots. */
  snapshotSecs?: number;
  /** Where the merged snapshot is written; none: not written. */
  output?: string;
  config?: Partial<TopologyConfig>;
}

export function buildSnapshotAggregation(o: SnapshotAggregationOptions = {}): Topology {
  const b = new TopologyBuilder();
  b.setSpout('orders', new OrderSpout(o.offset ?? 0, o.count ?? 10_000, o.rate ?? 2000));
  b.setBolt('totals', new TotalsBolt(), { parallelism: 4, tickFrequencySecs: o.snapshotSecs ?? 2 }).fieldsGrouping('orders', ['key'])
    .allGrouping('orders', 'flush');
  b.setBolt('snapshots', new SnapshotFileBolt(o.output)).globalGrouping('totals', 'snapshot');
  return b.build({
    name: 'snapshot-aggregation',
    workers: 2,
    config: { checkpointIntervalMs: 500, messageTimeoutMs: 30_000, maxSpoutPending: 2000, replayBackoffInitialMs: 50, replayBackoffMaxMs: 1000, drainTimeoutMs: 2000, ...o.config },
  });
}

/** Entry point for `gale local|deploy`: `--set offset= count= rate= snapshotSecs= output=` (all optional). */
export default function snapshotAggregation(params: TopologyParams): Topology {
  const output = params.string('output', '');
  return buildSnapshotAggregation({
    offset: params.number('offset', 0),
    count: params.number('count', 10_000),
    rate: params.number('rate', 2000),
    snapshotSecs: params.number('snapshotSecs', 2),
    output: output === '' ? undefined : output,
  });
}
