import {
  BaseRichSpout, LocalCluster, type OutputFieldsDeclarer, type ReportedError, type Topology, type TopologyConfig, type Values,
} from '@gale/runtime';

/*
 * For the bad-data tests of the kit bolts: a spout that replays every failed tuple, as a real
 * source does (maxRetries is null by default), so a bolt that fails bad data turns it into a
 * replay loop that never ends; and a run that records acks, fails, emits and errors.
 */

/** What a {@link ReplayingSpout} saw, by message id (the row's index). */
export class ReplayLog {
  readonly acks = new Map<number, number>();
  readonly fails = new Map<number, number>();
  emits = 0;
  count(m: Map<number, number>, id: number): void {
    m.set(id, (m.get(id) ?? 0) + 1);
  }
  totalFails(): number {
    return [...this.fails.values()].reduce((a, b) => a + b, 0);
  }
}

/**
 * Emits `rows` (message id = index) on `stream`; a failed row is emitted again; exhausted once every
 * row is acked. Give it to setSpout as a factory (`() => spout`): a spout instance is cloned, its log with it.
 */
export class ReplayingSpout extends BaseRichSpout {
  private readonly queue: number[];
  constructor(private readonly fields: readonly string[], private readonly rows: readonly Values[], readonly log: ReplayLog, private readonly stream = 'default') {
    super();
    this.queue = rows.map((_r, i) => i);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declareStream(this.stream, this.fields);
  }
  nextTuple(): void {
    const id = this.queue.shift();
    if (id === undefined) return;
    this.log.emits++;
    this.collector.emitStream(this.stream, this.rows[id]!, id);
  }
  override ack(id: unknown): void {
    this.log.count(this.log.acks, id as number);
  }
  override fail(id: unknown): void {
    this.log.count(this.log.fails, id as number);
    this.queue.push(id as number);
  }
  isExhausted(): boolean {
    return this.log.acks.size === this.rows.length;
  }
}

/** Replays fast, so that a replay loop shows within the run's deadline. */
export const FAST_REPLAY: Partial<TopologyConfig> = { replayBackoffInitialMs: 5, replayBackoffMaxMs: 20, messageTimeoutMs: 10_000 };

export interface RunResult {
  /** Whether every spout was exhausted (every row acked) within the deadline. */
  done: boolean;
  /** Values emitted per `component/stream`. */
  emitted(component: string, stream: string): Values[];
  errors: ReportedError[];
}

/** Runs `topology` in a LocalCluster until its spouts are done or `timeoutMs` passed. */
export async function runUntilDone(topology: Topology, timeoutMs = 8000, config: Partial<TopologyConfig> = FAST_REPLAY): Promise<RunResult> {
  const out = new Map<string, Values[]>();
  const errors: ReportedError[] = [];
  const cluster = new LocalCluster();
  try {
    const t = await cluster.submit(topology, {
      config,
      onEmit: (c, s, v) => {
        const k = `${c}/${s}`;
        if (!out.has(k)) out.set(k, []);
        out.get(k)!.push([...v]);
      },
      onError: (e) => errors.push(e),
    });
    const done = await t.waitUntilDone(timeoutMs);
    return { done, emitted: (c, s) => out.get(`${c}/${s}`) ?? [], errors };
  } finally {
    await cluster.shutdown(0);
  }
}
