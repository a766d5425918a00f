/** PeerClient's options: their documentation, defaults and checks, in one place. */
import { ConfigError } from '../errors.js';
import { rootLog, type Logger } from '../log.js';
import type { BackoffOptions } from '../retry.js';
import { normalizeSecret, type PeerIdentity } from './auth.js';
import { DEFAULT_MAX_FRAME_BYTES, frameLimits, type FrameLimits } from './frame-codec.js';
import { DEFAULT_RECONNECT_BACKOFF } from './reconnect.js';
import { timeoutSchedule, type Schedule } from './schedule.js';
import type { TlsMaterial } from './tls.js';

export type PeerAddress = string | { host: string; port: number };

export interface PeerClientOptions {
  /** `ws://host:port/` of the peer, or host + port. Change it later with {@link PeerClient.setAddress}. */
  address: PeerAddress;
  /** Cluster secret (at least 16 bytes). */
  secret: string | Uint8Array;
  /**
   * Dial `wss` (TLS, tls.ts): the server's certificate must be signed by `tls.ca` (else the
   * system's CAs) for the host dialled; this host's certificate is presented for mutual TLS.
   */
  tls?: TlsMaterial;
  /** This worker's topology, id and launch epoch (signed into every handshake). */
  topology: string;
  workerId: string;
  epoch: number;
  /** Bound on bytes held for this peer: socket buffer + encoded frames waiting. Default 4 MiB. */
  maxBufferedBytes?: number;
  /** Bound on encoded frames held while disconnected. Default 1024. */
  maxBufferedFrames?: number;
  /** Records per frame that trigger an immediate flush. Default 100. */
  flushCount?: number;
  /** Longest a record waits for its batch to fill, in ms; 0 flushes at the end of the event-loop turn. Default 1. */
  flushMs?: number;
  /** Largest frame to send (must not exceed the peer's `maxPayloadBytes`); larger batches are split. Default 4 MiB. */
  maxPayloadBytes?: number;
  limits?: Partial<Omit<FrameLimits, 'maxFrameBytes'>>;
  /** Check each record (and its values) when accepted, so a bad value throws at the emitter. Default true. */
  validate?: boolean;
  /** PING period. Default 1000 ms. */
  pingIntervalMs?: number;
  /** Declare the peer dead after this long without a pong (and without write progress). Default 5000 ms. */
  livenessTimeoutMs?: number;
  /** Upgrade handshake timeout. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Reconnect delays. Default initial 100 ms, max 5 s, factor 2, jitter 0.2. */
  backoff?: Partial<BackoffOptions>;
  /** How long `close()` waits for the close handshake. Default 1000 ms. */
  closeTimeoutMs?: number;
  /** Start connecting in the constructor. Default true. */
  autoConnect?: boolean;
  log?: Logger;
  /** Wall clock (ms) for handshake timestamps. */
  now?: () => number;
  /** Monotonic clock (ms) for liveness. */
  monotonic?: () => number;
  /** Timer for the waits between connection attempts (tests drive reconnects with a manual one). Default setTimeout. */
  reconnectSchedule?: Schedule;
}

/** Options with defaults applied and checked; read-only inside the client. */
export interface ResolvedClientOptions {
  readonly url: string;
  readonly secret: Buffer;
  readonly tls: TlsMaterial | undefined;
  readonly identity: PeerIdentity;
  readonly limits: Readonly<FrameLimits>;
  readonly maxBufferedBytes: number;
  readonly maxBufferedFrames: number;
  readonly flushCount: number;
  readonly flushMs: number;
  readonly maxPayloadBytes: number;
  readonly validate: boolean;
  readonly pingIntervalMs: number;
  readonly livenessTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly backoff: BackoffOptions;
  readonly closeTimeoutMs: number;
  readonly autoConnect: boolean;
  readonly log: Logger;
  readonly now: () => number;
  readonly monotonic: () => number;
  readonly reconnectSchedule: Schedule;
}

export function resolveClientOptions(opts: PeerClientOptions): ResolvedClientOptions {
  const maxPayloadBytes = opts.maxPayloadBytes ?? DEFAULT_MAX_FRAME_BYTES;
  return {
    log: (opts.log ?? rootLog).child({ component: 'transport', role: 'client', topology: opts.topology, workerId: opts.workerId }),
    secret: normalizeSecret(opts.secret),
    identity: { topology: opts.topology, workerId: opts.workerId, epoch: opts.epoch },
    maxPayloadBytes,
    limits: frameLimits({ ...opts.limits, maxFrameBytes: maxPayloadBytes }),
    now: opts.now ?? Date.now,
    monotonic: opts.monotonic ?? (() => performance.now()),
    reconnectSchedule: opts.reconnectSchedule ?? timeoutSchedule,
    maxBufferedBytes: positive('maxBufferedBytes', opts.maxBufferedBytes ?? 4 * 1024 * 1024),
    maxBufferedFrames: positive('maxBufferedFrames', opts.maxBufferedFrames ?? 1024),
    flushCount: positive('flushCount', opts.flushCount ?? 100),
    flushMs: opts.flushMs ?? 1,
    validate: opts.validate ?? true,
    pingIntervalMs: positive('pingIntervalMs', opts.pingIntervalMs ?? 1000),
    livenessTimeoutMs: positive('livenessTimeoutMs', opts.livenessTimeoutMs ?? 5000),
    backoff: { ...DEFAULT_RECONNECT_BACKOFF, ...opts.backoff },
    url: toUrl(opts.address, opts.tls !== undefined),
    tls: opts.tls,
    connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
    closeTimeoutMs: opts.closeTimeoutMs ?? 1000,
    autoConnect: opts.autoConnect ?? true,
  };
}

/**
 * `ws://host:port/` (`wss://` when `secure`) for an address; throws GALE_ERR_TRANSPORT_OPTION for
 * anything but a ws(s) URL, or a `ws://` URL when `secure` (TLS must not be silently skipped).
 */
export function toUrl(address: PeerAddress, secure = false): string {
  let url: string;
  if (typeof address === 'string') {
    url = address;
  } else {
    if (!Number.isInteger(address.port) || address.port <= 0 || address.port > 65535) {
      throw new ConfigError('GALE_ERR_TRANSPORT_OPTION', `peer port must be 1..65535 (got ${address.port})`);
    }
    url = `${secure ? 'wss' : 'ws'}://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}/`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('GALE_ERR_TRANSPORT_OPTION', `peer address "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new ConfigError('GALE_ERR_TRANSPORT_OPTION', `peer address "${url}" must be ws:// or wss://`);
  }
  if (secure && parsed.protocol !== 'wss:') {
    throw new ConfigError('GALE_ERR_TRANSPORT_OPTION', `peer address "${url}" must be wss:// when TLS is configured`);
  }
  return url;
}

function positive(name: string, v: number): number {
  if (!(v > 0)) throw new ConfigError('GALE_ERR_TRANSPORT_OPTION', `peer client option ${name} must be > 0 (got ${v})`);
  return v;
}
