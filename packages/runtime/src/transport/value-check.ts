/**
 * Which user values may travel inside a tuple (docs/protocol.md "Values"). Run on every decoded tuple and
 * on every record a client accepts, so both ends agree and a bad value fails where it was emitted.
 *
 * Allowed: null, undefined, boolean, number (float64; -0 arrives as 0), string, BigInt in the 64-bit range
 * (int64/uint64 on the wire, arrives as BigInt), Uint8Array/Buffer (arrives as a Buffer copy), Date
 * (msgpack timestamp), arrays and plain objects of these (prototype Object.prototype or null).
 * Refused: everything else (Map, Set, RegExp, Error, other typed arrays, class instances, functions,
 * symbols), object keys `__proto__`, `__proto_` (msgpackr's rename of `__proto__` on decode),
 * `constructor` and `prototype`, and nesting deeper than `maxValueDepth`.
 */

export interface ValueLimits {
  /** Nesting depth of arrays/objects inside one value (the tuple's values array is depth 0). */
  maxValueDepth: number;
  /** Keys of one object inside a value. */
  maxObjectKeys: number;
}

export const DEFAULT_VALUE_LIMITS: Readonly<ValueLimits> = Object.freeze({ maxValueDepth: 32, maxObjectKeys: 4_096 });

export interface ValueProblem {
  /** Where, like `[0].user.tags[3]`. */
  path: string;
  problem: string;
}

const BANNED_KEYS = new Set(['__proto__', '__proto_', 'constructor', 'prototype']);
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Returns the first problem in `values` (an array of tuple values), or null when all may be sent. */
export function checkValues(values: readonly unknown[], limits: Readonly<ValueLimits>): ValueProblem | null {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // fast path for the common flat tuple
    const t = typeof v;
    if (t === 'string' || t === 'number' || t === 'boolean' || v === null || v === undefined) continue;
    const p = checkValue(v, 1, limits);
    if (p !== null) return { path: `[${i}]${p.path}`, problem: p.problem };
  }
  return null;
}

function checkValue(v: unknown, depth: number, limits: Readonly<ValueLimits>): ValueProblem | null {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'undefined':
      return null;
    case 'bigint':
      return v >= INT64_MIN && v <= UINT64_MAX ? null : { path: '', problem: 'BigInt outside the 64-bit range cannot be sent' };
    case 'object':
      break;
    default:
      return { path: '', problem: `values of type ${typeof v} cannot be sent` };
  }
  if (v === null) return null;
  if (Array.isArray(v)) {
    if (depth >= limits.maxValueDepth) return { path: '', problem: `nested deeper than ${limits.maxValueDepth}` };
    for (let i = 0; i < v.length; i++) {
      const p = checkValue(v[i], depth + 1, limits);
      if (p !== null) return { path: `[${i}]${p.path}`, problem: p.problem };
    }
    return null;
  }
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    if (depth >= limits.maxValueDepth) return { path: '', problem: `nested deeper than ${limits.maxValueDepth}` };
    const keys = Object.keys(v);
    if (keys.length > limits.maxObjectKeys) return { path: '', problem: `${keys.length} keys exceed the limit of ${limits.maxObjectKeys}` };
    for (const k of keys) {
      if (BANNED_KEYS.has(k)) return { path: '', problem: `key "${k}" is not allowed in values` };
      const p = checkValue((v as Record<string, unknown>)[k], depth + 1, limits);
      if (p !== null) return { path: `.${k.length > 40 ? `${k.slice(0, 40)}...` : k}${p.path}`, problem: p.problem };
    }
    return null;
  }
  if (v instanceof Uint8Array) {
    // Buffer is a Uint8Array subclass and msgpackr sends both as bin; other subclasses would lose their type
    return proto === Uint8Array.prototype || Buffer.isBuffer(v) ? null : { path: '', problem: `${ctorName(v)} cannot be sent (use a Uint8Array)` };
  }
  if (v instanceof Date && proto === Date.prototype) return null;
  return { path: '', problem: `values of type ${ctorName(v)} cannot be sent (only primitives, arrays, plain objects, Uint8Array, Date, BigInt)` };
}

function ctorName(v: object): string {
  const c = (Object.getPrototypeOf(v) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof c === 'string' && c.length > 0 ? c : 'object';
}
