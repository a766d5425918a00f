import { GaleError, type GaleErrorOptions } from '@gale/runtime';

// The connection errors (RedisConnectError, RedisAuthError) are @gale/runtime's, shared with
// spout-kit's stream spout; only the sinks' own failure is declared here.

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
