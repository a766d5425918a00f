import yargs from 'yargs';
import type { Argv } from 'yargs';
import { didYouMean } from '../config/did-you-mean.js';
import type { ClusterArgs } from './cluster-args.js';
import type { Env } from './flags/check.js';
import { CLUSTER_COMMAND_DEFS } from './flags/cluster-flags.js';
import type { CommandDef } from './flags/command.js';
import { BUILTIN_FLAGS, GLOBAL_FLAGS } from './flags/global-flags.js';
import { INIT_COMMAND, type InitArgs } from './flags/init-flags.js';
import { LOCAL_COMMAND, type LocalArgs } from './flags/local-flags.js';
import { addCommand, addGlobalFlags, valueOptionWords } from './flags/register.js';
import { rewordYargsMessage } from './flags/yargs-messages.js';
import { CliUsageError, helpHint } from './usage-error.js';

/**
 * The `gale` command line: yargs is built from the commands' flag tables (flags/*-flags.ts) and
 * every value is checked against them. Parsing is pure: it never prints, never exits and reads
 * the environment only through its `env` argument. Help and version text come back as
 * {@link HelpRequest}, mistakes as a {@link CliUsageError} (exit code 2) with one message line
 * and a hint line.
 */

export { DEFAULT_CLI_LOG_LEVEL, LOG_LEVELS } from './flags/global-flags.js';
export { DEFAULT_STATS_INTERVAL_S, type LocalArgs } from './flags/local-flags.js';
export type { InitArgs } from './flags/init-flags.js';

export type CommandArgs = LocalArgs | ClusterArgs | InitArgs;

/** `--help` or `--version`: print `output` to stdout and exit 0. */
export interface HelpRequest {
  readonly command: 'help';
  readonly output: string;
}

export type ParsedArgs = CommandArgs | HelpRequest;

export interface ParseOptions {
  /** Printed by `--version`. */
  readonly version?: string;
  /** Terminal width for the help text (laid out between 80 and 100 columns wide). */
  readonly width?: number;
}

/** Every command, in `gale --help` order. */
export const COMMAND_DEFS: readonly CommandDef<CommandArgs>[] = [LOCAL_COMMAND, ...CLUSTER_COMMAND_DEFS, INIT_COMMAND];

const GLOBAL_FLAG_LIST = Object.values(GLOBAL_FLAGS);
const COMMAND_NAMES = COMMAND_DEFS.map((c) => c.name);
/** Options that take a value as the next word, of any command (for finding the command word in raw argv). */
const VALUE_OPTIONS = new Set(COMMAND_DEFS.flatMap((c) => valueOptionWords(c.flags)));

function buildParser(version: string, width: number): Argv {
  const parser = yargs()
    .scriptName('gale')
    .usage('gale <command> [options]\n\nRuns gale stream topologies.')
    .version(version)
    .help()
    .alias('h', 'help')
    .strict()
    // `--set.a=1` must not become an object: --set values are plain key=value text.
    .parserConfiguration({ 'dot-notation': false })
    .exitProcess(false)
    .showHelpOnFail(false)
    .fail((msg: string | null | undefined, err: Error | undefined) => {
      // Raised inside yargs; run() turns it into `gale: <message>` and exit code 2.
      throw new YargsFailure(msg ?? err?.message ?? 'invalid command line');
    });
  skipHelpCache(parser);
  return COMMAND_DEFS.reduce((y, c) => addCommand(y, c), addGlobalFlags(parser, GLOBAL_FLAG_LIST))
    .demandCommand(1, 'no command given')
    .wrap(helpWidth(width));
}

/**
 * The help text's width on a terminal `columns` wide: at most 100; at least 80, the narrowest at
 * which the longest words (`fatal|error|warn|info|debug|trace|silent`) fit beside their flags
 * (narrower, they would be cut in two; a terminal narrower than that folds the lines itself).
 */
export function helpWidth(columns: number): number {
  return Math.min(100, Math.max(80, columns));
}

/** The yargs 17 internals {@link skipHelpCache} uses (not in its typings). */
interface YargsUsageInternals {
  getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
}

/**
 * After a command's handler has run, yargs renders that command's whole help text and keeps it
 * for a later `showHelp()`, which gale never calls (help text reaches us through parseSync's
 * callback, before any handler): ~3% of a `gale local` start-up (issue 9). Without the method
 * (another yargs), nothing changes.
 */
function skipHelpCache(parser: Argv): void {
  const usage = (parser as unknown as YargsUsageInternals).getInternalMethods?.().getUsageInstance?.();
  if (usage !== undefined && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/** Carries a yargs failure message out of the parser. */
class YargsFailure extends Error {}

/**
 * Parses `argv` (without `node` and the script); `env` supplies the flags' environment
 * fallbacks (`GALE_ZK`, `GALE_LOG_LEVEL`). Throws {@link CliUsageError} for every mistake.
 */
export function parseArgs(argv: readonly string[], env: Env = {}, options: ParseOptions = {}): ParsedArgs {
  const word = commandWord(argv);
  const command = word === undefined ? undefined : COMMAND_DEFS.find((c) => c.name === word);
  if (word !== undefined && command === undefined) {
    throw new CliUsageError('GALE_ERR_UNKNOWN_COMMAND', `unknown command "${word}"${didYouMean(word, COMMAND_NAMES)}`, helpHint());
  }
  let output = '';
  let parsed: Record<string, unknown>;
  try {
    parsed = buildParser(options.version ?? 'unknown', options.width ?? 80).parseSync([...argv], {}, (_err: Error | undefined, _argv: unknown, out: string) => {
      output = out;
    }) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof YargsFailure) {
      throw new CliUsageError('GALE_ERR_USAGE', rewordYargsMessage(err.message, argv, command, knownFlags(command)), helpHint(command?.name));
    }
    throw err;
  }
  if (parsed.help === true || parsed.version === true) return { command: 'help', output };
  // yargs demands a command word, so this is only a guard.
  if (command === undefined) throw new CliUsageError('GALE_ERR_USAGE', 'no command given', helpHint());
  return command.check(parsed, env);
}

/** Flags (without dashes) offered by did-you-mean: the command's, then the global and built-in ones. */
function knownFlags(command: CommandDef<unknown> | undefined): string[] {
  const own = command === undefined ? [] : command.flags.filter((f) => f.global !== true).map((f) => f.flag);
  return [...own, ...GLOBAL_FLAG_LIST.map((f) => f.flag), ...BUILTIN_FLAGS];
}

/** The first word that is not an option or an option's value: the command, if any. */
function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '--') return argv[i + 1];
    if (w.startsWith('-')) {
      if (VALUE_OPTIONS.has(w)) i++;
      continue;
    }
    return w;
  }
  return undefined;
}
