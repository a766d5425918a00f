import type { LocalArgs } from './flags/local-flags.js';
import { LOCAL_COMMAND } from './flags/local-flags.js';
import type { Env } from './flags/check.js';
import type { Flag } from './flags/table.js';

/**
 * The common `gale local` command lines without yargs (issue 9: building yargs' parser and
 * parsing with it was ~10% of a `gale local` start-up, and loading yargs itself more). Only the
 * plain forms are read here: `local` first, one topology file, and `local`'s own flags spelled
 * as in its table (`--set k=v`, `--set=k=v`, `-c k=v`, `--until-idle`, `--duration 30`,
 * `--stats-interval 0`, `--log-level debug`, ...), each non-list flag at most once. The values
 * go through the same checks as yargs' (`LOCAL_COMMAND.check`), so the result is the one
 * `parseArgs` gives. Anything else (help, version, `--`, negations, camelCase or unknown flags,
 * short options other than an alias, `true`/`false` after a boolean flag, a value that starts
 * with `-` or is empty, a number yargs would read differently than `Number()` does, a second
 * file, a repeated non-list flag) and every mistake the checks find answer `undefined`: the
 * caller then parses with yargs, which gives every message and help text as before. `__tests__/local-argv.test.ts` runs both over
 * many command lines.
 */
export function parseLocalArgv(argv: readonly string[], env: Env): LocalArgs | undefined {
  if (argv[0] !== LOCAL_COMMAND.name) return undefined;
  const raw: Record<string, unknown> = { _: [LOCAL_COMMAND.name] };
  let file: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]!;
    if (!word.startsWith('-')) {
      // yargs reads a bare `help` as --help (`gale local help` says the file is missing).
      if (file !== undefined || word === '' || word === 'help') return undefined;
      file = word;
      continue;
    }
    let flag: Flag | undefined;
    let value: string | undefined;
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      flag = BY_NAME.get(eq < 0 ? word.slice(2) : word.slice(2, eq));
      if (eq >= 0) {
        // `--until-idle=false` and the like: yargs reads the text; leave them to it.
        if (flag === undefined || flag.kind === 'boolean') return undefined;
        value = word.slice(eq + 1);
      }
    } else {
      flag = BY_ALIAS.get(word.slice(1));
    }
    if (flag === undefined) return undefined;
    if (flag.kind === 'boolean') {
      // yargs takes a `true`/`false` after a boolean flag as its value.
      if (raw[flag.flag] !== undefined || argv[i + 1] === 'true' || argv[i + 1] === 'false') return undefined;
      raw[flag.flag] = true;
      continue;
    }
    if (value === undefined) value = argv[++i];
    if (value === undefined || value === '' || value.startsWith('-')) return undefined;
    const v = flag.kind === 'number' ? plainNumber(value) : value;
    if (v === undefined) return undefined;
    const prev = raw[flag.flag];
    if (flag.kind === 'list') raw[flag.flag] = prev === undefined ? [v] : [...(prev as unknown[]), v];
    else if (prev !== undefined) return undefined;
    else raw[flag.flag] = v;
  }
  if (file === undefined) return undefined;
  raw[LOCAL_COMMAND.positional!.name] = file;
  try {
    return LOCAL_COMMAND.check(raw, env);
  } catch {
    // yargs' path raises the same error, with its message and hint.
    return undefined;
  }
}

const BY_NAME = new Map(LOCAL_COMMAND.flags.map((f) => [f.flag, f]));
const BY_ALIAS = new Map(LOCAL_COMMAND.flags.flatMap((f) => (f.alias === undefined ? [] : [[f.alias, f] as const])));

/**
 * Decimal text that yargs turns into the number `Number()` gives (it does so for every flag
 * without a type): no sign, exponent, hex, leading zero or digit separator, at most 15 digits
 * before the point.
 */
const PLAIN_NUMBER = /^(?:0|[1-9]\d{0,14})(?:\.\d{1,15})?$/;

function plainNumber(text: string): number | undefined {
  return PLAIN_NUMBER.test(text) ? Number(text) : undefined;
}
