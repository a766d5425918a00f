import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import type { DestinationStream, Logger, LevelWithSilent } from 'pino';
import { lazyLogger } from './lazy-logger.js';
import { loadPino } from './pino-load.js';

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
 * pino is loaded when something is first logged at an enabled level (lazy-logger.ts).
 */
export const rootLog: Logger = lazyLogger((level) => {
  const pino = loadPino();
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}, initialLevel());

export function setLogLevel(level: LogLevel): void {
  rootLog.level = level;
}

/** A root logger of the same shape writing to `dest` instead (a worker's own log file). */
export function createLogger(dest: DestinationStream, level: LogLevel = rootLog.level as LogLevel): Logger {
  return loadPino()({ level, base: { pid: process.pid } }, dest);
}

/** The component task whose code is running (engine/component-scope.ts has the same shape). */
export interface RunningComponent {
  readonly component: string;
  readonly task: number;
}

const running = new AsyncLocalStorage<RunningComponent>();

/**
 * Runs `fn(...args)` (and what it schedules) as code of `who`; see {@link captureConsole}. The
 * arguments are passed through rather than closed over: the engine calls this once per tuple
 * and component, and a closure per call was a measurable part of `gale local`'s CPU.
 */
export function inComponent<A extends unknown[], T>(who: RunningComponent, fn: (...args: A) => T, ...args: A): T {
  return running.run(who, fn, ...args);
}

/** Which console method was called. */
export type ConsoleMethod = 'log' | 'info' | 'debug' | 'warn' | 'error' | 'trace';

/** Receives each captured console call: the formatted text and the component running it, if any. */
export type ConsoleSink = (method: ConsoleMethod, text: string, who: RunningComponent | undefined) => void;

const CAPTURED: readonly ConsoleMethod[] = ['log', 'info', 'debug', 'warn', 'error', 'trace'];

/**
 * Replaces the global console's printing methods with `sink` until the returned restore is
 * called: a component's console.log must not reach stdout (`gale local --json` keeps stdout for
 * JSON; a worker's output belongs in its log file). A sink that throws is ignored.
 */
export function captureConsole(sink: ConsoleSink): () => void {
  const saved = new Map<ConsoleMethod, (...args: unknown[]) => void>();
  const target = console as unknown as Record<ConsoleMethod, (...args: unknown[]) => void>;
  for (const method of CAPTURED) {
    saved.set(method, target[method]);
    target[method] = (...args: unknown[]) => {
      let text = format(...args);
      if (method === 'trace') text = `Trace: ${text}\n${new Error().stack?.split('\n').slice(2).join('\n') ?? ''}`;
      try {
        sink(method, text, running.getStore());
      } catch {
        // Printing must never fail the component.
      }
    };
  }
  return () => {
    for (const [method, fn] of saved) target[method] = fn;
  };
}
