/** PeerServer's options, event table, stats, the peer record handed to the engine, and its ws close codes. */
import type { Logger } from '../log.js';
import type { PeerFeature, PeerIdentity, RefusalReason } from './auth.js';
import type { EpochVerifier } from './upgrade-gate.js';
import type { Frame, FrameLimits } from './frame-codec.js';
import type { TlsMaterial } from './tls.js';

/** An authenticated connection as the engine sees it. */
export interface PeerInfo extends PeerIdentity {
  /** Connection id, unique within this server. */
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export interface PeerServerEvents {
  /** A peer authenticated and is connected. */
  'peer.open': PeerInfo;
  /** A peer's connection ended (any reason). */
  'peer.close': { peer: PeerInfo; code: number; reason: string };
  /** An upgrade request was refused before any WebSocket existed. */
  'peer.refused': { remoteAddress: string; status: number; reason: RefusalReason; detail: string; identity?: Partial<PeerIdentity> };
  /** A peer sent something that is not a valid frame; its connection is being closed. */
  'frame.error': { peer: PeerInfo; code: string; message: string; wsCloseCode: number };
}

export interface PeerServerOptions {
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
  /** Port; 0 picks a free one (see {@link PeerServer.port}). */
  port: number;
  /** Cluster secret (at least 16 bytes). */
  secret: string | Uint8Array;
  /** Serve `wss` (TLS, tls.ts) instead of plaintext `ws`; plaintext clients are then refused. */
  tls?: TlsMaterial;
  /** Topology this worker runs; peers of another topology are refused. */
  topology: string;
  /** This worker's id and launch epoch, proven to connecting clients. */
  workerId?: string;
  epoch?: number;
  /** Largest accepted message (ws `maxPayload`). Default 4 MiB. */
  maxPayloadBytes?: number;
  /** Other decode limits (records per frame, values per tuple, ...). */
  limits?: Partial<Omit<FrameLimits, 'maxFrameBytes'>>;
  /** Handshake timestamp window. Default 30 s. */
  authWindowMs?: number;
  /**
   * Called for every valid frame except PING (answered here). Runs synchronously on the receive path;
   * exceptions are caught and logged. Frames from a connection that was superseded are not delivered.
   */
  onFrame: (peer: PeerInfo, frame: Frame) => void;
  /**
   * Checks a peer's claimed (workerId, epoch) against the owner's registry before a new epoch is
   * admitted (upgrade-gate.ts): an epoch the registry does not list is refused with 409
   * `unknown-epoch` instead of superseding the real peer. Without it, every authenticated epoch is believed.
   */
  verifyEpoch?: EpochVerifier;
  /** Longest `verifyEpoch` may take before the handshake is refused with 503 `unverified`. Default 2 s. */
  verifyTimeoutMs?: number;
  /** Extra admission check after authentication (fencing): return a reason to refuse with 403. */
  admit?: (identity: PeerIdentity) => string | undefined;
  /** How long a closing connection may take to finish the close handshake before it is destroyed. Default 1000 ms. */
  closeTimeoutMs?: number;
  /** Protocol features announced to clients (auth.ts PEER_FEATURES, the default); `[]` acts as a worker that predates them (tests). */
  features?: readonly PeerFeature[];
  log?: Logger;
  /** Wall clock (ms) for handshake timestamps. */
  now?: () => number;
}

export interface PeerServerStats {
  connections: number;
  accepted: number;
  refused: Partial<Record<RefusalReason, number>>;
  framesIn: number;
  bytesIn: number;
  recordsIn: number;
  /** Connections closed because of what they sent, by FrameError code (or ws error code). */
  frameErrors: Record<string, number>;
  superseded: number;
  listenerErrors: number;
}

/** ws close code used when a newer epoch of the same worker connects. */
export const CLOSE_SUPERSEDED = 4001;
/** ws close code used by `disconnect()` without a code. */
export const CLOSE_BY_SERVER = 4000;
