import {
  BaseBasicBolt, type BasicOutputCollector, type OutputFieldsDeclarer, type TopologyContext, type Tuple,
} from '@gale/runtime';
import { badOption } from '../errors.js';
import { FieldReader } from '../field-reader.js';

/** Options of {@link CountBolt}. */
export interface CountBoltOptions {
  /** Input field whose values are counted (default `word`). */
  keyField?: string;
  /** Emit `[key, count]` on every update (default true). */
  emit?: boolean;
  /** Names of the two output fields (default `[keyField, 'count']`). */
  outputFields?: readonly [string, string];
}

/**
 * Counts occurrences of each value of `keyField` and, when `emit`, emits `[key, newCount]`
 * anchored to the input on every update. Counts live in the task: subscribe with
 * `fieldsGrouping(source, [keyField])` so each key is counted by exactly one task. With
 * replays (at-least-once), a replayed input is counted again. Tick tuples are ignored.
 *
 * ```ts
 * builder.setBolt('count', new CountBolt(), 2).fieldsGrouping('split', ['word']);
 * ```
 */
export class CountBolt extends BaseBasicBolt {
  private readonly keyField: string;
  private readonly emits: boolean;
  private readonly outputFields: readonly [string, string];
  /** Boxed counts: an existing key costs one hash lookup per input, not a get and a set. */
  private counts!: Map<unknown, { n: number }>;
  private key!: FieldReader;

  constructor(options: CountBoltOptions = {}) {
    super();
    this.keyField = options.keyField ?? 'word';
    if (typeof this.keyField !== 'string' || this.keyField === '') throw badOption(`CountBolt keyField must be a non-empty string, got ${JSON.stringify(this.keyField)}`);
    this.emits = options.emit ?? true;
    this.outputFields = options.outputFields ?? [this.keyField, 'count'];
    if (!Array.isArray(this.outputFields) || this.outputFields.length !== 2) {
      throw badOption(`CountBolt outputFields must name exactly two fields (key, count), got ${JSON.stringify(this.outputFields)}`);
    }
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(this.outputFields);
  }

  override prepare(context: TopologyContext): void {
    super.prepare(context);
    this.counts = new Map();
    this.key = new FieldReader(this.keyField);
  }

  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    if (tuple.isTick()) return;
    const key = this.key.read(tuple);
    let c = this.counts.get(key);
    if (c === undefined) {
      c = { n: 0 };
      this.counts.set(key, c);
    }
    const n = ++c.n;
    if (this.emits) collector.emit([key, n]);
  }
}
