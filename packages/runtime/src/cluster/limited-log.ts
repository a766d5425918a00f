import type { Clock } from '../engine/ports.js';
import { LogRateLimiter, type LogRateLimitOptions } from '../engine/log-rate-limit.js';
import type { Logger } from '../log.js';

/**
 * Warnings a daemon repeats while a condition lasts (ZooKeeper unreachable, a bad znode, a crash
 * loop) are logged once per minute per key at most, the next line carrying the count left out:
 * a loop that runs every second must not write 3600 identical lines an hour.
 */
export const REPEATED_WARNING_WINDOW_MS = 60_000;

type Level = 'warn' | 'error' | 'info';

/**
 * A logger's warn/error/info through the shared {@link LogRateLimiter}: the key is the level,
 * the (constant) message and an optional `key` naming the instance (a path, a topology and port),
 * so different conditions never silence each other. The line that follows a suppressed run
 * carries `suppressed`.
 */
export class LimitedLog {
  private readonly limiter: LogRateLimiter;

  constructor(private readonly log: Logger, clock: Clock, opts: Omit<LogRateLimitOptions, 'now'> = {}) {
    this.limiter = new LogRateLimiter({ ...opts, now: () => clock.now() });
  }

  warn(obj: object, msg: string, key = ''): void {
    this.write('warn', obj, msg, key);
  }

  error(obj: object, msg: string, key = ''): void {
    this.write('error', obj, msg, key);
  }

  info(obj: object, msg: string, key = ''): void {
    this.write('info', obj, msg, key);
  }

  private write(level: Level, obj: object, msg: string, key: string): void {
    const v = this.limiter.check(`${level}\u0000${msg}\u0000${key}`);
    if (v.log) this.log[level](v.suppressed > 0 ? { ...obj, suppressed: v.suppressed } : obj, msg);
  }
}
