import { readFileSync } from 'node:fs';
import path from 'node:path';
import { userFrame } from '../engine/error-stack.js';
import { ConfigError, TopologyError, UsageError, isGaleError } from '../errors.js';
import { isLogLevel, rootLog, setLogLevel, type LogLevel } from '../log.js';
import type { CommandArgs, ParsedArgs } from './args.js';
import { writeText, type CliContext } from './context.js';
import type { Env } from './flags/check.js';
import { DEFAULT_CLI_LOG_LEVEL } from './flags/global-flags.js';
import { holdSignals, type HeldSignals } from './held-signals.js';
import { parseLocalArgv } from './local-argv.js';
import { shownPath } from './shown-path.js';

/** Exit codes of `gale`. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface RunOptions {
  /** Directory of the @gale/runtime package (bin/gale.js computes it from its own location). */
  runtimeDir: string;
  cwd?: string;
  stdout?: NodeJS.WritableStream & { columns?: number };
  stderr?: NodeJS.WritableStream;
  env?: NodeJS.ProcessEnv;
  /** SIGINT/SIGTERM held since the process started (bin/gale.js); else held from run()'s start. */
  signals?: HeldSignals;
}

/** The commands that handle SIGINT/SIGTERM themselves (their context's onSignal); the others leave them to Node. */
const SIGNAL_COMMANDS: ReadonlySet<CommandArgs['command']> = new Set(['local', 'supervisor', 'logs']);

/**
 * Runs the `gale` command line `argv` (without `node` and the script) and resolves to the exit
 * code: 0 ok, 1 runtime failure, 2 usage error. Never throws and never prints a stack trace
 * unless the log level is debug or trace. Process signals are handled while a topology runs,
 * and held until then ({@link HeldSignals}).
 */
export async function run(argv: readonly string[], options: RunOptions): Promise<number> {
  const signals = options.signals ?? holdSignals();
  try {
    return await runHolding(argv, options, signals);
  } finally {
    signals.release();
  }
}

async function runHolding(argv: readonly string[], options: RunOptions, signals: HeldSignals): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  const envLevel = env.GALE_LOG_LEVEL !== undefined && isLogLevel(env.GALE_LOG_LEVEL) ? env.GALE_LOG_LEVEL : undefined;
  let level: LogLevel = envLevel ?? DEFAULT_CLI_LOG_LEVEL;
  setLogLevel(level);
  try {
    const version = readVersion(options.runtimeDir);
    const args = await parseCommandLine(argv, env, version, stdout.columns ?? 100);
    if (args.command === 'help') {
      await writeText(stdout, `${args.output}\n`);
      return EXIT_OK;
    }
    level = args.logLevel ?? level;
    setLogLevel(level);
    const ctx: CliContext = {
      stdout,
      stderr,
      cwd: options.cwd ?? process.cwd(),
      runtimeDir: options.runtimeDir,
      version,
      env,
      // After setLogLevel: a pino child keeps the level its parent had when it was made.
      log: rootLog.child({ cli: 'gale' }),
      onSignal: (listener) => signals.take(listener),
      forceExit: (code) => process.exit(code),
    };
    if (!SIGNAL_COMMANDS.has(args.command)) signals.release();
    return await runCommand(args, ctx);
  } catch (err) {
    const code = exitCodeFor(err);
    for (const line of describeError(err, code, level === 'debug' || level === 'trace', options)) stderr.write(`${line}\n`);
    return code;
  }
}

/**
 * A plain `gale local` command line is read without yargs (./local-argv.ts); yargs, in its own
 * chunk of the bundle, is loaded for everything else: other commands, help, every mistake.
 */
async function parseCommandLine(argv: readonly string[], env: Env, version: string, width: number): Promise<ParsedArgs> {
  return parseLocalArgv(argv, env) ?? (await import('./args.js')).parseArgs(argv, env, { version, width });
}

/**
 * Each command's module is loaded only when that command runs: the cluster commands pull in the
 * ZooKeeper client, the bundler and the HTTP stack, which `gale local` (whose start-up is part of
 * every local run's wall time) and `gale --help` never need.
 */
async function runCommand(args: CommandArgs, ctx: CliContext): Promise<number> {
  switch (args.command) {
    case 'local': return (await import('./commands/local.js')).runLocal(args, ctx);
    case 'supervisor': return (await import('./commands/supervisor.js')).runSupervisor(args, ctx);
    case 'deploy': return (await import('./commands/deploy.js')).runDeploy(args, ctx);
    case 'list': return (await import('./commands/list.js')).runList(args, ctx);
    case 'status': return (await import('./commands/status.js')).runStatus(args, ctx);
    case 'logs': return (await import('./commands/logs.js')).runLogs(args, ctx);
    case 'activate': return (await import('./commands/activate.js')).runActivate(args, ctx);
    case 'deactivate': return (await import('./commands/deactivate.js')).runDeactivate(args, ctx);
    case 'rebalance': return (await import('./commands/rebalance.js')).runRebalance(args, ctx);
    case 'kill': return (await import('./commands/kill.js')).runKill(args, ctx);
    case 'init': return (await import('./commands/init.js')).runInit(args, ctx);
  }
}

