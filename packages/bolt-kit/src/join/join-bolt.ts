import {
  invalidRow, BaseWindowedBolt, DataError, DEFAULT_STREAM, type OutputFieldsDeclarer, type Tuple, type TupleWindow, type WindowSpec,
  type WindowedBoltWiring, type WindowedOutputCollector,
} from '@gale/runtime';
import { hashJoin } from './hash-join.js';
import {
  addStep, badJoin, checkName, parseSelect, resolveSelect, type JoinPlan, type JoinSelector, type JoinStep, type ResolvedSelect, type SelectField,
} from './join-spec.js';
import { checkJoinWiring } from './join-wiring.js';
import { badOption } from '../errors.js';
import { declareInvalidStream, invalidStreamOption } from '../invalid-stream.js';

/** Options of {@link JoinBolt}: the window and the first input of the join. */
export interface JoinBoltOptions {
  /** The window (sliding or tumbling, count or duration, processing or event time); each evaluation joins its tuples. */
  window: WindowSpec;
  /** The first input (a component id, or a stream id with `selector: 'stream'`): the left side of every left join. */
  from: string;
  /** Its key field: what `join(stream, field, from)` compares `stream.field` with. */
  key: string;
  /** What names an input: `'source'` (default) the component a tuple comes from, `'stream'` its stream id. */
  selector?: JoinSelector;
  /** Stream the joined rows are emitted on (default: the default stream). */
  outputStream?: string;
  /**
   * Stream on which each new tuple with a null or missing join key is emitted once as
   * `[sourceComponent, sourceStream, values, reason]` (the windows' invalid-stream layout), so
   * it is not lost silently. Default `invalid`; with an event-time window, the window's
   * `invalidStream` (one stream for bad timestamps and bad keys), and setting both differently
   * is refused.
   */
  invalidStream?: string;
}

/** The window spec with the join's invalid stream, which an event-time window declares itself. */
function windowWith(options: JoinBoltOptions): WindowSpec {
  const w = options?.window;
  if (w === undefined || w === null || w.timestamp === undefined || options.invalidStream === undefined) return w;
  if (w.invalidStream !== undefined && w.invalidStream !== options.invalidStream) {
    throw badOption(`JoinBolt invalidStream "${options.invalidStream}" and its event-time window's invalidStream "${w.invalidStream}" differ: both name the one stream of bad tuples; set one`);
  }
  return { ...w, invalidStream: options.invalidStream };
}

/** Field `name` of a tuple, or undefined if its stream does not have it. */
function read(t: Tuple, name: string): unknown {
  const i = t.fields.fieldIndex(name);
  return i < 0 ? undefined : t.values[i];
}

/**
 * Joins two or more inputs on a key over a window, as Storm's `JoinBolt`: each window
 * evaluation hash-joins the window's tuples (inner joins drop unmatched rows; left joins keep
 * the left row with nulls; equal keys give every pair) and emits one tuple per joined row with
 * the selected fields, anchored to the input tuples of that row. Inputs are named by component
 * (default) or by stream id; select names output fields `stream.field [as name]`.
 *
 * ```ts
 * builder.setBolt('orders-users', new JoinBolt({ window: tumblingWindow(Duration.ofSeconds(10)), from: 'orders', key: 'userId' })
 *     .join('users', 'id', 'orders')
 *     .leftJoin('payments', 'orderId', 'orders', 'id')
 *     .select('orders.id, users.name as user, payments.amount'), 2)
 *   .fieldsGrouping('orders', ['userId']).fieldsGrouping('users', ['id']) ...
 * ```
 * With several tasks every input must be fields-grouped on its join key (build() checks it).
 * Keys are compared as `Map` keys; a null or missing key matches nothing (docs/joins.md).
 */
export class JoinBolt extends BaseWindowedBolt {
  private readonly selector: JoinSelector;
  private readonly outputStream: string;
  private readonly invalidStream: string;
  /** Event time: the window executor declares the invalid stream; processing time: the bolt does. */
  private readonly windowDeclaresInvalid: boolean;
  private plan: JoinPlan;
  private selected: ResolvedSelect[] | undefined;

  constructor(options: JoinBoltOptions) {
    super(windowWith(options));
    const from = checkName('from', options.from);
    this.plan = { streams: [from], keys: new Map([[from, checkName(`key of "${from}"`, options.key)]]), steps: [] };
    this.selector = options.selector ?? 'source';
    if (this.selector !== 'source' && this.selector !== 'stream') throw badJoin(`JoinBolt selector must be 'source' or 'stream', got ${JSON.stringify(this.selector)}`);
    this.outputStream = options.outputStream ?? DEFAULT_STREAM;
    this.windowDeclaresInvalid = options.window.timestamp !== undefined;
    this.invalidStream = invalidStreamOption('JoinBolt', options.invalidStream ?? (this.windowDeclaresInvalid ? options.window.invalidStream : undefined));
    if (this.invalidStream === this.outputStream) {
      throw badOption(`JoinBolt outputStream and invalidStream are both "${this.outputStream}": its joined rows and its tuples without a join key have different fields; rename one`);
    }
  }

