import { CliUsageError, helpHint } from '../usage-error.js';
import { checkFlags, type Env } from './check.js';
import type { CommandSpec, Flag, FlagTable, Positional } from './table.js';

/**
 * A command spec with its flag types erased, so specs of different commands sit in one list;
 * `check` turns what yargs collected into the command's args type.
 */
export interface CommandDef<A> {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly epilog: string;
  readonly examples: readonly (readonly [string, string])[];
  readonly positional: Positional | undefined;
  readonly takes: string;
  /** The command's own flags and the global ones, in table order. */
  readonly flags: readonly Flag[];
  check(raw: Readonly<Record<string, unknown>>, env: Env): A;
}

export function defineCommand<T extends FlagTable, A>(spec: CommandSpec<T, A>): CommandDef<A> {
  const hint = helpHint(spec.name);
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    epilog: spec.epilog,
    examples: spec.examples ?? [],
    positional: spec.positional,
    takes: spec.takes,
    flags: Object.values(spec.flags),
    check(raw, env) {
      const positional = checkPositional(spec.positional, raw, hint);
      const { values, given } = checkFlags(spec.flags, raw, env, hint);
      return spec.build(values, { positional, given, hint });
    },
  };
}

function checkPositional(p: Positional | undefined, raw: Readonly<Record<string, unknown>>, hint: string): string {
  if (p === undefined) return '';
  const v = raw[p.name];
  const value = typeof v === 'string' || typeof v === 'number' ? String(v) : v === undefined ? '' : JSON.stringify(v);
  if (value === '') throw new CliUsageError('GALE_ERR_USAGE', p.missing, hint);
  p.check?.(value, hint);
  return value;
}

/** `gale <name> <positional>`, as yargs wants the command string. */
export function commandString(def: CommandDef<unknown>): string {
  return def.positional === undefined ? def.name : `${def.name} <${def.positional.name}>`;
}
