import { GaleError, type GaleErrorOptions } from '@gale/runtime';

/**
 * The NATS JetStream spout cannot reach or use its server. Codes:
 * - `GALE_ERR_NATS_CONNECT`: `open()` could not connect (unreachable server, bad address,
 *   authentication refused); retriable, the topology does not start.
 * - `GALE_ERR_NATS_STREAM`: the stream does not exist (and no `streamSubjects` were given to
 *   create it), or the durable consumer could not be created or bound.
 * - `GALE_ERR_NATS_FETCH`: a fetch failed while running (server gone, JetStream unavailable);
 *   reported through the component error path while the spout backs off and retries.
 */
export class NatsSpoutError extends GaleError {
  /** The servers as given to the spout. */
  readonly servers: readonly string[];
  constructor(code: 'GALE_ERR_NATS_CONNECT' | 'GALE_ERR_NATS_STREAM' | 'GALE_ERR_NATS_FETCH', servers: readonly string[], message: string, options: GaleErrorOptions = {}) {
    super(code, message, options);
    this.servers = servers;
  }
}
