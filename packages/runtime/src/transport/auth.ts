/**
 * Peer authentication, done entirely in the HTTP upgrade (docs/protocol.md "Handshake"): the client signs
 * its identity, a fresh nonce and a timestamp with the cluster secret; the server checks all of it before
 * `handleUpgrade`, so an unauthenticated peer never becomes a WebSocket. The server answers with a proof
 * over the client's nonce, so the client knows it reached a worker of the same cluster and topology.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ConfigError } from '../errors.js';
import { checkProtocolVersion, PROTOCOL_VERSION } from './frame-codec.js';

/** Header names of the handshake (lower case, as Node exposes them). */
export const AuthHeader = {
  PROTOCOL: 'x-gale-protocol',
  WORKER: 'x-gale-worker',
  TOPOLOGY: 'x-gale-topology',
  EPOCH: 'x-gale-epoch',
  TS: 'x-gale-ts',
  NONCE: 'x-gale-nonce',
  AUTH: 'x-gale-auth',
  /** On a refusal: the machine-readable reason. */
  REASON: 'x-gale-reason',
  /** On an `expired` refusal: the server's wall clock (ms), so a skewed client can correct itself. */
  SERVER_TS: 'x-gale-server-ts',
  /** In the 101: the additions to this protocol version the server understands, comma-separated ({@link PEER_FEATURES}). */
  FEATURES: 'x-gale-features',
} as const;

/**
 * Additions to protocol version 2 that a worker understands, announced in its 101 answer. A worker
 * that predates one does not list it, and its peers keep to what it understands: a feature only
 * widens what a sender may send, never the frame layout, so it needs no new version (which would
 * make old and new workers refuse each other). Not signed (older clients check the proof without
 * it): a stripped header only makes the sender fall back.
 * - `failed-stopped`: tree outcome 9 (FAILED_STOPPED) on `__ack_fail`/`__ack_outcome`. An older
 *   worker drops it as malformed (the tree would time out), so its senders send 2 (FAILED) instead.
 */
export const PEER_FEATURES = ['failed-stopped'] as const;
export type PeerFeature = (typeof PEER_FEATURES)[number];

/** The features a 101 answer announces; none from a worker that predates them. */
export function announcedFeatures(headers: IncomingHttpHeaders): ReadonlySet<string> {
  const v = headers[AuthHeader.FEATURES];
  const text = Array.isArray(v) ? v.join(',') : v ?? '';
  return new Set(text.split(',').map((f) => f.trim()).filter((f) => f.length > 0));
}

/** Why a handshake was refused; sent as `x-gale-reason` and logged. */
export type RefusalReason =
  | 'protocol-version'
  | 'missing'
  | 'malformed'
  | 'bad-hmac'
  | 'expired'
  | 'wrong-topology'
  | 'replayed'
  | 'stale-epoch'
  | 'unknown-epoch'
  | 'unverified'
  | 'refused'
  | 'busy'
  | 'closing'
  /** The TLS handshake failed (plaintext client, certificate of another CA): never reaches HTTP. */
  | 'tls';

/** Who is on the other end of a connection. */
export interface PeerIdentity {
  workerId: string;
  topology: string;
  /** Launch epoch of the worker; connections from an older epoch than one already seen are refused. */
  epoch: number;
}

export type HandshakeResult =
  | { ok: true; identity: PeerIdentity; nonce: string }
  | { ok: false; status: number; reason: RefusalReason; detail: string; identity?: Partial<PeerIdentity>; headers?: Record<string, string> };

export const MIN_SECRET_BYTES = 16;
export const DEFAULT_AUTH_WINDOW_MS = 30_000;
export const DEFAULT_MAX_NONCES = 100_000;
const MAX_NAME_LENGTH = 256;
const NONCE_RE = /^[0-9a-f]{32}$/;
const HMAC_RE = /^[0-9a-f]{64}$/;
const UINT_RE = /^(0|[1-9][0-9]{0,15})$/;

/** Validates and converts the cluster secret; at least {@link MIN_SECRET_BYTES} bytes. */
export function normalizeSecret(secret: string | Uint8Array): Buffer {
  const buf = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (buf.length < MIN_SECRET_BYTES) {
    throw new ConfigError('GALE_ERR_TRANSPORT_SECRET', `the cluster secret must have at least ${MIN_SECRET_BYTES} bytes (got ${buf.length})`);
  }
  return buf;
}

function clientMessage(nonce: string, ts: number, id: PeerIdentity): string {
  return `gale-client\n${PROTOCOL_VERSION}\n${nonce}\n${ts}\n${id.topology}\n${id.workerId}\n${id.epoch}`;
}

