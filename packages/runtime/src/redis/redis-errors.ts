import { GaleError, type GaleErrorOptions } from '../errors.js';

/**
 * Redis could not be reached when the component opened (connection refused, unknown host, timeout,
 * not a Redis server). Code `GALE_ERR_REDIS_CONNECT`; `retriable` (the server may come up later).
 */
export class RedisConnectError extends GaleError {
  /** The URL as given, with any password replaced by `***`. */
  readonly url: string;
  constructor(url: string, message: string, options: GaleErrorOptions = {}) {
    super('GALE_ERR_REDIS_CONNECT', message, { retriable: true, ...options });
    this.url = url;
  }
}

/** Redis refused the credentials (wrong password or user, or a password is needed). Code `GALE_ERR_REDIS_AUTH`. */
export class RedisAuthError extends GaleError {
  /** The URL as given, with any password replaced by `***`. */
  readonly url: string;
  constructor(url: string, message: string, options: GaleErrorOptions = {}) {
    super('GALE_ERR_REDIS_AUTH', message, options);
    this.url = url;
  }
}

/**
 * Redis went away while the component ran: reported (not thrown) once per outage through the
 * component error path (`gale status`), while the component backs off and retries.
 * Code `GALE_ERR_REDIS_UNAVAILABLE`; always `retriable`.
 */
export class RedisUnavailableError extends GaleError {
  constructor(message: string, options: GaleErrorOptions = {}) {
    super('GALE_ERR_REDIS_UNAVAILABLE', message, { ...options, retriable: true });
  }
}

/**
 * Redis answered a command with an error that retrying will not fix by itself (WRONGTYPE: the key
 * is not a stream, a bad id, a script error, ...). Code `GALE_ERR_REDIS_COMMAND`.
 */
export class RedisCommandError extends GaleError {
  /** The command name, e.g. `XREADGROUP`. */
  readonly command: string;
  constructor(command: string, message: string, options: GaleErrorOptions = {}) {
    super('GALE_ERR_REDIS_COMMAND', message, options);
    this.command = command;
  }
}
