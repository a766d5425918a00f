import { CliUsageError } from '../usage-error.js';
import type { Flag, FlagSite, FlagTable, FlagValues, NumberFlag } from './table.js';

/**
 * Checks the values yargs collected against a flag table: each flag in table order, from the
 * command line or else its environment variable, else its default. Every mistake is a
 * CliUsageError (exit code 2) naming the flag.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface CheckedFlags<T extends FlagTable> {
  readonly values: FlagValues<T>;
  readonly given: { readonly [K in keyof T]?: string };
}

export function checkFlags<T extends FlagTable>(table: T, raw: Readonly<Record<string, unknown>>, env: Env, hint: string): CheckedFlags<T> {
  const values: Record<string, unknown> = {};
  const given: Record<string, string> = {};
  for (const [key, flag] of Object.entries(table)) {
    const v = raw[flag.flag];
    if (v !== undefined && flag.kind !== 'list') given[key] = String(last(v));
    values[key] = v === undefined ? fromEnvOrDefault(flag, env, hint) : fromCommandLine(flag, v, { origin: `--${flag.flag}`, hint });
  }
  return { values: values as FlagValues<T>, given: given as CheckedFlags<T>['given'] };
}

function fromCommandLine(flag: Flag, v: unknown, site: FlagSite): unknown {
  switch (flag.kind) {
    case 'boolean': return last(v) === true;
    case 'list': {
      const entries = [v].flat().map(String);
      return flag.parse === undefined ? entries : flag.parse(entries, site);
    }
    case 'number': return checkNumber(flag, last(v), site);
    case 'choice': return checkChoice(flag.choices, String(last(v)), site);
    case 'string': {
      const text = String(last(v));
      if (text === '') throw new CliUsageError('GALE_ERR_USAGE', `${site.origin} needs a value`, site.hint);
      return flag.parse === undefined ? text : flag.parse(text, site);
    }
  }
}

function fromEnvOrDefault(flag: Flag, env: Env, hint: string): unknown {
  const text = flag.env === undefined ? undefined : env[flag.env]?.trim();
  if (flag.env !== undefined && text !== undefined && text !== '') {
    try {
      return fromCommandLine(flag, text, { origin: `$${flag.env}`, hint });
    } catch (err) {
      if (flag.badEnv !== 'ignore' || !(err instanceof CliUsageError)) throw err;
    }
  }
  if (flag.kind === 'boolean') return false;
  if (flag.kind === 'list') return flag.parse === undefined ? [] : flag.parse([], { origin: `--${flag.flag}`, hint });
  if (flag.kind === 'string' && flag.required !== undefined) throw new CliUsageError('GALE_ERR_USAGE', flag.required, hint);
  return flag.default;
}

function checkChoice(choices: readonly string[], text: string, site: FlagSite): string {
  if (!choices.includes(text)) {
    throw new CliUsageError('GALE_ERR_USAGE', `${site.origin} must be one of ${choices.join(', ')}, got ${JSON.stringify(text)}`, site.hint);
  }
  return text;
}

function checkNumber(flag: NumberFlag, v: unknown, site: FlagSite): number {
  // yargs already turned plain numeric text into a number; `1_000` is still text.
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.replace(/_/g, '')) : NaN;
  const inRange = (flag.minExclusive === true ? n > flag.min : n >= flag.min) && n <= flag.max;
  const ok = Number.isFinite(n) && (!flag.integer || Number.isInteger(n)) && (inRange || (flag.zeroOk === true && n === 0));
  if (!ok) throw new CliUsageError('GALE_ERR_USAGE', `${site.origin} must be ${rangeText(flag)}, got ${JSON.stringify(String(v))}`, site.hint);
  return n;
}

/** `an integer from 100 to 600000`, `0 to 86400 seconds`, or the flag's own wording. */
export function rangeText(flag: NumberFlag): string {
  if (flag.rangeText !== undefined) return flag.rangeText;
  if (flag.integer) return `an integer from ${flag.min} to ${flag.max}`;
  return `${flag.min} to ${flag.max}${flag.unit === 's' ? ' seconds' : flag.unit === 'ms' ? ' ms' : ''}`;
}

/** yargs collects a repeated option into an array; the last one wins. */
function last(v: unknown): unknown {
  return Array.isArray(v) ? v[v.length - 1] : v;
}
