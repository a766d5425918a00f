import { TopologyError } from '@gale/runtime';

/*
 * The definition of a join, checked as it is declared (JoinBolt's chained calls), with no
 * topology in sight: names, order of the joins, and the select list. What needs the topology
 * (subscriptions, declared fields, groupings) is checked by join-wiring.ts at build().
 */

/**
 * What names an input of a {@link JoinBolt} (Storm's `JoinBolt.Selector`): `'source'` (the
 * default) the component a tuple comes from, `'stream'` its stream id.
 */
export type JoinSelector = 'source' | 'stream';

/** One join after the first input: `stream.field = prior.priorField`. */
export interface JoinStep {
  readonly kind: 'inner' | 'left';
  readonly stream: string;
  readonly field: string;
  readonly prior: string;
  readonly priorField: string;
}

/** One output field: `stream.field`, named `as` (default: `field`). */
export interface SelectField {
  readonly stream: string;
  readonly field: string;
  readonly as?: string;
}

/** A select entry with its output name resolved. */
export interface ResolvedSelect {
  readonly stream: string;
  readonly field: string;
  readonly as: string;
}

/** The join as the pure join logic runs it: inputs in join order, each with its key field. */
export interface JoinPlan {
  /** Input names in the order they enter the join (the first is the `from` input). */
  readonly streams: readonly string[];
  /** Key field of each input, by name: the field it was introduced with. */
  readonly keys: ReadonlyMap<string, string>;
  readonly steps: readonly JoinStep[];
}

export function badJoin(message: string): TopologyError {
  return new TopologyError('GALE_ERR_BAD_JOIN', message);
}

export function checkName(what: string, v: unknown): string {
  if (typeof v !== 'string' || v.trim() === '' || v !== v.trim()) throw badJoin(`JoinBolt ${what} must be a non-empty string without surrounding spaces, got ${JSON.stringify(v)}`);
  return v;
}

/** The plan after adding one join, refusing an input joined twice or a prior input not yet joined. */
export function addStep(plan: JoinPlan, kind: JoinStep['kind'], stream: string, field: string, prior: string, priorField?: string): JoinPlan {
  checkName('join stream', stream);
  checkName(`join field of "${stream}"`, field);
  checkName(`prior stream of "${stream}"`, prior);
  if (plan.keys.has(stream)) throw badJoin(`JoinBolt joins "${stream}" twice; each input enters the join once`);
  const priorKey = plan.keys.get(prior);
  if (priorKey === undefined) {
    throw badJoin(`JoinBolt joins "${stream}" to "${prior}", which is not joined yet (joined so far: ${plan.streams.join(', ')}); join inputs in order, each to one already joined`);
  }
  const step: JoinStep = { kind, stream, field, prior, priorField: priorField === undefined ? priorKey : checkName(`prior field of "${stream}"`, priorField) };
  return { streams: [...plan.streams, stream], keys: new Map([...plan.keys, [stream, field]]), steps: [...plan.steps, step] };
}

/**
 * Parses `'orders.id, users.name as user'` (or Storm's `orders:id`): `stream.field` splits at
 * the first `:` if there is one, else at the last `.` (component ids may contain dots).
 */
export function parseSelect(text: string): SelectField[] {
  if (typeof text !== 'string' || text.trim() === '') throw badJoin(`JoinBolt select needs a list such as 'orders.id, users.name as user', got ${JSON.stringify(text)}`);
  return text.split(',').map((raw) => {
    const item = raw.trim();
    const m = /^(\S+?)(?:\s+as\s+(\S+))?$/i.exec(item);
    const ref = m?.[1];
    const colon = ref?.indexOf(':') ?? -1;
    const cut = colon >= 0 ? colon : (ref?.lastIndexOf('.') ?? -1);
    if (m === null || ref === undefined || cut <= 0 || cut === ref.length - 1) {
      throw badJoin(`JoinBolt select entry ${JSON.stringify(item)} is not "stream.field" or "stream.field as name"`);
    }
    return { stream: ref.slice(0, cut), field: ref.slice(cut + 1), ...(m[2] === undefined ? {} : { as: m[2] }) };
  });
}

/** Resolves output names, refusing unknown inputs and two entries with one output name. */
export function resolveSelect(plan: JoinPlan, fields: readonly SelectField[]): ResolvedSelect[] {
  // Not Array.isArray in the condition: it would narrow the typed list to any[].
  const isList: boolean = Array.isArray(fields);
  if (!isList || fields.length === 0) throw badJoin('JoinBolt select needs at least one field');
  const seen = new Map<string, string>();
  return fields.map((f) => {
    const stream = checkName('select stream', f?.stream);
    const field = checkName(`select field of "${stream}"`, f.field);
    const as = f.as === undefined ? field : checkName(`output name of "${stream}.${field}"`, f.as);
    if (!plan.keys.has(stream)) {
      throw new TopologyError('GALE_ERR_JOIN_STREAM', `JoinBolt selects "${stream}.${field}" but "${stream}" is not one of the joined inputs (${plan.streams.join(', ')})`);
    }
    const other = seen.get(as);
    if (other !== undefined) {
      throw new TopologyError('GALE_ERR_JOIN_DUPLICATE_OUTPUT', `JoinBolt selects "${other}" and "${stream}.${field}" as the same output field "${as}"; rename one with "as"`);
    }
    seen.set(as, `${stream}.${field}`);
    return { stream, field, as };
  });
}
