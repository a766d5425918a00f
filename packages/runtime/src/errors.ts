/**
 * Every error gale raises on purpose is a {@link GaleError} with a stable `code`.
 * Codes are documented in docs/errors.md and never reused for another condition.
 */
export interface GaleErrorOptions {
  /** True when retrying the same operation later may succeed. */
  retriable?: boolean;
  cause?: unknown;
}

export class GaleError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: GaleErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** The topology as declared is invalid (duplicate ids, dangling or cyclic streams, bad groupings). */
export class TopologyError extends GaleError {}

/** A configuration value is unknown, of the wrong type or out of range. */
export class ConfigError extends GaleError {}

/** The command line was used wrongly (unknown flag, missing file, bad `--set`). Exit code 2. */
export class UsageError extends GaleError {}

/** A component broke its contract at run time (emitted on an undeclared stream, wrong arity, ...). */
export class ComponentError extends GaleError {}

/**
 * Bad data gale itself found in a tuple (an event-time timestamp that is missing or not a number
 * of epoch ms; in bolt-kit, a CountBolt amount that is not a number, a null join key, a HINCRBY
 * increment that is not an integer): a report about the input, not a fault of any code. The tuple is not failed (a
 * replay would bring the same data back, forever), and the error is logged as one line without a
 * stack (the stack would show only gale's own frames), at most LOG_RATE_LIMIT lines a second per
 * component and code, however much the bad values differ. Still counted and kept for `gale status`.
 */
export class DataError extends ComponentError {
  /** Marks data errors, subclasses included, across module copies ({@link isDataError}). */
  readonly dataError = true;
}

/** Whether `err` is a {@link DataError} (or a subclass); works across module copies, as {@link isGaleError}. */
export function isDataError(err: unknown): err is DataError {
  return isGaleError(err) && (err as { dataError?: unknown }).dataError === true;
}

/**
 * A stateful bolt's state could not be read or written: a corrupt state file
 * (`GALE_ERR_STATE_CORRUPT`, names the file), an unreachable store (`GALE_ERR_STATE_UNAVAILABLE`,
 * retriable). The checkpoint in progress rolls back; nothing committed is lost.
 */
export class StateError extends GaleError {}

/** The engine was used after close, or a lifecycle step timed out. */
export class LifecycleError extends GaleError {}

/**
 * Thrown by a {@link BasicBolt}'s `execute` to fail the input tuple (and so the whole tuple tree)
 * without reporting an error: the spout will replay it.
 */
export class FailedException extends GaleError {
  constructor(message = 'tuple failed', options: GaleErrorOptions = {}) {
    super('GALE_ERR_TUPLE_FAILED', message, options);
  }
}

/** Type guard that works across module copies: checks shape, not prototype. */
export function isGaleError(err: unknown): err is GaleError {
  return err instanceof Error && typeof (err as Partial<GaleError>).code === 'string' && (err as Error).name !== 'Error'
    && (err as Partial<GaleError>).code!.startsWith('GALE_');
}
