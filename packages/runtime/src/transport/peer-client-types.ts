/** PeerClient's state, event table and stats. */
import type { PeerIdentity } from './auth.js';
import type { FrameError } from './errors.js';
import type { Frame } from './frame-codec.js';

export type PeerClientState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';

export interface PeerClientEvents {
  /** Connected and authenticated both ways; `server` is the identity the peer proved, `features` what it understands (auth.ts PEER_FEATURES). */
  open: { url: string; server: PeerIdentity; features: ReadonlySet<string>; attempt: number };
  /** An open connection ended; frames still in its socket buffer are lost (tuple trees replay). */
  disconnect: { url: string; code: number; reason: string; closeReason?: { code: string; message: string }; error?: Error };
  /** A connection attempt failed (refused, unreachable, timeout); the next attempt is in `retryInMs` (the client never gives up on its own). */
  'connect.error': { url: string; attempt: number; error: Error; status?: number; reason?: string; retryInMs: number };
  /** No pong (and no write progress) for `livenessTimeoutMs`: the connection is dropped and re-made. */
  dead: { url: string; lastPongAgeMs: number };
  /** Sends are accepted again after a refusal. */
  drain: { bufferedBytes: number };
  /** A frame the server sent other than PONG / CLOSE_REASON (for example CREDIT). */
  frame: Frame;
  /** Records that could not be sent at all (one record larger than `maxPayloadBytes`, or unencodable). */
  dropped: { type: number; records: unknown[]; error: FrameError };
  /** The client is closed; `pendingFrames` were discarded. */
  closed: { pendingFrames: number; error?: Error };
}

export interface PeerClientStats {
  state: PeerClientState;
  framesOut: number;
  /** Socket writes the frames went out in: one per turn that sent any, up to 8 frames each (transport/turn-cork.ts). */
  socketWrites: number;
  bytesOut: number;
  recordsOut: number;
  /** sendTuple() calls refused because the buffer was full. */
  refusedSends: number;
  pendingFrames: number;
  bufferedBytes: number;
  connects: number;
  failedAttempts: number;
  deadPeers: number;
  droppedRecords: number;
  /** Acks XOR-merged into an ack for the same tree still in the open batch (`sendAck`): records saved. */
  mergedAcks: number;
  rttMs: number;
  lastPongAgeMs: number;
}
