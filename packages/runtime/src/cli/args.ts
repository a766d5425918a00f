import yargs from 'yargs';
import type { Argv } from 'yargs';
import { didYouMean } from '../config/did-you-mean.js';
import { isLogLevel, type LogLevel } from '../log.js';
import {
  CLUSTER_COMMANDS, CLUSTER_OPTIONS, CLUSTER_VALUE_OPTIONS, MISSING_POSITIONAL, addClusterCommands, checkClusterArgs,
  type ClusterArgs, type ClusterCommand,
} from './cluster-args.js';
import { CliUsageError, helpHint } from './usage-error.js';

/**
 * The `gale` command table (yargs) and every check on the command line. Parsing never prints
 * and never exits: help and version text come back as {@link HelpRequest}, mistakes as a
 * {@link CliUsageError} (exit code 2) with one message line and a hint line.
 */

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Level of the CLI when neither `--log-level` nor `GALE_LOG_LEVEL` says otherwise. */
export const DEFAULT_CLI_LOG_LEVEL: LogLevel = 'warn';

export const DEFAULT_STATS_INTERVAL_S = 5;

/** `gale local <file> ...` */
export interface LocalArgs {
  readonly command: 'local';
  /** The topology file as typed (relative to the working directory). */
  readonly file: string;
  /** Raw `--set key=value` entries, in order. */
  readonly set: readonly string[];
  /** Stop (and drain) after this many seconds. */
  readonly durationS: number | undefined;
  /** Stop once every spout is exhausted and every tuple tree completed. */
  readonly untilIdle: boolean;
  /** Seconds between live stats lines; 0 disables them. */
  readonly statsIntervalS: number;
  /** Print a JSON stats object to stdout at exit. */
  readonly json: boolean;
  /** `--log-level`, when given. */
  readonly logLevel: LogLevel | undefined;
}

export type CommandArgs = LocalArgs | ClusterArgs;

/** `--help` or `--version`: print `output` to stdout and exit 0. */
export interface HelpRequest {
  readonly command: 'help';
  readonly output: string;
}

export type ParsedArgs = CommandArgs | HelpRequest;

const COMMANDS = ['local', ...CLUSTER_COMMANDS] as const;

/** Options per command (without dashes), for did-you-mean on unknown flags. */
const OPTIONS: Readonly<Record<string, readonly string[]>> = {
  '': ['log-level', 'help', 'version'],
  local: ['set', 'duration', 'until-idle', 'stats-interval', 'json', 'log-level', 'help', 'version'],
  ...CLUSTER_OPTIONS,
};

/** Options that take a value as the next word (for finding the command word in raw argv). */
const VALUE_OPTIONS = new Set(['--log-level', '--set', '--duration', '--stats-interval', ...CLUSTER_VALUE_OPTIONS]);

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
    })
    .option('log-level', {
      type: 'string',
      requiresArg: true,
      global: true,
      describe: `Log level (JSON logs on stderr): ${LOG_LEVELS.join('|')}`,
      defaultDescription: `$GALE_LOG_LEVEL or ${DEFAULT_CLI_LOG_LEVEL}`,
    })
    .command('local <file>', 'Run a topology in this process until stopped', (y) =>
      y
        .usage('gale local <file> [options]\n\nRun a topology in this process until stopped.')
        .epilog([
          'Compiles <file> (.ts, .mts, .js or .mjs) with esbuild and runs its default export, a topology',
          'or a function (params) => topology, in a LocalCluster. Stops on Ctrl-C or SIGTERM (draining',
          'in-flight tuples; a second Ctrl-C exits at once), after --duration, or with --until-idle.',
          'Exit codes: 0 ok, 1 runtime failure, 2 usage error. Reference: docs/cli.md',
        ].join('\n'))
        .positional('file', { describe: 'Topology file; its default export is a topology or (params) => topology', type: 'string' })
        .option('set', {
          type: 'string',
          requiresArg: true,
          describe: 'key=value (repeatable): a config key such as maxSpoutPending, or a topology parameter',
        })
        .option('duration', { requiresArg: true, describe: 'Seconds to run, then drain and exit', defaultDescription: 'until stopped' })
        .option('until-idle', { type: 'boolean', describe: 'Stop once every spout is exhausted and every tuple tree completed' })
        .option('stats-interval', {
          requiresArg: true,
          describe: 'Seconds between per-component rate lines on stderr; 0 = none',
          defaultDescription: String(DEFAULT_STATS_INTERVAL_S),
        })
        .option('json', { type: 'boolean', describe: 'At exit, print stats and the resolved config as JSON on stdout' })
        .example('gale local wc.ts --set input=in.txt --until-idle', 'run until the input is used up')
        .example('gale local t.ts --duration 30 --set ackers=0', 'no acking, stop after 30 s')
        .example('gale local t.ts --json > stats.json', 'final stats as JSON on stdout'));
  return addClusterCommands(parser)
    .demandCommand(1, 'no command given')
    .wrap(Math.min(100, width));
}

/** Carries a yargs failure message out of the parser. */
class YargsFailure extends Error {}

/**
 * Parses `argv` (without `node` and the script). Throws {@link CliUsageError} for every mistake.
 * @param version printed by `--version`
 */
