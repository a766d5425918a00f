import { GaleError, type GaleErrorOptions } from '@gale/runtime';

// The same conditions and codes as @gale/spout-kit's Redis errors: a kit imports only
// @gale/runtime, so each kit declares its own classes. Match on `code`, not on `instanceof`.

/** Redis could not be reached when the sink was prepared. Code `GALE_ERR_REDIS_CONNECT`; `retriable`. */
export class RedisConnectError extends GaleError {
  /** The URL as given, with any password replaced by `***`. */
  readonly url: string;
  constructor(url: string, message: string, options: GaleErrorOptions = {}) {
    super('GALE_ERR_REDIS_CONNECT', message, { retriable: true, ...options });
    this.url = url;
  }
}

/** Redis refused the credentials. Code `GALE_ERR_REDIS_AUTH`. */
export class RedisAuthError extends GaleError {
  /** The URL as given, with any password replaced by `***`. */
  readonly url: string;
  constructor(url: string, message: string, options: GaleErrorOptions = {}) {
    super('GALE_ERR_REDIS_AUTH', message, options);
    this.url = url;
  }
}

/**
 * A sink's write did not happen: the tuple is failed (its spout replays it). `retriable` when
 * Redis was away (reported once per outage) rather than refusing the command (WRONGTYPE, a bad
 * increment, a stream id below the stream's last one: reported every time). Code `GALE_ERR_REDIS_WRITE`.
 */
export class RedisWriteError extends GaleError {
  /** The command name, e.g. `HINCRBY`. */
  readonly command: string;
  constructor(command: string, message: string, options: GaleErrorOptions = {}) {
    super('GALE_ERR_REDIS_WRITE', message, options);
    this.command = command;
  }
}