function serverMessage(clientNonce: string, id: PeerIdentity): string {
  return `gale-server\n${PROTOCOL_VERSION}\n${clientNonce}\n${id.topology}\n${id.workerId}\n${id.epoch}`;
}

function hmacHex(secret: Buffer, msg: string): string {
  return createHmac('sha256', secret).update(msg, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests of equal (checked) length. */
function sameDigest(aHex: string, bHex: string): boolean {
  const a = Buffer.from(aHex, 'hex');
  const b = Buffer.from(bHex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Request headers a client sends to authenticate; a new nonce each call. */
export function clientAuthHeaders(secret: Buffer, id: PeerIdentity, nowMs: number, nonce: string = randomBytes(16).toString('hex')): Record<string, string> {
  const ts = Math.round(nowMs);
  return {
    [AuthHeader.PROTOCOL]: String(PROTOCOL_VERSION),
    [AuthHeader.WORKER]: encodeURIComponent(id.workerId),
    [AuthHeader.TOPOLOGY]: encodeURIComponent(id.topology),
    [AuthHeader.EPOCH]: String(id.epoch),
    [AuthHeader.TS]: String(ts),
    [AuthHeader.NONCE]: nonce,
    [AuthHeader.AUTH]: hmacHex(secret, clientMessage(nonce, ts, id)),
  };
}

/** Response headers (added to the 101) proving the server knows the secret and naming it, and the features it understands. */
export function serverProofHeaders(secret: Buffer, clientNonce: string, id: PeerIdentity, features: readonly string[] = PEER_FEATURES): string[] {
  return [
    ...(features.length > 0 ? [`${AuthHeader.FEATURES}: ${features.join(',')}`] : []),
    `${AuthHeader.WORKER}: ${encodeURIComponent(id.workerId)}`,
    `${AuthHeader.TOPOLOGY}: ${encodeURIComponent(id.topology)}`,
    `${AuthHeader.EPOCH}: ${id.epoch}`,
    `${AuthHeader.AUTH}: ${hmacHex(secret, serverMessage(clientNonce, id))}`,
  ];
}

/** Client side: checks the server's proof in the 101 response. */
export function verifyServerProof(
  secret: Buffer,
  clientNonce: string,
  headers: IncomingHttpHeaders,
  topology: string,
): { ok: true; identity: PeerIdentity } | { ok: false; reason: string } {
  const parsed = parseIdentity(headers);
  if (typeof parsed === 'string') return { ok: false, reason: `server proof ${parsed}` };
  const auth = one(headers[AuthHeader.AUTH]);
  if (auth === undefined || !HMAC_RE.test(auth)) return { ok: false, reason: 'server proof missing' };
  if (!sameDigest(auth, hmacHex(secret, serverMessage(clientNonce, parsed)))) return { ok: false, reason: 'server proof does not match the cluster secret' };
  if (parsed.topology !== topology) return { ok: false, reason: `server runs topology "${parsed.topology}", expected "${topology}"` };
  return { ok: true, identity: parsed };
}

export interface HandshakeVerifierOptions {
  secret: Buffer;
  /** Only peers of this topology are accepted. */
  topology: string;
  /** Accepted |client ts - server now|. Default 30 s. */
  windowMs?: number;
  /** Replay cache capacity; when full (only authenticated handshakes fill it), new ones get 503 busy. */
  maxNonces?: number;
  /** Wall clock in ms (injectable to test clock skew). */
  now?: () => number;
}

/**
 * Server side of the handshake. Checks, in order: protocol version (400/426), presence (401 missing),
 * syntax (400 malformed), HMAC (401 bad-hmac), timestamp window (401 expired), topology
 * (401 wrong-topology), nonce replay (401 replayed). Nonces are remembered until their timestamp leaves
 * the window, so a captured request cannot be replayed while it would still be fresh.
 */
export class HandshakeVerifier {
  private readonly windowMs: number;
  private readonly maxNonces: number;
  private readonly now: () => number;
  /** nonce → wall-clock ms after which its timestamp is out of the window anyway. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly opts: HandshakeVerifierOptions) {
    this.windowMs = opts.windowMs ?? DEFAULT_AUTH_WINDOW_MS;
    this.maxNonces = opts.maxNonces ?? DEFAULT_MAX_NONCES;
    this.now = opts.now ?? Date.now;
  }

  /** Nonces currently remembered. */
  get rememberedNonces(): number {
    return this.seen.size;
  }

  verify(headers: IncomingHttpHeaders): HandshakeResult {
    const proto = headers[AuthHeader.PROTOCOL];
    if (proto === undefined) return refuse(400, 'missing', `no ${AuthHeader.PROTOCOL} header (this worker speaks protocol ${PROTOCOL_VERSION})`);
    try {
      checkProtocolVersion(proto);
    } catch (err) {
      return refuse(426, 'protocol-version', (err as Error).message, { [AuthHeader.PROTOCOL]: String(PROTOCOL_VERSION) });
    }
    const missing = [AuthHeader.WORKER, AuthHeader.TOPOLOGY, AuthHeader.EPOCH, AuthHeader.TS, AuthHeader.NONCE, AuthHeader.AUTH].filter((h) => one(headers[h]) === undefined);
    if (missing.length > 0) return refuse(401, 'missing', `missing header(s) ${missing.join(', ')}`);
    const id = parseIdentity(headers);
    if (typeof id === 'string') return refuse(400, 'malformed', id);
    const tsText = one(headers[AuthHeader.TS])!;
    const nonce = one(headers[AuthHeader.NONCE])!;
    const auth = one(headers[AuthHeader.AUTH])!;
    if (!UINT_RE.test(tsText)) return refuse(400, 'malformed', `${AuthHeader.TS} is not a ms timestamp`, undefined, id);
    if (!NONCE_RE.test(nonce)) return refuse(400, 'malformed', `${AuthHeader.NONCE} must be 32 lower-case hex digits`, undefined, id);
    if (!HMAC_RE.test(auth)) return refuse(401, 'bad-hmac', `${AuthHeader.AUTH} must be 64 lower-case hex digits`, undefined, id);
    const ts = Number(tsText);
    if (!sameDigest(auth, hmacHex(this.opts.secret, clientMessage(nonce, ts, id)))) {
      return refuse(401, 'bad-hmac', 'signature does not match the cluster secret', undefined, id);
    }
    const now = this.now();
    if (Math.abs(now - ts) > this.windowMs) {
      return refuse(401, 'expired', `timestamp is ${Math.round((ts - now) / 1000)} s off the server clock (window ±${this.windowMs / 1000} s)`,
        { [AuthHeader.SERVER_TS]: String(Math.round(now)) }, id);
    }
    if (id.topology !== this.opts.topology) return refuse(401, 'wrong-topology', `peer is in topology "${id.topology}", this worker runs "${this.opts.topology}"`, undefined, id);
    this.prune(now);
    if (this.seen.has(nonce)) return refuse(401, 'replayed', 'nonce was already used', undefined, id);
    if (this.seen.size >= this.maxNonces) return refuse(503, 'busy', 'too many handshakes in the replay window', undefined, id);
    this.seen.set(nonce, ts + this.windowMs);
    return { ok: true, identity: id, nonce };
  }

  /** Drops nonces whose timestamp left the window (insertion order is roughly timestamp order). */
  private prune(now: number): void {
    for (const [nonce, expiresAt] of this.seen) {
      if (expiresAt >= now) break;
      this.seen.delete(nonce);
    }
  }
}

function refuse(
  status: number,
  reason: RefusalReason,
  detail: string,
  headers?: Record<string, string>,
  identity?: Partial<PeerIdentity>,
): HandshakeResult {
  return { ok: false, status, reason, detail, ...(headers ? { headers } : {}), ...(identity ? { identity } : {}) };
}

function one(v: string | string[] | undefined): string | undefined {
  if (Array.isArray(v)) return v.length === 1 ? v[0] : undefined;
  return v;
}

/** Parses worker/topology/epoch headers; returns a problem description when malformed. */
function parseIdentity(headers: IncomingHttpHeaders): PeerIdentity | string {
  const w = one(headers[AuthHeader.WORKER]);
  const t = one(headers[AuthHeader.TOPOLOGY]);
  const e = one(headers[AuthHeader.EPOCH]);
  if (w === undefined || t === undefined || e === undefined) return 'missing identity headers';
  let workerId: string;
  let topology: string;
  try {
    workerId = decodeURIComponent(w);
    topology = decodeURIComponent(t);
  } catch {
    return 'identity headers are not valid URI components';
  }
  if (workerId.length === 0 || workerId.length > MAX_NAME_LENGTH) return `${AuthHeader.WORKER} must have 1..${MAX_NAME_LENGTH} chars`;
  if (topology.length === 0 || topology.length > MAX_NAME_LENGTH) return `${AuthHeader.TOPOLOGY} must have 1..${MAX_NAME_LENGTH} chars`;
  if (!UINT_RE.test(e) || !Number.isSafeInteger(Number(e))) return `${AuthHeader.EPOCH} must be a non-negative integer`;
  return { workerId, topology, epoch: Number(e) };
}