export function parseArgs(argv: readonly string[], version: string, width = 80): ParsedArgs {
  const command = commandWord(argv);
  if (command !== undefined && !(COMMANDS as readonly string[]).includes(command)) {
    throw new CliUsageError('GALE_ERR_UNKNOWN_COMMAND', `unknown command "${command}"${didYouMean(command, COMMANDS)}`, helpHint());
  }
  let output = '';
  let parsed: Record<string, unknown>;
  try {
    parsed = buildParser(version, width).parseSync([...argv], {}, (_err: Error | undefined, _argv: unknown, out: string) => {
      output = out;
    }) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof YargsFailure) {
      throw new CliUsageError('GALE_ERR_USAGE', rewordYargsMessage(err.message, argv, command), helpHint(command));
    }
    throw err;
  }
  if (parsed.help === true || parsed.version === true) return { command: 'help', output };
  const logLevel = last(parsed['log-level']);
  if (logLevel !== undefined && !(typeof logLevel === 'string' && isLogLevel(logLevel))) {
    throw new CliUsageError('GALE_ERR_USAGE', `--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(String(logLevel))}`, helpHint(command));
  }
  if (command !== undefined && command !== 'local') return checkClusterArgs(command as ClusterCommand, parsed, logLevel);
  return checkLocal(parsed, logLevel);
}

function checkLocal(a: Record<string, unknown>, logLevel: LogLevel | undefined): LocalArgs {
  const hint = helpHint('local');
  const file = a.file;
  if (typeof file !== 'string' || file.length === 0) {
    throw new CliUsageError('GALE_ERR_USAGE', 'missing topology file: gale local <file>', hint);
  }
  const set = a.set === undefined ? [] : [a.set].flat().map(String);
  const durationS = seconds('--duration', last(a.duration), (n) => n > 0, 'a positive number of seconds', hint);
  const statsIntervalS = seconds('--stats-interval', last(a['stats-interval']), (n) => n === 0 || (n >= 0.1 && n <= 86_400), '0 (off) or 0.1 to 86400 seconds', hint)
    ?? DEFAULT_STATS_INTERVAL_S;
  return {
    command: 'local',
    file,
    set,
    durationS,
    untilIdle: last(a['until-idle']) === true,
    statsIntervalS,
    json: last(a.json) === true,
    logLevel,
  };
}

/** yargs collects a repeated option into an array; the last one wins. */
function last(v: unknown): unknown {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function seconds(flag: string, v: unknown, ok: (n: number) => boolean, what: string, hint: string): number | undefined {
  if (v === undefined) return undefined;
  // yargs already turned numeric text into a number; anything else stays text.
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || !ok(n)) {
    throw new CliUsageError('GALE_ERR_USAGE', `${flag} must be ${what}, got ${JSON.stringify(String(v))}`, hint);
  }
  return n;
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

/** Turns yargs' (sometimes multi-line) messages into one line in gale's voice. */
function rewordYargsMessage(msg: string, argv: readonly string[], command: string | undefined): string {
  let m = /^Unknown arguments?: (.*)$/s.exec(msg);
  if (m !== null) {
    const names = m[1]!.split(', ');
    const options = names.filter((n) => isOptionWord(n, argv));
    if (options.length > 0) {
      const known = OPTIONS[command ?? '']!;
      const first = options[0]!;
      const what = options.length === 1 ? `unknown option "${dashed(first)}"` : `unknown options ${options.map((o) => `"${dashed(o)}"`).join(', ')}`;
      return `${what}${command === undefined ? '' : ` for "gale ${command}"`}${didYouMean(dashed(first), known.map(dashed))}`;
    }
    return `unexpected argument${names.length > 1 ? 's' : ''} ${names.map((n) => `"${n}"`).join(', ')}${UNEXPECTED_HINT[command ?? ''] ?? ''}`;
  }
  m = /^Not enough non-option arguments/.exec(msg);
  if (m !== null) {
    if (command === 'local') return 'missing topology file: gale local <file>';
    return MISSING_POSITIONAL[command as ClusterCommand] ?? 'missing argument';
  }
  m = /^Not enough arguments following: (.*)$/.exec(msg);
  if (m !== null) return `${dashed(m[1]!)} needs a value`;
  m = /^Invalid values:\s*Argument: (.*?), Given: (.*?), Choices: (.*)$/s.exec(msg);
  if (m !== null) return `${dashed(m[1]!)} must be one of ${m[3]!.replace(/"/g, '')}, got ${m[2]}`;
  return msg.replace(/\s*\n\s*/g, '; ');
}

const UNEXPECTED_HINT: Readonly<Record<string, string>> = {
  local: ': gale local takes one topology file',
  deploy: ': gale deploy takes one topology file',
  status: ': gale status takes one topology name',
  activate: ': gale activate takes one topology name',
  deactivate: ': gale deactivate takes one topology name',
  rebalance: ': gale rebalance takes one topology name',
  kill: ': gale kill takes one topology name',
  list: ': gale list takes no arguments',
  supervisor: ': gale supervisor takes only options',
};

function dashed(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

function isOptionWord(name: string, argv: readonly string[]): boolean {
  return argv.some((w) => w.startsWith('-') && w.replace(/^-+/, '').split('=')[0] === name);
}
