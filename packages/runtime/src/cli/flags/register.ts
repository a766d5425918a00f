import type { Argv, Options } from 'yargs';
import { commandString, type CommandDef } from './command.js';
import type { Flag } from './table.js';

/** Registers flag tables and command specs on a yargs parser: the `--help` text comes from here. */

/** The yargs option for one flag. Number flags get no yargs type (yargs turns numeric text into numbers; the rest is checked by ./check.ts). */
export function yargsOption(flag: Flag): Options {
  const o: Options = { describe: flag.describe };
  if (flag.alias !== undefined) o.alias = flag.alias;
  if (flag.global === true) o.global = true;
  if (flag.kind === 'boolean') {
    o.type = 'boolean';
    return o;
  }
  if (flag.kind !== 'number') o.type = 'string';
  o.requiresArg = true;
  const dflt = defaultText(flag);
  if (dflt !== undefined) o.defaultDescription = dflt;
  return o;
}

/** `[default: ...]` in `--help`: the flag's own text, else `$ENV or <default>`, else the default. */
export function defaultText(flag: Flag): string | undefined {
  if (flag.defaultText !== undefined) return flag.defaultText;
  const d = flag.kind === 'boolean' || flag.kind === 'list' ? undefined : flag.default;
  if (d === undefined) return flag.env === undefined ? undefined : `$${flag.env}`;
  const text = typeof d === 'string' ? d : JSON.stringify(d);
  return flag.env === undefined ? text : `$${flag.env} or ${text}`;
}

/** Options that take a value as the next word, dashed (`--zk`, `-x`). */
export function valueOptionWords(flags: readonly Flag[]): string[] {
  return flags.filter((f) => f.kind !== 'boolean').flatMap((f) => [`--${f.flag}`, ...(f.alias === undefined ? [] : [`-${f.alias}`])]);
}

/** Registers the global flags on the root parser. */
export function addGlobalFlags(parser: Argv, flags: readonly Flag[]): Argv {
  return flags.reduce((y, f) => y.option(f.flag, yargsOption(f)), parser);
}

/** Registers one command: usage, epilog, positional, its non-global flags and examples. */
export function addCommand(parser: Argv, def: CommandDef<unknown>): Argv {
  return parser.command(commandString(def), def.summary, (y) => {
    let c = y.usage(def.usage).epilog(def.epilog);
    if (def.positional !== undefined) c = c.positional(def.positional.name, { describe: def.positional.describe, type: 'string' });
    for (const f of def.flags) if (f.global !== true) c = c.option(f.flag, yargsOption(f));
    for (const [cmd, what] of def.examples) c = c.example(cmd, what);
    return c;
  });
}
