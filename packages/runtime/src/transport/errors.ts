import { GaleError, type GaleErrorOptions } from '../errors.js';

/**
 * Codes of {@link FrameError}: what was wrong with a frame received from (or about to be sent to) a peer.
 * - `GALE_ERR_FRAME_DECODE`: not decodable MessagePack (truncated, trailing bytes, too deep, a disallowed
 *   msgpackr extension such as structured-clone references 0x69/0x70).
 * - `GALE_ERR_FRAME_TYPE`: decoded, but the frame type is not one this protocol version knows.
 * - `GALE_ERR_FRAME_SCHEMA`: a known frame whose fields have the wrong shape, exceed a limit, or carry a
 *   value type that may not cross the wire (RegExp, Map, class instances, `__proto__` keys, ...).
 * - `GALE_ERR_FRAME_TOO_LARGE`: the encoded frame, or one record alone, exceeds `maxPayloadBytes`.
 * - `GALE_ERR_PROTOCOL_VERSION`: the peer speaks another protocol version (missing or different `x-gale-protocol`).
 */
export type FrameErrorCode =
  | 'GALE_ERR_FRAME_DECODE'
  | 'GALE_ERR_FRAME_TYPE'
  | 'GALE_ERR_FRAME_SCHEMA'
  | 'GALE_ERR_FRAME_TOO_LARGE'
  | 'GALE_ERR_PROTOCOL_VERSION';

/** A frame could not be decoded, validated or encoded. Never retriable: the same bytes fail the same way. */
export class FrameError extends GaleError {
  declare readonly code: FrameErrorCode;
  constructor(code: FrameErrorCode, message: string, options: GaleErrorOptions = {}) {
    super(code, message, { ...options, retriable: false });
  }
}

/**
 * Codes of {@link TransportError}:
 * - `GALE_ERR_PORT_IN_USE`: the server's port is taken (retriable: it may be freed).
 * - `GALE_ERR_PEER_REFUSED`: the peer answered the upgrade with an error status (auth, version, epoch).
 * - `GALE_ERR_PEER_DEAD`: no pong (and no write progress) for `livenessTimeoutMs`.
 * - `GALE_ERR_TRANSPORT_CLOSED`: the client or server was used after `close()`.
 */
export type TransportErrorCode =
  | 'GALE_ERR_PORT_IN_USE'
  | 'GALE_ERR_PEER_REFUSED'
  | 'GALE_ERR_PEER_DEAD'
  | 'GALE_ERR_TRANSPORT_CLOSED';

/** A connection-level failure of the worker-to-worker transport. */
export class TransportError extends GaleError {
  declare readonly code: TransportErrorCode;
  constructor(code: TransportErrorCode, message: string, options: GaleErrorOptions = {}) {
    super(code, message, options);
  }
}
