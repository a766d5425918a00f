import type { ReportedError } from './metrics.js';
import { errorMessage } from './error-message.js';
import type { Clock, EngineLog } from './ports.js';

const MAX_ERRORS_KEPT = 10;

/** The errors components reported: logged, kept (the last 10 per component) and passed to a listener. */
export class ErrorLog {
  private readonly errorsOf = new Map<string, ReportedError[]>();

  constructor(private readonly clock: Clock, private readonly log: EngineLog, private readonly onError: ((e: ReportedError) => void) | undefined) {}

  report(component: string, task: number, err: unknown): void {
    const e: ReportedError = { component, task, message: errorMessage(err), time: this.clock.epochMs() };
    const list = this.errorsOf.get(component) ?? [];
    list.push(e);
    if (list.length > MAX_ERRORS_KEPT) list.shift();
    this.errorsOf.set(component, list);
    this.log.error({ component, task, err: e.message }, 'component error');
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
