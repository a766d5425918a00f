import {
  BaseRichSpout, BaseStatefulBolt, TopologyBuilder,
  type KeyValueState, type OutputFieldsDeclarer, type Topology, type TopologyConfig, type Tuple,
} from '@gale/runtime';

/** A fixed dataset of `[key, n]`; every failed id is emitted again (at least once), done when all are acked. */
export class ReplaySpout extends BaseRichSpout {
  private next = 0;
  private readonly replay: number[] = [];
  private readonly acked = new Set<number>();
  fails = 0;
  constructor(private readonly data: readonly (readonly [string, number])[], private readonly perCall = 5) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['key', 'n']);
  }
  nextTuple(): void {
    for (let i = 0; i < this.perCall; i++) {
      const id = this.replay.length > 0 ? this.replay.shift()! : this.next < this.data.length ? this.next++ : undefined;
      if (id === undefined) return;
      this.collector.emit([...this.data[id]!], id);
    }
  }
  override ack(id: unknown): void {
    this.acked.add(id as number);
  }
  override fail(id: unknown): void {
    this.fails++;
    this.replay.push(id as number);
  }
  isExhausted(): boolean {
    return this.acked.size === this.data.length;
  }
}

/**
 * {@link ReplaySpout} with `perTree` records per tuple tree: each record its own tuple (grouped
 * by its key), one `emitTree` and one message id (the group index) per group, replayed whole.
 */
export class ReplayTreeSpout extends BaseRichSpout {
  private next = 0;
  private readonly replay: number[] = [];
  private readonly acked = new Set<number>();
  fails = 0;
  constructor(private readonly data: readonly (readonly [string, number])[], private readonly perTree: number) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['key', 'n']);
  }
  nextTuple(): void {
    const g = this.replay.length > 0 ? this.replay.shift()! : this.next * this.perTree < this.data.length ? this.next++ : undefined;
    if (g === undefined) return;
    this.collector.emitTree(this.data.slice(g * this.perTree, (g + 1) * this.perTree).map((r) => [...r]), g);
  }
  override ack(id: unknown): void {
    this.acked.add(id as number);
  }
  override fail(id: unknown): void {
    this.fails++;
    this.replay.push(id as number);
  }
  isExhausted(): boolean {
    return this.acked.size === Math.ceil(this.data.length / this.perTree);
  }
}

/** Per-key totals in checkpointed state. */
export class Totals extends BaseStatefulBolt<KeyValueState<string, number>> {
  static inits = 0;
  declareOutputFields(): void {}
  override initState(s: KeyValueState<string, number>): void {
    Totals.inits++;
    this.state = s;
  }
  execute(t: Tuple): void {
    if (t.isTick()) return;
    const k = t.getStringByField('key');
    this.state.put(k, this.state.get(k, 0) + t.getNumberByField('n'));
    this.collector.ack(t);
  }
}

export function dataset(n: number, keys = 7): [string, number][] {
  return Array.from({ length: n }, (_, i) => [`k${i % keys}`, (i % 5) + 1]);
}

export function batchTotals(data: readonly (readonly [string, number])[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of data) out[k] = (out[k] ?? 0) + n;
  return out;
}

export function totalsTopology(name: string, spout: ReplaySpout | ReplayTreeSpout, config: Partial<TopologyConfig> = {}, tasks = 2): Topology {
  const b = new TopologyBuilder();
  b.setSpout('src', () => spout);
  b.setBolt('totals', () => new Totals(), tasks).fieldsGrouping('src', ['key']);
  return b.build({ name, config: { checkpointIntervalMs: 100, messageTimeoutMs: 5000, maxSpoutPending: 50, ...config } });
}
