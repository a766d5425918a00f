import {
  describeValue, invalidRow, BaseBasicBolt, DataError, DEFAULT_STREAM, type BasicOutputCollector, type BoltWiring, type OutputFieldsDeclarer, type TopologyContext, type Tuple,
} from '@gale/runtime';
import { badOption } from '../errors.js';
import { FieldReader } from '../field-reader.js';
import { requireInputFields } from '../wiring-check.js';
import { declareInvalidStream, invalidStreamOption } from '../invalid-stream.js';

/** Options of {@link CountBolt}. */
export interface CountBoltOptions {
  /** Input field whose values are counted (default `word`). */
  keyField?: string;
  /** Emit `[key, count]` on every update (default true). */
  emit?: boolean;
  /** Names of the two output fields (default `[keyField, 'count']`). */
  outputFields?: readonly [string, string];
  /**
   * Input field holding a number to add to the key's count, instead of 1 per input: the
   * merge step after a combiner that emits `[key, n]` per distinct key of a batch. Each value
   * must be a finite number; an input with anything else is bad data: it adds nothing, is
   * emitted on `invalidStream` and acked (not failed: a replay would bring the same value back,
   * forever), and a {@link BadAmountError} (`GALE_ERR_BAD_AMOUNT`, a `DataError`) is reported.
   * Default: none (count 1 per input).
   */
  amountField?: string;
  /**
   * With `amountField`: the stream, declared then, on which inputs whose amount is not a finite
   * number are emitted as `[sourceComponent, sourceStream, values, reason]` (the windows'
   * invalid-stream layout). Default `invalid`.
   */
  invalidStream?: string;
  /**
   * A stream id: instead of emitting on every update, emit the whole table — `[key, count]`
   * for every key this task counted — each time a tuple arrives on this stream (e.g. the
   * end-of-input marker of a FileLineSpout's `endStream`, subscribed with `allGrouping`),
   * anchored to that tuple. Such tuples add nothing. Sending the whole table, not the keys
   * changed since the last one, makes a replayed marker idempotent for a sink that keeps the
   * latest count per key. The flush happens whatever `emit` says (`emit: false` stops only the
   * per-update emits). Default: none (with `emit`, one emit per update).
   */
  flushOn?: string;
}

/**
 * A {@link CountBolt} input whose `amountField` is not a finite number. Code `GALE_ERR_BAD_AMOUNT`.
 * A `DataError`: logged as one line without a stack, rate-limited; the tuple is acked, not failed.
 */
export class BadAmountError extends DataError {
  constructor(message: string) {
    super('GALE_ERR_BAD_AMOUNT', message);
  }
}

/**
 * Counts occurrences of each value of `keyField` and, when `emit`, emits `[key, newCount]`
 * anchored to the input on every update. Counts live in the task: subscribe with
 * `fieldsGrouping(source, [keyField])` so each key is counted by exactly one task. With
 * replays (at-least-once), a replayed input is counted again. Tick tuples are ignored.
 * With `amountField`, each input adds that field's number instead of 1 (summing the partial
 * counts of a combiner). With `flushOn`, the counts are emitted as a whole table when a tuple
 * arrives on that stream (an end-of-input marker) instead of on every update.
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
  private readonly amountField: string | undefined;
  private amount: FieldReader | undefined;
  private readonly flushOn: string | undefined;
  private readonly invalidStream: string;

  constructor(options: CountBoltOptions = {}) {
    super();
    this.keyField = options.keyField ?? 'word';
    if (typeof this.keyField !== 'string' || this.keyField === '') throw badOption(`CountBolt keyField must be a non-empty string, got ${JSON.stringify(this.keyField)}`);
    this.emits = options.emit ?? true;
    this.outputFields = options.outputFields ?? [this.keyField, 'count'];
    if (!Array.isArray(this.outputFields) || this.outputFields.length !== 2) {
      throw badOption(`CountBolt outputFields must name exactly two fields (key, count), got ${JSON.stringify(this.outputFields)}`);
    }
    this.amountField = options.amountField;
    if (this.amountField !== undefined && (typeof this.amountField !== 'string' || this.amountField === '')) {
      throw badOption(`CountBolt amountField must be a non-empty string, got ${JSON.stringify(this.amountField)}`);
    }
    this.flushOn = options.flushOn;
    if (this.flushOn !== undefined && (typeof this.flushOn !== 'string' || this.flushOn === '')) {
      throw badOption(`CountBolt flushOn must be a non-empty stream id, got ${JSON.stringify(this.flushOn)}`);
    }
    if (options.invalidStream !== undefined && this.amountField === undefined) throw badOption('CountBolt invalidStream only applies with amountField (only an amount can be bad data)');
    this.invalidStream = invalidStreamOption('CountBolt', options.invalidStream);
  }

  /** A key or amount field an input does not declare is refused at build() (not failed per tuple). */
  checkInputs(wiring: BoltWiring): void {
    requireInputFields('CountBolt', wiring, [{ option: 'keyField', field: this.keyField }, { option: 'amountField', field: this.amountField }], (i) => i.stream === this.flushOn);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declareStream(DEFAULT_STREAM, this.outputFields);
    if (this.amountField !== undefined) declareInvalidStream(`CountBolt (amountField "${this.amountField}")`, this.invalidStream, declarer);
  }

  override prepare(context: TopologyContext): void {
    super.prepare(context);
    this.counts = new Map();
    this.key = new FieldReader(this.keyField);
    this.amount = this.amountField === undefined ? undefined : new FieldReader(this.amountField);
  }

  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    if (tuple.isTick()) return;
    if (this.flushOn !== undefined && tuple.sourceStreamId === this.flushOn) {
      for (const [key, c] of this.counts) collector.emit([key, c.n]);
      return;
    }
    const key = this.key.read(tuple);
    let add = 1;
    if (this.amount !== undefined) {
      const v = this.amount.read(tuple);
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        // Bad data, not a transient failure: failing it would only bring the same value back.
        const why = `field "${this.amount.name}" of the input for ${describeValue(key)} is ${describeValue(v)}, not a finite number`;
        collector.reportError(new BadAmountError(`CountBolt "${this.context.thisComponentId}": ${why}; nothing added, the tuple is emitted on stream "${this.invalidStream}" and acked`));
        collector.emitStream(this.invalidStream, invalidRow(tuple, why));
        return;
      }
      add = v;
    }
    let c = this.counts.get(key);
    if (c === undefined) {
      c = { n: 0 };
      this.counts.set(key, c);
    }
    const n = (c.n += add);
    if (this.emits && this.flushOn === undefined) collector.emit([key, n]);
  }
}

