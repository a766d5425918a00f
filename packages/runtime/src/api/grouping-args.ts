import { TopologyError } from '../errors.js';
import { Fields } from './fields.js';

/** What a fields-style grouping was given: gale's `(component, fields, streamId?)` or Storm's `(component, streamId, fields)`. */
export type FieldsArg = Fields | readonly string[];

function isFieldsArg(v: unknown): v is FieldsArg {
  return v instanceof Fields || Array.isArray(v);
}

/**
 * Sorts out the two argument orders of `fieldsGrouping`/`partialKeyGrouping` (the overloads
 * type both), and turns anything else — a bare string as the fields, a missing field list —
 * into one clear TopologyError naming the call instead of a TypeError deep in Fields.
 */
export function fieldsGroupingArgs(bolt: string, method: string, component: string, a: unknown, b: unknown): { fields: Fields; stream: string | undefined } {
  const call = `bolt "${bolt}": ${method}(${JSON.stringify(component)}, ...)`;
  if (isFieldsArg(a)) {
    if (b !== undefined && typeof b !== 'string') {
      throw new TopologyError('GALE_ERR_BAD_GROUPING', `${call}: the stream id must be a string, got ${describe(b)}`);
    }
    return { fields: a instanceof Fields ? a : new Fields(a), stream: b };
  }
  if (typeof a === 'string' && isFieldsArg(b)) return { fields: b instanceof Fields ? b : new Fields(b), stream: a }; // Storm's order
  const hint = `use ${method}(component, ["field", ...]) or, as Storm, ${method}(component, streamId, ["field", ...])`;
  if (typeof a === 'string' && b === undefined) {
    throw new TopologyError('GALE_ERR_BAD_GROUPING', `${call}: fields must be a list of field names, got the string ${JSON.stringify(a)}; ${hint}`);
  }
  throw new TopologyError('GALE_ERR_BAD_GROUPING', `${call}: expected a list of field names, got ${describe(a)}${b === undefined ? '' : ` and ${describe(b)}`}; ${hint}`);
}

function describe(v: unknown): string {
  if (v === undefined || v === null) return String(v);
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return typeof v === 'object' ? `an object (${Object.prototype.toString.call(v).slice(8, -1)})` : `a ${typeof v}`;
}
