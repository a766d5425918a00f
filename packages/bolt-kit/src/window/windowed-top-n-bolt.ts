import {
  BaseWindowedBolt, type BoltWiring, type OutputFieldsDeclarer, type TupleWindow, type WindowSpec, type WindowedOutputCollector,
} from '@gale/runtime';
import { badOption } from '../errors.js';
import { FieldReader } from '../field-reader.js';
import { requireInputFields } from '../wiring-check.js';
import { topN } from './rankings.js';

/** Options of {@link WindowedTopNBolt}. */
export interface WindowedTopNBoltOptions {
  window: WindowSpec;
  /** How many entries the ranking keeps. */
  n: number;
  /** Field holding the key (default `word`). */
  keyField?: string;
  /**
   * Field holding a running count per key, e.g. the `count` of a {@link WindowedCountBolt}
   * upstream: each key's latest count in the window is ranked (as Storm's total ranker merges
   * intermediate rankings). Omitted: tuples are counted, each one 1.
   */
  countField?: string;
  /** Names of the output fields (default `['rankings', 'windowStart', 'windowEnd']`). */
  outputFields?: readonly [string, string, string];
}

/**
 * Rolling top-N: over every window, counts per key and emits one tuple
 * `[rankings, windowStart, windowEnd]`, rankings being `[[key, count], ...]` largest first
 * (ties by key). For a rolling top-N over many keys, count with a {@link WindowedCountBolt}
 * (sliding window, `fieldsGrouping` by key) and rank its output here with `countField: 'count'`,
 * `globalGrouping`, and a tumbling window as long as the counter's slide: each key's latest
 * count is ranked. Nothing is emitted for an empty window.
 */
export class WindowedTopNBolt extends BaseWindowedBolt {
  private readonly n: number;
  private readonly keyField: string;
  private readonly countField: string | undefined;
  private readonly outputFields: readonly [string, string, string];

  constructor(options: WindowedTopNBoltOptions) {
    super(options?.window);
    this.n = options.n;
    if (!Number.isInteger(this.n) || this.n < 1) throw badOption(`WindowedTopNBolt n must be an integer >= 1, got ${JSON.stringify(options.n)}`);
    this.keyField = options.keyField ?? 'word';
    this.countField = options.countField;
    this.outputFields = options.outputFields ?? ['rankings', 'windowStart', 'windowEnd'];
    if (!Array.isArray(this.outputFields) || this.outputFields.length !== 3) {
      throw badOption(`WindowedTopNBolt outputFields must name exactly three fields, got ${JSON.stringify(this.outputFields)}`);
    }
  }

  /** A key or count field an input does not declare is refused at build() (not failed per window). */
  checkInputs(wiring: BoltWiring): void {
    requireInputFields('WindowedTopNBolt', wiring, [{ option: 'keyField', field: this.keyField }, { option: 'countField', field: this.countField }]);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(this.outputFields);
  }

  execute(window: TupleWindow, collector: WindowedOutputCollector): void {
    const tuples = window.get();
    if (tuples.length === 0) return;
    const key = new FieldReader(this.keyField);
    const count = this.countField === undefined ? undefined : new FieldReader(this.countField);
    const counts = new Map<unknown, number>();
    for (const t of tuples) {
      const k = key.read(t);
      if (count === undefined) {
        counts.set(k, (counts.get(k) ?? 0) + 1);
      } else {
        const c = Number(count.read(t));
        if (Number.isFinite(c)) counts.set(k, c);
      }
    }
    collector.emit([topN(counts, this.n).map(([k, c]) => [k, c]), window.startTimestamp ?? null, window.endTimestamp ?? null]);
  }
}
