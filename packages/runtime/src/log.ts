import pino, { type Logger, type LevelWithSilent } from 'pino';

export type { Logger };
export type LogLevel = LevelWithSilent;

const LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function isLogLevel(v: string): v is LogLevel {
  return (LEVELS as readonly string[]).includes(v);
}

function initialLevel(): LogLevel {
  const env = process.env.GALE_LOG_LEVEL;
  if (env !== undefined && isLogLevel(env)) return env;
  return process.env.JEST_WORKER_ID !== undefined ? 'silent' : 'info';
}

/**
 * The one root logger. Logs go to stderr (fd 2) so stdout stays for data.
 * Level: `GALE_LOG_LEVEL` env or `--log-level`; silent under jest unless asked.
 */
export const rootLog: Logger = pino(
  { level: initialLevel(), base: { pid: process.pid } },
  pino.destination({ fd: 2, sync: true }),
);

export function setLogLevel(level: LogLevel): void {
  rootLog.level = level;
}
