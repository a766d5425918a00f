// Worker-to-worker transport (docs/protocol.md). Internal to @gale/runtime: the cluster worker wires it
// to the engine; nothing here is part of the public barrel yet.
export {
  PROTOCOL_VERSION, FrameType, DEFAULT_FRAME_LIMITS, DEFAULT_MAX_FRAME_BYTES,
  encodeFrame, decodeFrame, checkFrame, checkTupleRecord, checkProtocolVersion, frameLimits,
} from './frame-codec.js';
export type {
  Frame, FrameTypeCode, FrameLimits, TupleRecord,
  TuplesFrame, CreditFrame, PingFrame, PongFrame, CloseReasonFrame,
} from './frame-codec.js';
export { checkValues, DEFAULT_VALUE_LIMITS } from './value-check.js';
export type { ValueLimits, ValueProblem } from './value-check.js';
export {
  AuthHeader, HandshakeVerifier, clientAuthHeaders, serverProofHeaders, verifyServerProof, normalizeSecret, MIN_SECRET_BYTES, DEFAULT_AUTH_WINDOW_MS,
  PEER_FEATURES, announcedFeatures,
} from './auth.js';
export type { PeerFeature, PeerIdentity, RefusalReason, HandshakeResult, HandshakeVerifierOptions } from './auth.js';
export { FrameError, TransportError } from './errors.js';
export type { FrameErrorCode, TransportErrorCode } from './errors.js';
export { TypedEmitter } from './events.js';
export type { Unsubscribe } from './events.js';
export { PeerServer, CLOSE_SUPERSEDED, CLOSE_BY_SERVER } from './peer-server.js';
export type { PeerServerOptions, PeerServerEvents, PeerServerStats, PeerInfo } from './peer-server.js';
export type { EpochVerdict, EpochVerifier } from './upgrade-gate.js';
export { PeerClient } from './peer-client.js';
export type { PeerClientOptions, PeerClientEvents, PeerClientStats, PeerClientState, PeerAddress } from './peer-client.js';
export { loadTls } from './tls.js';
export type { TlsFiles, TlsMaterial } from './tls.js';
