import type { OutputCollector, OutputFieldsDeclarer, TopologyContext, Tuple } from '../types.js';
import type { KeyValueState } from './key-value-state.js';

type MaybePromise<T> = T | Promise<T>;

/**
 * A bolt whose state is checkpointed (Storm's IStatefulBolt). `initState` gets the task's state,
 * as last committed, before any `execute` — and again after a rollback, with the state put back
 * to the last commit (keep no other copy of it). `execute` is a rich bolt's: ack each input in
 * `execute`. The ack is held until the checkpoint holding the input's effect is committed, so an
 * input whose effect was lost in a crash is replayed (docs/state.md).
 * ```ts
 * class Totals extends BaseStatefulBolt<KeyValueState<string, number>> {
 *   initState(s) { this.totals = s; }
 *   execute(t) { this.totals.put(k, this.totals.get(k, 0) + n); this.collector.ack(t); }
 * }
 * builder.setBolt('totals', new Totals(), 2).fieldsGrouping('src', ['key']);
 * ```
 */
export interface StatefulBolt<S = KeyValueState<string, unknown>> {
  readonly basic?: false;
  declareOutputFields(declarer: OutputFieldsDeclarer): void;
  prepare?(context: TopologyContext, collector: OutputCollector): MaybePromise<void>;
  initState(state: S): MaybePromise<void>;
  execute(tuple: Tuple): MaybePromise<void>;
  cleanup?(): MaybePromise<void>;
}

/** True for an object that looks like a {@link StatefulBolt} (has `initState` and `execute`). */
export function isStatefulBolt(x: unknown): x is StatefulBolt<unknown> {
  return typeof x === 'object' && x !== null
    && typeof (x as Partial<StatefulBolt<unknown>>).initState === 'function'
    && typeof (x as Partial<StatefulBolt<unknown>>).execute === 'function';
}

/** Convenience base for stateful bolts: keeps `context`, `collector` and `state`. */
export abstract class BaseStatefulBolt<S = KeyValueState<string, unknown>> implements StatefulBolt<S> {
  protected context!: TopologyContext;
  protected collector!: OutputCollector;
  protected state!: S;

  abstract declareOutputFields(declarer: OutputFieldsDeclarer): void;
  abstract execute(tuple: Tuple): void | Promise<void>;

  prepare(context: TopologyContext, collector: OutputCollector): void | Promise<void> {
    this.context = context;
    this.collector = collector;
  }
  initState(state: S): void | Promise<void> {
    this.state = state;
  }
  cleanup(): void | Promise<void> {}
}
