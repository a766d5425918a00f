import { BaseBasicBolt, type BasicOutputCollector, type Fields, type OutputFieldsDeclarer, type Tuple, type Values } from '@gale/runtime';
import { badOption, isPromiseLike } from '../errors.js';

/** What {@link FlatMapBolt}'s `fn` may return. */
export type FlatMapResult = Iterable<Values> | AsyncIterable<Values> | Promise<Iterable<Values>>;

/** Options of {@link FlatMapBolt}. */
export interface FlatMapBoltOptions {
  /** Output fields of the default stream; every emitted tuple must have that many values. */
  fields: Fields | readonly string[];
  /** Zero or more output tuples for an input: an iterable (a generator works), async iterable or promise of one. */
  fn: (tuple: Tuple) => FlatMapResult;
}

/**
 * Emits every tuple of `fn(input)`, each anchored to the input; the input is acked once the
 * result was fully consumed, and failed if `fn` (or its iteration) throws. Tick tuples are ignored.
 *
 * ```ts
 * new FlatMapBolt({ fields: ['word'], fn: (t) => t.getStringByField('line').split(' ').map((w) => [w]) })
 * ```
 */
export class FlatMapBolt extends BaseBasicBolt {
  private readonly fields: Fields | readonly string[];
  private readonly fn: FlatMapBoltOptions['fn'];

  constructor(options: FlatMapBoltOptions) {
    super();
    if (typeof options?.fn !== 'function') throw badOption('FlatMapBolt needs { fn: (tuple) => iterable of values }');
    this.fields = options.fields;
    this.fn = options.fn;
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(this.fields);
  }

  execute(tuple: Tuple, collector: BasicOutputCollector): void | Promise<void> {
    if (tuple.isTick()) return;
    const out = this.fn(tuple);
    if (isPromiseLike<Iterable<Values>>(out)) return Promise.resolve(out).then((items) => emitAll(items, collector));
    if (typeof (out as Partial<Iterable<Values>>)[Symbol.iterator] === 'function') {
      emitAll(out as Iterable<Values>, collector);
      return;
    }
    if (typeof (out as Partial<AsyncIterable<Values>>)[Symbol.asyncIterator] === 'function') {
      return emitAllAsync(out as AsyncIterable<Values>, collector);
    }
    throw badOption(`FlatMapBolt fn returned ${out === null ? 'null' : typeof out}, not an iterable of values`);
  }
}

function emitAll(items: Iterable<Values>, collector: BasicOutputCollector): void {
  if (Array.isArray(items)) {
    for (let i = 0; i < items.length; i++) collector.emit(items[i] as Values);
    return;
  }
  for (const values of items) collector.emit(values);
}

async function emitAllAsync(items: AsyncIterable<Values>, collector: BasicOutputCollector): Promise<void> {
  for await (const values of items) collector.emit(values);
}
