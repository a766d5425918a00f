import type { Clock } from '../engine/ports.js';
import { LogRateLimiter, OVERFLOW_KEY, type LogRateLimitOptions } from '../engine/log-rate-limit.js';
import type { Logger } from '../log.js';

/**
 * Warnings a daemon repeats while a condition lasts (ZooKeeper unreachable, a bad znode, a crash
 * loop) are logged once per minute per key at most, the next line carrying the count left out:
 * a loop that runs every second must not write 3600 identical lines an hour.
 */
export const REPEATED_WARNING_WINDOW_MS = 60_000;

type Level = 'warn' | 'error' | 'info';

const SEP = '\u0000';
/** Distinct lines named in the close line (the total counts them all). */
const MAX_LISTED = 20;

/**
 * A logger's warn/error/info through the shared {@link LogRateLimiter}: the key is the level,
 * the (constant) message and an optional `key` naming the instance (a path, a topology and port),
 * so different conditions never silence each other. The line that follows a suppressed run
 * carries `suppressed`; what no later line reported is logged in one line at {@link close}, as
 * the engine's component error log does.
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

  /**
   * When the owner stops: the lines left out and not reported by a later one, in one warning
   * (nothing when none are owed), so a daemon's shutdown never hides how much it did not log.
   * Idempotent: the counts are taken.
   */
  close(): void {
    const owed = this.limiter.drain();
    if (owed.length === 0) return;
    const total = owed.reduce((n, o) => n + o.suppressed, 0);
    const lines = owed.slice(0, MAX_LISTED).map(({ key, suppressed }) => {
      // Lines of more distinct keys than the limiter tracks, counted together: no level or message of their own.
      if (key === OVERFLOW_KEY) return { overflow: true, suppressed };
      const [level, msg, instance] = key.split(SEP);
      return { level, msg, ...(instance === '' || instance === undefined ? {} : { key: instance }), suppressed };
    });
    this.log.warn({ suppressed: total, lines }, 'repeated log lines left out by the rate limit');
  }

  private write(level: Level, obj: object, msg: string, key: string): void {
    const v = this.limiter.check(`${level}${SEP}${msg}${SEP}${key}`);
    if (v.log) this.log[level](v.suppressed > 0 ? { ...obj, suppressed: v.suppressed } : obj, msg);
  }
}
