import { parseArgs, type ParsedArgs } from '../args.js';
import type { Env } from '../flags/check.js';
import { CliUsageError } from '../usage-error.js';

/** In-process helpers for the argument-parsing tests: no child processes. */

export function parse(argv: readonly string[], env: Env = {}): ParsedArgs {
  return parseArgs(argv, env, { version: '9.8.7', width: 100 });
}

/** The args of a command line that must parse, narrowed to its command. */
export function parseAs<C extends Exclude<ParsedArgs['command'], 'help'>>(command: C, argv: readonly string[], env: Env = {}): Extract<ParsedArgs, { command: C }> {
  const r = parse(argv, env);
  if (r.command !== command) throw new Error(`expected "${command}", got ${JSON.stringify(r)}`);
  return r as Extract<ParsedArgs, { command: C }>;
}

export interface UsageFailure {
  readonly code: string;
  readonly message: string;
  readonly hint: string | undefined;
}

/** The usage error a command line must fail with. */
export function usageError(argv: readonly string[], env: Env = {}): UsageFailure {
  try {
    parse(argv, env);
  } catch (err) {
    if (!(err instanceof CliUsageError)) throw err;
    return { code: err.code, message: err.message, hint: err.hint };
  }
  throw new Error(`expected a usage error for ${JSON.stringify(argv)}`);
}

/** `--help` output of a command line. */
export function helpText(argv: readonly string[]): string {
  const r = parse(argv);
  if (r.command !== 'help') throw new Error(`expected help for ${JSON.stringify(argv)}`);
  return r.output;
}

/** A valid command line per command, to add one flag to. */
export const BASE_ARGV: Readonly<Record<string, readonly string[]>> = {
  local: ['local', 't.ts'],
  supervisor: ['supervisor', '--host', 'h1', '--ports', '6700-6703'],
  deploy: ['deploy', 'wc.ts'],
  list: ['list'],
  status: ['status', 'wc'],
  logs: ['logs', 'wc'],
  activate: ['activate', 'wc'],
  deactivate: ['deactivate', 'wc'],
  rebalance: ['rebalance', 'wc', '--workers', '2'],
  kill: ['kill', 'wc'],
  init: ['init', 'my-project'],
};