/**
 * Failures whose message says everything (ZooKeeper unreachable, port in use, unknown topology,
 * ...): no "run with --log-level debug for the stack trace" line under them.
 */
const OPERATIONAL_ERROR_NAMES = new Set(['ZkError', 'CodeBundleError', 'SupervisorError', 'ClusterCommandError', 'LogServerError', 'ShellError', 'HttpError']);

/** The error or one of its causes (e.g. the ShellError a ComponentError wraps) says everything. */
function isOperational(err: unknown): boolean {
  for (let e: unknown = err, n = 0; e instanceof Error && n < 10; e = e.cause, n++) {
    if (isGaleError(e) && OPERATIONAL_ERROR_NAMES.has(e.name)) return true;
  }
  return false;
}

const USAGE_ERROR_NAMES = new Set(['UsageError', 'TopologyError', 'ConfigError']);

/**
 * 2 for a usage, topology or config error (checked by shape and name too: the error may come
 * from another copy of @gale/runtime), 1 for anything else.
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError || err instanceof TopologyError || err instanceof ConfigError) return EXIT_USAGE;
  if (isGaleError(err) && USAGE_ERROR_NAMES.has(err.name)) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/**
 * Ends "cannot reach ZooKeeper": usually nothing runs there yet, the first thing a new user hits.
 * The library error keeps the bare message (supervisors log it while retrying).
 */
const ZK_UNREACHABLE_HINT = 'start one with deploy/zookeeper.sh start, or point --zk (or $GALE_ZK) at a running one';

/**
 * `gale: <message>` (one line per message line), a hint line, and the stack only when asked.
 * Without the stack, an exit-1 failure gets a line with the user's code it came from (`at
 * file:line:col`, the topology's own line), never one of gale's: an error gale raised about the
 * world (a kit's spout on a missing file, a server that refuses connections) says what, where
 * and how to fix in its message, and gets no line at all.
 */
function describeError(err: unknown, code: number, withStack: boolean, options: { runtimeDir: string; cwd?: string }): string[] {
  const gale = isGaleError(err);
  let message = err instanceof Error
    ? (gale ? err.message : `${err.name}: ${err.message}`)
    : `uncaught ${typeof err}: ${String(err)}`;
  if (gale && err.code === 'GALE_ERR_ZK_UNREACHABLE') message = `${message}; ${ZK_UNREACHABLE_HINT}`;
  const lines = message.split('\n').map((l) => `gale: ${l}`);
  const hint = (err as { hint?: unknown } | null)?.hint;
  if (typeof hint === 'string') lines.push(hint);
  if (withStack) {
    for (let e: unknown = err; e instanceof Error; e = e.cause) lines.push(e === err ? `${e.stack}` : `caused by: ${e.stack}`);
  } else if (code === EXIT_FAILURE && err instanceof Error && !isOperational(err)) {
    const at = firstUserFrame(err, options.runtimeDir, options.cwd ?? process.cwd());
    if (at !== undefined) lines.push(`at ${at}; run with --log-level debug for the stack trace`);
    else if (!raisedByGale(err)) lines.push('run with --log-level debug for the stack trace');
  }
  return lines;
}

/** The error chain, innermost first (a ComponentError wraps what the spout threw). */
function causeChain(err: Error): Error[] {
  const chain: Error[] = [];
  for (let e: unknown = err; e instanceof Error && chain.length < 10; e = e.cause) chain.unshift(e);
  return chain;
}

/**
 * `file:line:col` (relative to the cwd, absolute outside it) of the first stack frame in user
 * code, of the innermost cause first: not node internals, node_modules, the runtime or the kits
 * (the engine's rule for a component error's location, `userFrame`).
 */
function firstUserFrame(err: Error, runtimeDir: string, cwd: string): string | undefined {
  const runtime = path.resolve(runtimeDir) + path.sep;
  for (const e of causeChain(err)) {
    let stack: string | undefined;
    try {
      stack = e.stack;
    } catch {
      continue; // a throwing getter
    }
    const frames = (stack ?? '').split('\n').slice(1).filter((line) => !line.includes(runtime));
    const m = /^(.*):(\d+):(\d+)$/.exec(userFrame(frames.join('\n')) ?? '');
    if (m !== null) return `${shownPath(cwd, m[1]!)}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/**
 * Whether gale raised the error on purpose (a GaleError with its code, e.g. a kit's
 * FileNotFoundError or RedisConnectError), rather than passing on what user code threw: the
 * innermost GaleError of the chain, unless it is a ComponentError wrapping a plain error.
 */
function raisedByGale(err: Error): boolean {
  const chain = causeChain(err);
  const i = chain.findIndex((e) => isGaleError(e));
  if (i < 0) return false;
  return !(chain[i]!.name === 'ComponentError' && i > 0);
}

function readVersion(runtimeDir: string): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(runtimeDir, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
