import type { Topology } from '../api/builder.js';
import type { TopologyParams } from '../api/params.js';
import { CliUsageError } from './usage-error.js';

/** What a topology file must default-export, for error messages. */
const EXPECTED = 'export default a topology (builder.build(...)) or a function (params) => topology';

export interface ResolvedTopology {
  readonly topology: Topology;
  /** False when the default export was a ready topology (it reads no `--set` parameters). */
  readonly fromFunction: boolean;
}

/**
 * Turns a topology module's default export into a {@link Topology}: either it is one, or it is a
 * function of the `--set` parameters returning one (or a promise of one).
 * Errors the function throws (TopologyError, UsageError for a missing parameter, ...) propagate.
 */
export async function topologyFromExports(
  exports: Readonly<Record<string, unknown>>,
  file: string,
  params: TopologyParams,
): Promise<ResolvedTopology> {
  const def = exports.default;
  if (def === undefined) {
    const named = Object.keys(exports).filter((k) => k !== 'default');
    const also = named.length > 0 ? ` (it exports ${named.map((n) => `"${n}"`).join(', ')})` : '';
    throw new CliUsageError('GALE_ERR_NO_DEFAULT_EXPORT', `${file} has no default export${also}; ${EXPECTED}`);
  }
  if (isTopology(def)) return { topology: def, fromFunction: false };
  if (typeof def !== 'function' || isClass(def)) {
    throw new CliUsageError('GALE_ERR_BAD_DEFAULT_EXPORT', `the default export of ${file} is ${describe(def)}; ${EXPECTED}`);
  }
  const result: unknown = await (def as (p: TopologyParams) => unknown)(params);
  if (!isTopology(result)) {
    throw new CliUsageError('GALE_ERR_BAD_DEFAULT_EXPORT', `the default export of ${file} returned ${describe(result)}, not a topology; return builder.build({ name })`);
  }
  return { topology: result, fromFunction: true };
}

/** Shape check rather than instanceof: the topology may come from another module copy. */
export function isTopology(v: unknown): v is Topology {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Partial<Topology>;
  return typeof t.name === 'string' && t.components instanceof Map && typeof t.config === 'object' && t.config !== null;
}

function isClass(f: unknown): boolean {
  return typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (isClass(v)) return `a class (${(v as { name: string }).name || 'anonymous'})`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.setSpout === 'function' && typeof o.build === 'function') return 'a TopologyBuilder (call .build({ name }) on it)';
    if (typeof o.then === 'function') return 'a promise';
    return 'an object that is not a topology';
  }
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)})`;
  // Objects and strings were handled above: what is left prints itself (numbers, booleans, functions...).
  return `a ${typeof v} (${String(v as number | boolean | bigint | symbol | undefined)})`;
}
