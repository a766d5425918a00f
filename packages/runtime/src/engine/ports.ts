/** What the pure engine needs from the outside world; the local and cluster shells provide them. */
export interface Clock {
  /** Monotonic milliseconds (fractional allowed); only differences are meaningful. */
  now(): number;
  /** Wall-clock epoch milliseconds, for timestamps shown to people. */
  epochMs(): number;
}

export interface Scheduler {
  /** Runs `fn` soon, after pending I/O (setImmediate in Node). */
  defer(fn: () => void): void;
  /** Runs `fn` every `ms`; returns a cancel function. */
  every(ms: number, fn: () => void): () => void;
  /**
   * Runs `fn` once after `ms`; returns a cancel function. Timers do not keep the process alive
   * unless `keepAlive` (used when a caller awaits the outcome).
   */
  after(ms: number, fn: () => void, keepAlive?: boolean): () => void;
}

/** pino-compatible subset. */
export interface EngineLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}
