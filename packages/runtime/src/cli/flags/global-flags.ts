import type { LogLevel } from '../../log.js';
import type { ChoiceFlag, FlagTable } from './table.js';

/** Flags every `gale` command takes (registered once, on the root parser). */

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Level of the CLI when neither `--log-level` nor `GALE_LOG_LEVEL` says otherwise. */
export const DEFAULT_CLI_LOG_LEVEL: LogLevel = 'warn';

const logLevel: ChoiceFlag<LogLevel> = {
  flag: 'log-level',
  kind: 'choice',
  choices: LOG_LEVELS,
  describe: `Log level (JSON logs on stderr): ${LOG_LEVELS.join('|')}`,
  // The CLI falls back to the default itself (run.ts), so the parsed value stays "as asked".
  defaultText: `$GALE_LOG_LEVEL or ${DEFAULT_CLI_LOG_LEVEL}`,
  env: 'GALE_LOG_LEVEL',
  // An unknown level in the environment is ignored, as the runtime's logger does.
  badEnv: 'ignore',
  global: true,
};

export const GLOBAL_FLAGS = { logLevel } as const satisfies FlagTable;

/** yargs' own flags, offered by did-you-mean too. */
export const BUILTIN_FLAGS: readonly string[] = ['help', 'version'];
