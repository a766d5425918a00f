import {
  BaseWindowedBolt, type OutputFieldsDeclarer, type Tuple, type TupleWindow, type WindowSpec, type WindowedOutputCollector,
} from '@gale/runtime';
import { badOption } from '../errors.js';
import { FieldReader } from '../field-reader.js';

/** Options of {@link WindowedCountBolt}. */
export interface WindowedCountBoltOptions {
  /** The window (sliding or tumbling, count or duration, processing or event time). */
  window: WindowSpec;
  /** Input field whose values are counted (default `word`). */
  keyField?: string;
  /** Names of the four output fields (default `[keyField, 'count', 'windowStart', 'windowEnd']`). */
  outputFields?: readonly [string, string, string, string];
}

/**
 * Counts each value of `keyField` over every window and emits `[key, count, windowStart,
 * windowEnd]` per key (window bounds in ms; `null` for count windows). Each output is anchored
 * to the inputs of its key only, so a failed downstream tuple replays just that key's inputs.
 * Subscribe with `fieldsGrouping(source, [keyField])` for per-key totals across tasks.
 *
 * ```ts
 * builder.setBolt('per-minute', new WindowedCountBolt({ window: tumblingWindow(Duration.ofMinutes(1), { timestamp: 'ts' }), keyField: 'status' }), 2)
 *   .fieldsGrouping('parse', ['status']);
 * ```
 */
export class WindowedCountBolt extends BaseWindowedBolt {
  private readonly keyField: string;
  private readonly outputFields: readonly [string, string, string, string];
  private key: FieldReader | undefined;

  constructor(options: WindowedCountBoltOptions) {
    super(options?.window);
    this.keyField = options.keyField ?? 'word';
    if (typeof this.keyField !== 'string' || this.keyField === '') throw badOption(`WindowedCountBolt keyField must be a non-empty string, got ${JSON.stringify(this.keyField)}`);
    this.outputFields = options.outputFields ?? [this.keyField, 'count', 'windowStart', 'windowEnd'];
    if (!Array.isArray(this.outputFields) || this.outputFields.length !== 4) {
      throw badOption(`WindowedCountBolt outputFields must name exactly four fields (key, count, windowStart, windowEnd), got ${JSON.stringify(this.outputFields)}`);
    }
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(this.outputFields);
  }

  execute(window: TupleWindow, collector: WindowedOutputCollector): void {
    this.key ??= new FieldReader(this.keyField);
    const byKey = new Map<unknown, Tuple[]>();
    for (const t of window.get()) {
      const k = this.key.read(t);
      const list = byKey.get(k);
      if (list === undefined) byKey.set(k, [t]);
      else list.push(t);
    }
    for (const [k, tuples] of byKey) collector.emit([k, tuples.length, window.startTimestamp ?? null, window.endTimestamp ?? null], tuples);
  }
}