  /** Inner join: rows where `stream.field` equals `priorStream.priorField` (default: the key `priorStream` was joined with). */
  join(stream: string, field: string, priorStream: string, priorField?: string): this {
    return this.add('inner', stream, field, priorStream, priorField);
  }

  /** Left outer join: as {@link join}, but a row without a match in `stream` is kept, with nulls for `stream`'s fields. */
  leftJoin(stream: string, field: string, priorStream: string, priorField?: string): this {
    return this.add('left', stream, field, priorStream, priorField);
  }

  /**
   * The output fields, in order: `'orders.id, users.name as user'` (Storm's `orders:id` works
   * too), or `[{ stream: 'orders', field: 'id' }, { stream: 'users', field: 'name', as: 'user' }]`.
   * Call it after the joins. An output field is named `as`, else after its input field.
   */
  select(fields: string | readonly SelectField[]): this {
    this.selected = resolveSelect(this.plan, typeof fields === 'string' ? parseSelect(fields) : fields);
    return this;
  }

  /** The declared output fields (from the select). */
  get outputFields(): readonly string[] {
    return (this.selected ?? []).map((f) => f.as);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    if (this.selected === undefined) throw badJoin(`JoinBolt from "${this.plan.streams[0]}" has no select: call .select('stream.field, ...') to name its output fields`);
    declarer.declareStream(this.outputStream, this.outputFields);
    if (!this.windowDeclaresInvalid) declareInvalidStream(`JoinBolt from "${this.plan.streams[0]}"`, this.invalidStream, declarer);
  }

  checkInputs(wiring: WindowedBoltWiring): void {
    checkJoinWiring(wiring, this.selector, this.plan, this.selected);
  }

  execute(window: TupleWindow, collector: WindowedOutputCollector): void {
    const inputs = new Map<string, Tuple[]>();
    for (const t of window.get()) {
      const name = this.nameOf(t);
      const list = inputs.get(name);
      if (list === undefined) inputs.set(name, [t]);
      else list.push(t);
    }
    this.reportMissingKeys(window.getNew(), collector);
    const rows = hashJoin(this.plan, inputs, (t, _stream, field) => read(t, field));
    const at = new Map(this.plan.streams.map((s, i) => [s, i]));
    const pick = this.selected!.map((f) => ({ at: at.get(f.stream)!, field: f.field }));
    for (const row of rows) {
      const values = pick.map((p) => {
        const t = row[p.at]!;
        return t === null ? null : read(t, p.field);
      });
      collector.emitStream(this.outputStream, values, row.filter((t): t is Tuple => t !== null));
    }
  }

  private add(kind: JoinStep['kind'], stream: string, field: string, prior: string, priorField?: string): this {
    if (this.selected !== undefined) throw badJoin(`JoinBolt: join "${stream}" before calling select()`);
    this.plan = addStep(this.plan, kind, stream, field, prior, priorField);
    return this;
  }

  private nameOf(t: Tuple): string {
    return this.selector === 'source' ? t.sourceComponent : t.sourceStreamId;
  }

  // A null key is SQL's NULL: the tuple matches nothing but stays in its windows and is acked
  // with them (a left join keeps its left row with nulls). Failing it would only replay the same
  // tuple. Bad data: each new one is emitted once on the invalid stream (anchored to it, so it
  // is not lost), and one DataError per evaluation says how many there were.
  private reportMissingKeys(fresh: readonly Tuple[], collector: WindowedOutputCollector): void {
    const fieldsOf = new Map<string, string[]>();
    const on = (stream: string, field: string): void => {
      const list = fieldsOf.get(stream);
      if (list === undefined) fieldsOf.set(stream, [field]);
      else if (!list.includes(field)) list.push(field);
    };
    // The fields compared, not every declared key: the first input's key may be unused.
    for (const st of this.plan.steps) {
      on(st.prior, st.priorField);
      on(st.stream, st.field);
    }
    const missing = new Map<string, number>();
    for (const t of fresh) {
      const name = this.nameOf(t);
      const fields = fieldsOf.get(name);
      if (fields === undefined) continue;
      const bad: string[] = [];
      for (const f of fields) {
        const v = read(t, f);
        if (v === null || v === undefined) {
          const k = `"${name}".${f}`;
          missing.set(k, (missing.get(k) ?? 0) + 1);
          bad.push(`${k} is ${v === null ? 'null' : 'missing'}`);
        }
      }
      if (bad.length > 0) collector.emitStream(this.invalidStream, invalidRow(t, `no join key: ${bad.join(', ')}`), [t]);
    }
    if (missing.size === 0) return;
    const what = [...missing].map(([k, n]) => `${n} with no ${k}`).join(', ');
    collector.reportError(new DataError('GALE_ERR_JOIN_KEY', `JoinBolt "${this.context.thisComponentId}": new tuples without a join key (${what}); they match nothing (a left join keeps its left rows with nulls), are emitted on stream "${this.invalidStream}" and acked with their window`));
  }
}
