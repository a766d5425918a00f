import { BaseBasicBolt, type BasicOutputCollector, type Fields, type OutputFieldsDeclarer, type Tuple, type Values } from '@gale/runtime';
import { badOption, isPromiseLike } from '../errors.js';

/** Options of {@link FilterBolt}. */
export interface FilterBoltOptions {
  /** Keep the tuple when true; may be async. */
  predicate: (tuple: Tuple) => boolean | Promise<boolean>;
  /**
   * Output fields: the input's fields, since values pass through unchanged. (Components
   * declare their fields before the topology is wired, so they cannot be inferred.)
   */
  fields: Fields | readonly string[];
}

/**
 * Re-emits, unchanged and anchored, the inputs for which `predicate` holds; every input is
 * acked (kept or not). Tick tuples are ignored.
 *
 * ```ts
 * new FilterBolt({ fields: ['line'], predicate: (t) => t.getStringByField('line') !== '' })
 * ```
 */
export class FilterBolt extends BaseBasicBolt {
  private readonly fields: Fields | readonly string[];
  private readonly predicate: FilterBoltOptions['predicate'];

  constructor(options: FilterBoltOptions) {
    super();
    if (typeof options?.predicate !== 'function') throw badOption('FilterBolt needs { predicate: (tuple) => boolean }');
    this.fields = options.fields;
    this.predicate = options.predicate;
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(this.fields);
  }

  execute(tuple: Tuple, collector: BasicOutputCollector): void | Promise<void> {
    if (tuple.isTick()) return;
    const keep = this.predicate(tuple);
    if (isPromiseLike<boolean>(keep)) {
      return Promise.resolve(keep).then((k) => {
        if (k) collector.emit(passThrough(tuple));
      });
    }
    if (keep) collector.emit(passThrough(tuple));
  }
}

// Tuple values are immutable by contract and already shared between the receivers of one
// emit, so the same array is forwarded rather than copied.
function passThrough(tuple: Tuple): Values {
  return tuple.values as Values;
}
