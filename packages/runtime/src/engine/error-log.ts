import { isDataError } from '../errors.js';
import { errorRepeatKey, foldRecentError } from '../api/stats.js';
import type { ReportedError } from './metrics.js';
import { errorMessage } from './error-message.js';
import { errorStack, userFrame, withoutGaleFrames } from './error-stack.js';
import { LogRateLimiter, OVERFLOW_KEY } from './log-rate-limit.js';
import type { Clock, EngineLog } from './ports.js';

const MAX_ERRORS_KEPT = 10;
/** Distinct (component, message) stacks remembered; past it the cache starts over (messages with ids in them). */
const MAX_STACKS_KEPT = 1000;
const NO_STACK = Object.freeze({ stack: undefined, source: undefined });

/**
 * The errors components reported: kept (the last 10 distinct ones per component, by the shared
 * rule of api/stats.ts: a repeat — the same message but for the ids in it, or for a DataError the
 * same code — replaces its entry and adds to its `count`; each code's first entry survives a
 * flood), passed to a listener and
 * counted (by the caller's stats) every time, but logged at most LOG_RATE_LIMIT times per second
 * per component and message: a bolt failing every tuple must not flood the disk. The first line
 * after a suppressed run carries `suppressed`, the number left out; what is still owed at close
 * is logged then ({@link ErrorLog.close}). The stack, without gale's own frames, is logged on a
 * line of its own (`component error stack`) for the first occurrence of an error only; a repeat's
 * stack is the same one, and goes to the debug level. An error reported after the close (a task
 * whose open resolved late, then failed to close) is logged at once, past the rate limit: nothing
 * would report what it left out.
 */
export class ErrorLog {
  /** Per component, the recent distinct errors, oldest first (foldRecentError). */
  private readonly errorsOf = new Map<string, ReportedError[]>();
  private readonly limiter: LogRateLimiter;
  /**
   * The last stack seen per (component, message): formatting a source-mapped stack costs tens of
   * microseconds, so a suppressed repeat reuses the one its logged predecessor had.
   */
  private readonly stacks = new Map<string, { stack: string | undefined; source: string | undefined }>();
  /**
   * The repeat key of each listed entry, computed once when it was reported: folding a report into
   * the list compares its key with every entry's, and masking a message (errorRepeatKey) per entry
   * per report cost a bolt failing every tuple ten maskings per failure. Only here: the ZooKeeper
   * store's entries are plain JSON and compute theirs.
   */
  private readonly keys = new WeakMap<ReportedError, string>();
  private readonly keyOf = (e: ReportedError): string => this.keys.get(e) ?? this.repeatKey(e);
  /** (component, repeat key)s whose stack line was logged at the error level: a repeat's goes to debug. */
  private readonly stackLogged = new Set<string>();
  private closed = false;

  constructor(
    private readonly clock: Clock, private readonly log: EngineLog, private readonly onError: ((e: ReportedError) => void) | undefined,
    /** How a repeat is recognised (api/stats.ts); a test counts the calls. */
    private readonly repeatKey: typeof errorRepeatKey = errorRepeatKey,
  ) {
    this.limiter = new LogRateLimiter({ now: () => clock.now() });
  }

  report(component: string, task: number, err: unknown): void {
    const message = errorMessage(err);
    // Bad input data (a DataError, with the bad value in its message): no stack (gale's own frames,
    // not the user's code) and one rate limit per code, however many distinct values come.
    const data = isDataError(err);
    const code = codeOf(err);
    const k = this.repeatKey({ message, code, data });
    const key = `${component}\u0000${k}`;
    const verdict = this.closed ? { log: true, suppressed: 0 } : this.limiter.check(key);
    const where = data ? NO_STACK : this.whereFrom(key, err, verdict.log);
    const e: ReportedError = {
      component, task, message, time: this.clock.epochMs(),
      ...(where.stack !== undefined ? { stack: where.stack } : {}), ...(where.source !== undefined ? { source: where.source } : {}),
      ...(code !== undefined ? { code } : {}), ...(data ? { data: true as const } : {}),
    };
    const list = this.errorsOf.get(component) ?? [];
    this.keys.set(e, k);
    // A repeat: the new report (newest message, time, task) stands for both, with the counts added.
    foldRecentError(list, e, MAX_ERRORS_KEPT, (_old, next, count) => Object.assign(next, { count }), this.keyOf);
    this.errorsOf.set(component, list);
    if (this.closed) {
      this.log.warn({ component, task, err: e.message, ...(code !== undefined ? { code } : {}), ...(e.source !== undefined ? { source: e.source } : {}),
        ...(e.stack !== undefined ? { stack: e.stack } : {}) }, 'component error after close');
    } else if (verdict.log) {
      this.log.error({ component, task, err: e.message, ...(verdict.suppressed > 0 ? { suppressed: verdict.suppressed } : {}) }, 'component error');
      // Where it came from, on a line of its own: the line above keeps its established shape.
      if (e.stack !== undefined) {
        const first = !this.stackLogged.has(key);
        if (first && this.stackLogged.size >= MAX_STACKS_KEPT) this.stackLogged.clear();
        if (first) this.stackLogged.add(key);
        this.log[first ? 'error' : 'debug']({ component, task, err: e.message, ...(e.source !== undefined ? { source: e.source } : {}), stack: e.stack }, 'component error stack');
      }
    }
    try {
      this.onError?.(e);
    } catch {
      // A listener's failure must never reach the engine.
    }
  }

  /** The stack and user frame of `err`, formatted again only when logged or not cached for `key`. */
  private whereFrom(key: string, err: unknown, logged: boolean): { stack: string | undefined; source: string | undefined } {
    let where = this.stacks.get(key);
    if (where === undefined || logged) {
      const stack = errorStack(err);
      where = { stack: withoutGaleFrames(stack), source: userFrame(stack) };
      if (!this.stacks.has(key) && this.stacks.size >= MAX_STACKS_KEPT) this.stacks.clear();
      this.stacks.set(key, where);
    }
    return where;
  }

  /** The last distinct errors per component (at most 10 each), oldest first. */
  list(component?: string): ReportedError[] {
    if (component !== undefined) return [...(this.errorsOf.get(component) ?? [])];
    return [...this.errorsOf.values()].flat().sort((a, b) => a.time - b.time);
  }

  /**
   * At close: the log lines the rate limit left out and no later line reported, in one line,
   * so a shutdown never hides how much was not logged.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const owed = this.limiter.drain();
    if (owed.length === 0) return;
    const total = owed.reduce((n, o) => n + o.suppressed, 0);
    const byError = owed.slice(0, 20).map(({ key, suppressed }) => {
      // Errors of more distinct keys than the limiter tracks, counted together.
      if (key === OVERFLOW_KEY) return { overflow: true, suppressed };
      // `component␀kind␀what`: the component, then errorRepeatKey's "code"/"message" and its text.
      const [component, , what] = key.split('\u0000');
      return { component, err: what, suppressed };
    });
    this.log.warn({ suppressed: total, errors: byError }, 'component errors left out of the log by its rate limit');
  }
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  try {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && code !== '' ? code : undefined;
  } catch {
    return undefined;
  }
}
