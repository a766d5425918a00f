/**
 * The shape of a command's flag table. Each flag is declared once (name, alias, kind, default,
 * unit, range or parser, environment fallback, help text); yargs registration (./register.ts),
 * value checking (./check.ts) and the `--help` text are all derived from it. The table's keys
 * are the property names of the parsed result, so a table reads as the args type it produces.
 */

/** Where a value came from, for error messages: `--zk` or `$GALE_ZK`, and the hint line. */
export interface FlagSite {
  readonly origin: string;
  readonly hint: string;
}

interface FlagBase {
  /** Name on the command line, without dashes (`connect-timeout`). */
  readonly flag: string;
  /** One-letter alias, without the dash. */
  readonly alias?: string;
  /** One line for `--help`. */
  readonly describe: string;
  /** `--help` text for the default when the value alone would not say it (`all ports`). */
  readonly defaultText?: string;
  /** Environment variable read (trimmed, when not empty) if the flag is absent. */
  readonly env?: string;
  /** A malformed environment value is a usage error (default) or is ignored as if unset. */
  readonly badEnv?: 'error' | 'ignore';
  /** Taken by every command (registered once on the root parser). */
  readonly global?: boolean;
}

/** Text; `parse` checks it (throwing a CliUsageError) and may turn it into another type. */
export interface StringFlag<T = string> extends FlagBase {
  readonly kind: 'string';
  readonly default?: T;
  /** Message when the flag is absent; makes it required. */
  readonly required?: string;
  readonly parse?: (text: string, site: FlagSite) => T;
}

/** One of a fixed set of words. */
export interface ChoiceFlag<C extends string = string> extends FlagBase {
  readonly kind: 'choice';
  readonly choices: readonly C[];
  readonly default?: C;
}

/** A number in [min, max] (or 0, with `zeroOk`); yargs has already turned numeric text into numbers. */
export interface NumberFlag extends FlagBase {
  readonly kind: 'number';
  /** What the number counts; `s` and `ms` flags name it in their `describe`. */
  readonly unit: 's' | 'ms' | 'count';
  readonly integer: boolean;
  readonly min: number;
  readonly max: number;
  /** `min` itself is not allowed (a positive number). */
  readonly minExclusive?: boolean;
  /** 0 is allowed besides [min, max] (0 = off). */
  readonly zeroOk?: boolean;
  /** Error wording for the range when the derived one would not read well. */
  readonly rangeText?: string;
  readonly default?: number;
}

/** Present or not. */
export interface BooleanFlag extends FlagBase {
  readonly kind: 'boolean';
}

/** Repeatable text, in order; `parse` may turn the entries into another type. */
export interface ListFlag<T = readonly string[]> extends FlagBase {
  readonly kind: 'list';
  readonly parse?: (entries: readonly string[], site: FlagSite) => T;
}

export type Flag = StringFlag<unknown> | ChoiceFlag | NumberFlag | BooleanFlag | ListFlag<unknown>;

/** Result property name → flag. Key order is the order of `--help` and of the checks. */
export type FlagTable = Readonly<Record<string, Flag>>;

/** The parsed value type of one flag. */
export type FlagValue<F> =
  F extends BooleanFlag ? boolean
  : F extends NumberFlag ? (F extends { readonly default: number } ? number : number | undefined)
  : F extends ChoiceFlag<infer C> ? (F extends { readonly default: string } ? C : C | undefined)
  : F extends ListFlag<unknown> ? (F extends { readonly parse: (entries: readonly string[], site: FlagSite) => infer T } ? T : readonly string[])
  : F extends StringFlag<unknown> ? (F extends { readonly default: unknown } | { readonly required: string } ? ParsedText<F> : ParsedText<F> | undefined)
  : never;

/** What a string flag's `parse` returns, or the text itself. */
type ParsedText<F> = F extends { readonly parse: (text: string, site: FlagSite) => infer T } ? T : string;

/** The parsed values of a table, keyed like the table. */
export type FlagValues<T extends FlagTable> = { readonly [K in keyof T]: FlagValue<T[K]> };

/** The command's positional argument (`<file>`, `<name>`). */
export interface Positional {
  readonly name: string;
  readonly describe: string;
  /** Message when it is absent or empty. */
  readonly missing: string;
  readonly check?: (value: string, hint: string) => void;
}

/** What a command's builder gets besides the flag values. */
export interface BuildContext<T extends FlagTable> {
  /** The positional argument, checked ('' when the command takes none). */
  readonly positional: string;
  /** The text each given flag was typed as (the last one if repeated), for cross-flag messages. */
  readonly given: { readonly [K in keyof T]?: string };
  readonly hint: string;
}

/** One `gale` command: its flags, help text, and how its checked values become its args type. */
export interface CommandSpec<T extends FlagTable, A> {
  readonly name: string;
  /** Its line in `gale --help`. */
  readonly summary: string;
  readonly usage: string;
  readonly epilog: string;
  readonly examples?: readonly (readonly [string, string])[];
  readonly positional?: Positional;
  /** What the command takes, for "unexpected argument": `one topology name`, `no arguments`. */
  readonly takes: string;
  readonly flags: T;
  /** Cross-flag rules and the final shape; single-flag checks belong in the table. */
  readonly build: (values: FlagValues<T>, ctx: BuildContext<T>) => A;
}
