import { BaseBasicBolt, type OutputFieldsDeclarer, type TopologyContext, type Tuple } from '@gale/runtime';
import { assertSingleTask, badOption } from '../errors.js';
import { FieldReader } from '../field-reader.js';
import { writeLinesAtomic } from './atomic-write.js';

/** Options of {@link CountsFileSinkBolt}. */
export interface CountsFileSinkBoltOptions {
  /** Output file, written once in `cleanup()`. */
  path: string;
  /** Input field holding the key (default `word`). */
  keyField?: string;
  /** Input field holding the key's current count (default `count`). */
  countField?: string;
}

/** Orders by count, highest first, then by key in code-unit order (byte order for ASCII). */
function byCountThenKey(a: readonly [string, number], b: readonly [string, number]): number {
  if (a[1] !== b[1]) return b[1] - a[1];
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/**
 * Keeps the latest count received for each key (e.g. the running counts of a
 * {@link CountBolt}) and, when the topology shuts down, writes one line `key<TAB>count` per key
 * to `path`, sorted by count descending, then key ascending; atomically like
 * {@link FileSinkBolt}. Must run as a single task: subscribe with `globalGrouping`.
 * Tick tuples are ignored.
 *
 * ```ts
 * builder.setBolt('sink', new CountsFileSinkBolt({ path: 'counts.tsv' })).globalGrouping('count');
 * ```
 */
export class CountsFileSinkBolt extends BaseBasicBolt {
  private readonly path: string;
  private readonly keyField: string;
  private readonly countField: string;
  private latest: Map<unknown, number> | undefined;
  private key!: FieldReader;
  private count!: FieldReader;

  constructor(options: CountsFileSinkBoltOptions) {
    super();
    if (typeof options?.path !== 'string' || options.path === '') throw badOption(`CountsFileSinkBolt needs { path: string }, got path ${JSON.stringify(options?.path)}`);
    this.path = options.path;
    this.keyField = options.keyField ?? 'word';
    this.countField = options.countField ?? 'count';
  }

  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}

  override prepare(context: TopologyContext): void {
    super.prepare(context);
    assertSingleTask(context, 'CountsFileSinkBolt');
    this.latest = new Map();
    this.key = new FieldReader(this.keyField);
    this.count = new FieldReader(this.countField);
  }

  execute(tuple: Tuple): void {
    if (tuple.isTick()) return;
    this.latest!.set(this.key.read(tuple), Number(this.count.read(tuple)));
  }

  /** Writes the sorted counts (once; later calls do nothing). Nothing is written if `prepare()` never ran. */
  override async cleanup(): Promise<void> {
    const latest = this.latest;
    if (latest === undefined) return;
    this.latest = undefined;
    const rows: [string, number][] = [];
    for (const [k, n] of latest) rows.push([String(k), n]);
    rows.sort(byCountThenKey);
    await writeLinesAtomic(this.path, rowsToLines(rows));
  }
}

function* rowsToLines(rows: readonly (readonly [string, number])[]): Iterable<string> {
  for (const [k, n] of rows) yield `${k}\t${n}`;
}
