import { Scalar, parse, visit, type Document } from 'yaml';
import type { TopologyParams } from '../../api/params.js';
import { TopologyError } from '../../errors.js';
import type { YamlCursor } from './yaml-cursor.js';

/**
 * `${...}` in the values of a YAML topology, replaced before validation:
 *   `${name}`           the `--set name=...` parameter, else the environment variable `name`
 *   `${name:-default}`  the same, else `default`
 *   `${ENV-NAME}`       only the environment variable `NAME` (Storm Flux's spelling)
 * A value that is nothing but one unquoted `${...}` takes the type the text reads as
 * (`parallelism: ${p}` with `--set p=4` is the number 4); quoted, or inside other text, it stays text.
 */

export interface SubstitutionSource {
  readonly params: TopologyParams;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const REF = /\$\{([^}]*)\}/g;
const WHOLE = /^\$\{[^}]*\}$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** A reference with no value: where it is and what to do about it. */
interface Unset {
  readonly node: Scalar;
  readonly message: string;
}

/**
 * Substitutes every `${...}` of `doc`. References without a value are reported together, one
 * `file:line:col: message` line each (in document order), so one run names all of them.
 */
export function substitute(doc: Document, cursor: YamlCursor, src: SubstitutionSource): void {
  const unset: Unset[] = [];
  visit(doc, {
    Scalar(key, node) {
      // Keys are names, not values: never substituted.
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const text = node.value;
      const out = text.replace(REF, (_m, expr: string) => resolve(expr, node, cursor, src, unset));
      if (node.type === Scalar.PLAIN && WHOLE.test(text)) {
        const typed = readScalar(out);
        node.value = typed;
      } else {
        node.value = out;
      }
    },
  });
  if (unset.length === 1) cursor.fail(unset[0]!.node, 'GALE_ERR_YAML_PARAM', unset[0]!.message);
  if (unset.length > 1) throw new TopologyError('GALE_ERR_YAML_PARAM', unset.map((u) => `${cursor.at(u.node)}: ${u.message}`).join('\n'));
}

/** The value of one reference; '' when it has none (recorded in `unset`). */
function resolve(expr: string, node: Scalar, cursor: YamlCursor, src: SubstitutionSource, unset: Unset[]): string {
  const dflt = expr.indexOf(':-');
  const name = (dflt < 0 ? expr : expr.slice(0, dflt)).trim();
  const fallback = dflt < 0 ? undefined : expr.slice(dflt + 2);
  const envOnly = name.startsWith('ENV-');
  const key = envOnly ? name.slice(4) : name;
  if (!NAME.test(key)) {
    cursor.fail(node, 'GALE_ERR_YAML_PARAM', `"\${${expr}}" is not a valid reference: use \${name}, \${name:-default} or \${ENV-NAME}`);
  }
  if (!envOnly && src.params.has(key)) return src.params.string(key);
  const fromEnv = src.env[key];
  if (fromEnv !== undefined) return fromEnv;
  if (fallback !== undefined) return fallback;
  unset.push({
    node,
    message: envOnly
      ? `\${${expr}}: environment variable ${key} is not set`
      : `\${${expr}} is not set: give --set ${key}=<value> (or set the environment variable ${key})`,
  });
  return '';
}

/** The number, boolean or null a plain YAML scalar with this text would be; else the text. */
function readScalar(text: string): unknown {
  try {
    const v = parse(text) as unknown;
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) return text.trim() === '' ? '' : v;
  } catch {
    // Not a scalar on its own (e.g. "a: b"): it stays text.
  }
  return text;
}
