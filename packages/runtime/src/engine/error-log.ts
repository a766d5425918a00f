import type { ReportedError } from './metrics.js';
import { errorMessage } from './error-message.js';
import { LogRateLimiter } from './log-rate-limit.js';
import type { Clock, EngineLog } from './ports.js';

const MAX_ERRORS_KEPT = 10;

/**
 * The errors components reported: kept (the last 10 per component), passed to a listener and
 * counted (by the caller's stats) every time, but logged at most LOG_RATE_LIMIT times per second
 * per component and message: a bolt failing every tuple must not flood the disk. The first line
 * after a suppressed run carries `suppressed`, the number left out.
 */
export class ErrorLog {
  private readonly errorsOf = new Map<string, ReportedError[]>();
  private readonly limiter: LogRateLimiter;

  constructor(private readonly clock: Clock, private readonly log: EngineLog, private readonly onError: ((e: ReportedError) => void) | undefined) {
    this.limiter = new LogRateLimiter({ now: () => clock.now() });
  }

  report(component: string, task: number, err: unknown): void {
    const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : undefined;
    const e: ReportedError = { component, task, message: errorMessage(err), ...(stack !== undefined ? { stack } : {}), time: this.clock.epochMs() };
    const list = this.errorsOf.get(component) ?? [];
    list.push(e);
    if (list.length > MAX_ERRORS_KEPT) list.shift();
    this.errorsOf.set(component, list);
    const verdict = this.limiter.check(`${component}\u0000${e.message}`);
    if (verdict.log) {
      this.log.error({ component, task, err: e.message, ...(verdict.suppressed > 0 ? { suppressed: verdict.suppressed } : {}) }, 'component error');
    }
    try {
      this.onError?.(e);
    } catch {
      // A listener's failure must never reach the engine.
    }
  }

  /** The last errors per component (at most 10 each), oldest first. */
  list(component?: string): ReportedError[] {
    if (component !== undefined) return [...(this.errorsOf.get(component) ?? [])];
    return [...this.errorsOf.values()].flat().sort((a, b) => a.time - b.time);
  }
}
