/**
 * One ws socket to a peer: dialled with the handshake's signed headers, with the server's answer
 * (proof or refusal) and what the connection later told us recorded on the returned attempt, so the
 * client reads one object per attempt instead of fields it must remember to reset.
 */
import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import type { PeerIdentity } from './auth.js';
import type { ClientHandshake, Refusal } from './client-handshake.js';
import type { TlsMaterial } from './tls.js';

/** One connection attempt and, once open, the connection. */
export interface PeerSocket {
  readonly ws: WebSocket;
  /** The identity the server proved on its 101; null until then (or if the proof failed). */
  server: PeerIdentity | null;
  /** The protocol features the server announced on its 101 (auth.ts PEER_FEATURES); empty until then. */
  features: ReadonlySet<string>;
  refusal: Refusal | null;
  /** Dial again at once (the refusal was our clock, now corrected). */
  retryNow: boolean;
  /** What the server said in a CLOSE_REASON frame. */
  closeReason: { code: string; message: string } | undefined;
  /** The first error seen on this socket. */
  error: Error | undefined;
}

export interface DialOptions {
  maxPayloadBytes: number;
  connectTimeoutMs: number;
  /** For `wss` URLs: the CA to trust and this host's certificate (for mutual TLS). */
  tls?: TlsMaterial | undefined;
}

/** Opens a socket; a bad server proof or a refusal terminates it (its 'close' follows). */
export function dialPeer(url: string, handshake: ClientHandshake, opts: DialOptions): PeerSocket {
  const { headers, nonce } = handshake.begin();
  const ws = new WebSocket(url, {
    headers,
    perMessageDeflate: false,
    maxPayload: opts.maxPayloadBytes,
    handshakeTimeout: opts.connectTimeoutMs,
    followRedirects: false,
    skipUTF8Validation: true,
    ...(opts.tls ? { cert: opts.tls.cert, key: opts.tls.key, ...(opts.tls.ca ? { ca: opts.tls.ca } : {}), rejectUnauthorized: true } : {}),
  });
  const s: PeerSocket = { ws, server: null, features: new Set(), refusal: null, retryNow: false, closeReason: undefined, error: undefined };
  ws.on('upgrade', (res: IncomingMessage) => {
    const proof = handshake.checkProof(url, nonce, res.headers);
    if (proof.ok) {
      s.server = proof.server;
      s.features = proof.features;
      return;
    }
    s.refusal = proof.refusal;
    ws.terminate();
  });
  ws.on('unexpected-response', (_req: unknown, res: IncomingMessage) => {
    const { refusal, retryNow } = handshake.refused(url, res.statusCode ?? 0, res.headers);
    s.refusal = refusal;
    s.retryNow = retryNow;
    res.resume();
    ws.terminate();
  });
  return s;
}

/** Closes gracefully, destroying the socket if the close handshake takes longer than `timeoutMs`. */
export function closeSocket(ws: WebSocket, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) {
      resolve();
      return;
    }
    const kill = setTimeout(() => ws.terminate(), timeoutMs);
    ws.once('close', () => {
      clearTimeout(kill);
      resolve();
    });
    if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'client closing');
    else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
  });
}
