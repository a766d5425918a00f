import { BaseBasicBolt, type BasicOutputCollector, type Fields, type OutputFieldsDeclarer, type Tuple, type Values } from '@gale/runtime';
import { badOption, isPromiseLike } from '../errors.js';

/** Options of {@link MapBolt}. */
export interface MapBoltOptions {
  /** Output fields of the default stream; `fn` must return that many values. */
  fields: Fields | readonly string[];
  /** Values of the one output tuple for an input; may be async. Throw `FailedException` to fail the input. */
  fn: (tuple: Tuple) => Values | Promise<Values>;
}

/**
 * Emits exactly one tuple, `fn(input)`, per input. A basic bolt: the emit is anchored to the
 * input and the input is acked once `fn` returned (or its promise resolved); a throw or a
 * rejection fails it. Tick tuples are ignored.
 *
 * ```ts
 * builder.setBolt('upper', new MapBolt({ fields: ['line'], fn: (t) => [t.getStringByField('line').toUpperCase()] }))
 *   .shuffleGrouping('lines');
 * ```
 */
export class MapBolt extends BaseBasicBolt {
  private readonly fields: Fields | readonly string[];
  private readonly fn: MapBoltOptions['fn'];

  constructor(options: MapBoltOptions) {
    super();
    if (typeof options?.fn !== 'function') throw badOption('MapBolt needs { fn: (tuple) => values }');
    this.fields = options.fields;
    this.fn = options.fn;
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(this.fields);
  }

  execute(tuple: Tuple, collector: BasicOutputCollector): void | Promise<void> {
    if (tuple.isTick()) return;
    const out = this.fn(tuple);
    if (isPromiseLike<Values>(out)) return Promise.resolve(out).then((values) => collector.emit(values));
    collector.emit(out);
  }
}
