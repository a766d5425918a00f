/**
 * The sending end of worker-to-worker traffic: one ws connection to one peer worker, with batching per
 * frame type, bounded buffering (refuses records instead of growing), reconnect with backoff to the
 * current address, and liveness from application pings judged on this process's monotonic clock.
 */
import { performance } from 'node:perf_hooks';
import WebSocket, { type RawData } from 'ws';
import type { IncomingMessage } from 'node:http';
import { ConfigError } from '../errors.js';
import { rootLog, type Logger } from '../log.js';
import { backoffDelays, type BackoffOptions } from '../retry.js';
import { AuthHeader, clientAuthHeaders, normalizeSecret, verifyServerProof, type PeerIdentity } from './auth.js';
import { FrameError, TransportError } from './errors.js';
import { TypedEmitter } from './events.js';
import { LivenessMonitor } from './liveness.js';
import {
  checkAckerRecord, checkNotifyRecord, checkTupleRecord, decodeFrame, encodeFrame, frameLimits, FrameType, DEFAULT_MAX_FRAME_BYTES,
  type AckerKindCode, type AckerRecord, type Frame, type FrameLimits, type NotifyKindCode, type NotifyRecord, type TupleRecord,
} from './frame-codec.js';

export type PeerAddress = string | { host: string; port: number };

export interface PeerClientOptions {
  /** `ws://host:port/` of the peer, or host + port. Change it later with {@link PeerClient.setAddress}. */
  address: PeerAddress;
  /** Cluster secret (at least 16 bytes). */
  secret: string | Uint8Array;
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
}

export type PeerClientState = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed';

export interface PeerClientEvents {
  /** Connected and authenticated both ways; `server` is the identity the peer proved. */
  open: { url: string; server: PeerIdentity; attempt: number };
  /** An open connection ended; frames still in its socket buffer are lost (tuple trees replay). */
  disconnect: { url: string; code: number; reason: string; closeReason?: { code: string; message: string }; error?: Error };
  /** A connection attempt failed (refused, unreachable, timeout); `retryInMs` < 0 when giving up. */
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
  bytesOut: number;
  recordsOut: number;
  /** send*() calls refused because the buffer was full. */
  refusedSends: number;
  pendingFrames: number;
  bufferedBytes: number;
  connects: number;
  failedAttempts: number;
  deadPeers: number;
  droppedRecords: number;
  rttMs: number;
  lastPongAgeMs: number;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 5_000, factor: 2, jitter: 0.2 };

export class PeerClient extends TypedEmitter<PeerClientEvents> {
  private readonly secret: Buffer;
  private readonly identity: PeerIdentity;
  private readonly limits: Readonly<FrameLimits>;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly mono: () => number;
  private readonly maxBufferedBytes: number;
  private readonly maxBufferedFrames: number;
  private readonly flushCount: number;
  private readonly flushMs: number;
  private readonly maxPayloadBytes: number;
  private readonly validate: boolean;
  private readonly pingIntervalMs: number;
  private readonly backoff: BackoffOptions;

  private url: string;
  private st: PeerClientState = 'idle';
  private ws: WebSocket | null = null;
  private delays: Iterator<number>;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectNow = false;
  private clockOffsetMs = 0;
  private skewRetried = false;
  /** Set during a failed attempt: why the server refused, and whether retrying is pointless. */
  private refusal: { error: TransportError; status: number; reason: string; fatal: boolean } | null = null;
  private closeReason: { code: string; message: string } | undefined;
  private lastError: Error | undefined;
  private openedAt = 0;

  private tuples: TupleRecord[] = [];
  private acks: AckerRecord[] = [];
  private notes: NotifyRecord[] = [];
  private flushHandle: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Set when a write crossed the bound; cleared once the buffer is down to half (hysteresis). */
  private full = false;
  private needDrain = false;

  private pingTimer: NodeJS.Timeout | null = null;
  private readonly liveness: LivenessMonitor;

  private closing: Promise<void> | null = null;
  private readonly counters = { framesOut: 0, bytesOut: 0, recordsOut: 0, refusedSends: 0, connects: 0, failedAttempts: 0, deadPeers: 0, droppedRecords: 0 };

  constructor(opts: PeerClientOptions) {
    const log = (opts.log ?? rootLog).child({ component: 'transport', role: 'client', topology: opts.topology, workerId: opts.workerId });
    super(log);
    this.log = log;
    this.secret = normalizeSecret(opts.secret);
    this.identity = { topology: opts.topology, workerId: opts.workerId, epoch: opts.epoch };
    this.maxPayloadBytes = opts.maxPayloadBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.limits = frameLimits({ ...opts.limits, maxFrameBytes: this.maxPayloadBytes });
    this.now = opts.now ?? Date.now;
    this.mono = opts.monotonic ?? (() => performance.now());
    this.maxBufferedBytes = positive('maxBufferedBytes', opts.maxBufferedBytes ?? 4 * 1024 * 1024);
    this.maxBufferedFrames = positive('maxBufferedFrames', opts.maxBufferedFrames ?? 1024);
    this.flushCount = positive('flushCount', opts.flushCount ?? 100);
    this.flushMs = opts.flushMs ?? 1;
    this.validate = opts.validate ?? true;
    this.pingIntervalMs = positive('pingIntervalMs', opts.pingIntervalMs ?? 1000);
    this.liveness = new LivenessMonitor(positive('livenessTimeoutMs', opts.livenessTimeoutMs ?? 5000));
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.delays = backoffDelays(this.backoff);
    this.url = toUrl(opts.address);
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    this.closeTimeoutMs = opts.closeTimeoutMs ?? 1000;
    if (opts.autoConnect ?? true) this.connect();
  }

  private readonly connectTimeoutMs: number;
  private readonly closeTimeoutMs: number;

  /** Connection state. */
  get state(): PeerClientState {
    return this.st;
  }

  /** True while an authenticated connection is open. */
  get connected(): boolean {
    return this.st === 'open';
  }

  /** True when `send*()` would accept a record now. */
  get writable(): boolean {
    return this.st !== 'closed' && !this.full;
  }

  /** Bytes held for this peer: the socket's `bufferedAmount` plus encoded frames waiting for a connection. */
  get bufferedBytes(): number {
    return this.pendingBytes + (this.ws !== null && this.st === 'open' ? this.ws.bufferedAmount : 0);
  }

  /** Milliseconds since the last pong (or since the connection opened), on the monotonic clock; Infinity if never connected. */
  get lastPongAgeMs(): number {
    return this.liveness.pongAgeMs(this.mono());
  }

  /** The address currently (re)connected to. */
  get address(): string {
    return this.url;
  }

  stats(): PeerClientStats {
    return {
      ...this.counters, state: this.st, pendingFrames: this.pending.length, bufferedBytes: this.bufferedBytes, rttMs: this.liveness.rttMs, lastPongAgeMs: this.lastPongAgeMs,
    };
  }

  /**
   * Queues one tuple. Returns false, and does NOT queue it, when the buffer for this peer is full
   * (slow or absent peer): keep the tuple and try again after `drain`. Throws {@link FrameError} when the
   * record cannot be sent at all (bad field, value type, limit), and GALE_ERR_TRANSPORT_CLOSED after close.
   */
  sendTuple(targetTask: number, sourceTask: number, stream: number | string, values: readonly unknown[], anchors: number[] | null = null): boolean {
    if (!this.admit()) return false;
    const rec: TupleRecord = [targetTask, sourceTask, stream, values as unknown[], anchors];
    if (this.validate) checkTupleRecord(rec, this.limits);
    if (this.tuples.push(rec) >= this.flushCount) this.flushType(FrameType.TUPLES);
    else this.scheduleFlush();
    return true;
  }

  /** Queues one acker message; same contract as {@link sendTuple}. */
  sendAcker(kind: AckerKindCode, root: number, hi = 0, lo = 0, spoutTask = 0): boolean {
    if (!this.admit()) return false;
    const rec: AckerRecord = [kind, root, hi, lo, spoutTask];
    if (this.validate) checkAckerRecord(rec);
    if (this.acks.push(rec) >= this.flushCount) this.flushType(FrameType.ACKER);
    else this.scheduleFlush();
    return true;
  }

  /** Queues one tree outcome for a spout task; same contract as {@link sendTuple}. */
  sendSpoutNotify(kind: NotifyKindCode, spoutTask: number, root: number): boolean {
    if (!this.admit()) return false;
    const rec: NotifyRecord = [kind, spoutTask, root];
    if (this.validate) checkNotifyRecord(rec);
    if (this.notes.push(rec) >= this.flushCount) this.flushType(FrameType.SPOUT_NOTIFY);
    else this.scheduleFlush();
    return true;
  }

  /** Encodes and hands over every partial batch now. */
  flush(): void {
    this.cancelFlush();
    if (this.tuples.length > 0) this.flushType(FrameType.TUPLES);
    if (this.acks.length > 0) this.flushType(FrameType.ACKER);
    if (this.notes.length > 0) this.flushType(FrameType.SPOUT_NOTIFY);
  }

  /**
   * Points the client at a new address (assignments change). An open connection to the old address is
   * dropped and the new one is dialled at once; frames waiting for a connection go to the new peer.
   */
  setAddress(address: PeerAddress): void {
    const url = toUrl(address);
    if (url === this.url || this.st === 'closed') return;
    this.log.info({ from: this.url, to: url }, 'peer address changed');
    this.url = url;
    this.delays = backoffDelays(this.backoff);
    this.attempt = 0;
    if (this.st === 'waiting' || this.st === 'idle') {
      if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      this.connect();
    } else if (this.ws !== null) {
      this.reconnectNow = true;
      this.ws.terminate();
    }
  }

  /** Starts connecting when created with `autoConnect: false`. */
  start(): void {
    if (this.st === 'idle') this.connect();
  }

  /** Discards frames waiting for a connection (for example after their tuples timed out); returns how many. */
  clearPending(): number {
    const n = this.pending.length;
    this.pending = [];
    this.pendingBytes = 0;
    this.maybeDrain();
    return n;
  }

  /**
   * Flushes partial batches, closes the connection gracefully (waiting at most `closeTimeoutMs`) and
   * stops reconnecting. Frames still waiting for a connection are discarded. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    const wasOpen = this.st === 'open';
    if (wasOpen) this.flush();
    this.cancelFlush();
    this.tuples = [];
    this.acks = [];
    this.notes = [];
    this.st = 'closed';
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopPing();
    const pendingFrames = this.pending.length;
    this.pending = [];
    this.pendingBytes = 0;
    const ws = this.ws;
    this.closing = new Promise<void>((resolve) => {
      if (ws === null || ws.readyState === WebSocket.CLOSED) {
        resolve();
        return;
      }
      const kill = setTimeout(() => ws.terminate(), this.closeTimeoutMs);
      ws.once('close', () => {
        clearTimeout(kill);
        resolve();
      });
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'client closing');
      else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    }).then(() => {
      this.ws = null;
      this.log.debug({ url: this.url, pendingFrames }, 'peer client closed');
      this.emit('closed', { pendingFrames });
    });
    return this.closing;
  }

  // ------------------------------------------------------------------------------------------
  // Batching and buffering

  private hasRoom(): boolean {
    return this.bufferedBytes < this.maxBufferedBytes && this.pending.length < this.maxBufferedFrames;
  }

  private admit(): boolean {
    if (this.st === 'closed') throw new TransportError('GALE_ERR_TRANSPORT_CLOSED', `peer client to ${this.url} is closed`);
    // a flag, not a look at bufferedAmount: this runs for every record, the buffer only grows on write()
    if (!this.full) return true;
    this.needDrain = true;
    this.counters.refusedSends++;
    return false;
  }

  private scheduleFlush(): void {
    if (this.flushHandle !== null) return;
    this.flushHandle = this.flushMs <= 0 ? setImmediate(this.flushTimerFired) : setTimeout(this.flushTimerFired, this.flushMs);
  }

  private cancelFlush(): void {
    if (this.flushHandle === null) return;
    if (this.flushMs <= 0) clearImmediate(this.flushHandle as NodeJS.Immediate);
    else clearTimeout(this.flushHandle as NodeJS.Timeout);
    this.flushHandle = null;
  }

  private readonly flushTimerFired = (): void => {
    this.flushHandle = null;
    this.flush();
  };

  private flushType(type: typeof FrameType.TUPLES | typeof FrameType.ACKER | typeof FrameType.SPOUT_NOTIFY): void {
    let recs: unknown[];
    if (type === FrameType.TUPLES) {
      recs = this.tuples;
      this.tuples = [];
    } else if (type === FrameType.ACKER) {
      recs = this.acks;
      this.acks = [];
    } else {
      recs = this.notes;
      this.notes = [];
    }
    this.encodeAndWrite(type, recs);
  }

  /** Encodes a batch; a frame over `maxPayloadBytes` is split in halves until each part fits. */
  private encodeAndWrite(type: number, recs: unknown[]): void {
    let buf: Buffer | null = null;
    let error: FrameError | null = null;
    try {
      buf = encodeFrame([type, recs] as Frame);
      if (buf.length > this.maxPayloadBytes) {
        error = new FrameError('GALE_ERR_FRAME_TOO_LARGE', `a ${buf.length}-byte frame exceeds maxPayloadBytes ${this.maxPayloadBytes}`);
        buf = null;
      }
    } catch (err) {
      error = err instanceof FrameError ? err : new FrameError('GALE_ERR_FRAME_SCHEMA', String(err));
    }
    if (buf !== null) {
      this.write(buf, recs.length);
      return;
    }
    if (recs.length > 1) {
      const mid = recs.length >>> 1;
      this.encodeAndWrite(type, recs.slice(0, mid));
      this.encodeAndWrite(type, recs.slice(mid));
      return;
    }
    this.counters.droppedRecords += recs.length;
    this.log.error({ url: this.url, type, code: error!.code, err: error!.message }, 'record cannot be sent; dropped');
    this.emit('dropped', { type, records: recs, error: error! });
  }

  private write(buf: Buffer, records: number): void {
    this.counters.recordsOut += records;
    // a socket that is already closing would drop the frame; keep it for the next connection instead
    if (this.st === 'open' && this.ws !== null && this.ws.readyState === WebSocket.OPEN) {
      this.sendNow(this.ws, buf);
    } else {
      this.pending.push(buf);
      this.pendingBytes += buf.length;
    }
    if (!this.full && !this.hasRoom()) this.full = true;
  }

  private sendNow(ws: WebSocket, buf: Buffer): void {
    this.counters.framesOut++;
    this.counters.bytesOut += buf.length;
    this.liveness.handed(buf.length);
    ws.send(buf, this.onSent);
  }

  /** ws calls this when a frame reached the kernel (or failed because the socket closed). */
  private readonly onSent = (): void => {
    this.maybeDrain();
  };

  private maybeDrain(): void {
    if (!this.full || this.st === 'closed') return;
    const buffered = this.bufferedBytes;
    if (buffered <= this.maxBufferedBytes / 2 && this.pending.length <= this.maxBufferedFrames / 2) {
      this.full = false;
      if (this.needDrain) {
        this.needDrain = false;
        this.emit('drain', { bufferedBytes: buffered });
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Connection lifecycle

  private connect(): void {
    if (this.st === 'closed') return;
    this.st = 'connecting';
    this.refusal = null;
    this.closeReason = undefined;
    this.lastError = undefined;
    const url = this.url;
    const headers = clientAuthHeaders(this.secret, this.identity, this.now() + this.clockOffsetMs);
    const nonce = headers[AuthHeader.NONCE]!;
    const ws = new WebSocket(url, {
      headers,
      perMessageDeflate: false,
      maxPayload: this.maxPayloadBytes,
      handshakeTimeout: this.connectTimeoutMs,
      followRedirects: false,
      skipUTF8Validation: true,
    });
    this.ws = ws;
    let server: PeerIdentity | null = null;
    ws.on('upgrade', (res: IncomingMessage) => {
      const proof = verifyServerProof(this.secret, nonce, res.headers, this.identity.topology);
      if (proof.ok) {
        server = proof.identity;
        return;
      }
      this.refusal = { error: new TransportError('GALE_ERR_PEER_REFUSED', `${url}: ${proof.reason}`), status: 101, reason: 'bad-server-proof', fatal: false };
      ws.terminate();
    });
    ws.on('unexpected-response', (_req: unknown, res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const reason = headerText(res.headers[AuthHeader.REASON]) ?? 'unknown';
      const serverTs = Number(headerText(res.headers[AuthHeader.SERVER_TS]));
      if (reason === 'expired' && Number.isFinite(serverTs) && !this.skewRetried) {
        // our wall clock disagrees with the peer's: adopt its clock for the timestamp and retry at once
        this.clockOffsetMs = serverTs - this.now();
        this.skewRetried = true;
        this.reconnectNow = true;
        this.log.warn({ url, clockOffsetMs: this.clockOffsetMs }, 'handshake timestamp refused as expired; correcting for clock skew');
      }
      const fatal = reason === 'stale-epoch';
      this.refusal = {
        error: new TransportError('GALE_ERR_PEER_REFUSED', `${url} refused the connection: ${status} ${reason}`, { retriable: !fatal }), status, reason, fatal,
      };
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => this.onOpen(ws, server));
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(ws, data, isBinary));
    ws.on('error', (err: Error) => {
      if (ws === this.ws && this.lastError === undefined) this.lastError = err;
    });
    ws.on('close', (code: number, reason: Buffer) => this.onClose(ws, code, reason.toString('utf8')));
  }

  private onOpen(ws: WebSocket, server: PeerIdentity | null): void {
    if (ws !== this.ws || this.st === 'closed') return;
    if (server === null) {
      ws.terminate(); // the 'upgrade' check failed (terminate raced with open)
      return;
    }
    this.st = 'open';
    this.counters.connects++;
    this.skewRetried = false;
    const now = this.mono();
    this.openedAt = now;
    this.liveness.opened(now);
    this.log.info({ url: this.url, server: server.workerId, serverEpoch: server.epoch, pendingFrames: this.pending.length }, 'connected to peer');
    const queued = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const buf of queued) this.sendNow(ws, buf);
    this.pingTimer = setInterval(this.pingTick, this.pingIntervalMs);
    this.pingTimer.unref();
    this.emit('open', { url: this.url, server, attempt: this.attempt });
    this.attempt = 0;
    this.maybeDrain();
  }

  private onMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
    if (ws !== this.ws) return;
    let frame: Frame;
    try {
      if (!isBinary) throw new FrameError('GALE_ERR_FRAME_TYPE', 'text message from peer');
      frame = decodeFrame(data as Buffer, this.limits);
    } catch (err) {
      this.lastError = err as Error;
      this.log.warn({ url: this.url, err: (err as Error).message }, 'bad frame from peer; reconnecting');
      ws.terminate();
      return;
    }
    switch (frame[0]) {
      case FrameType.PONG: {
        this.liveness.pong(frame[1], this.mono());
        return;
      }
      case FrameType.CLOSE_REASON:
        this.closeReason = { code: frame[1], message: frame[2] };
        return;
      default:
        this.emit('frame', frame);
    }
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = null;
    this.stopPing();
    if (this.st === 'closed') return; // close() resolves through its own listener
    const wasOpen = this.st === 'open';
    const url = this.url;
    if (wasOpen) {
      // a connection that stayed up a while proves the address good: start backing off from scratch
      if (this.mono() - this.openedAt >= Math.max(1000, this.pingIntervalMs)) this.delays = backoffDelays(this.backoff);
      const closeReason = this.closeReason;
      this.log.warn({ url, code, reason, closeReason, err: this.lastError?.message }, 'peer connection lost');
      this.emit('disconnect', { url, code, reason, ...(closeReason ? { closeReason } : {}), ...(this.lastError ? { error: this.lastError } : {}) });
    }
    this.maybeDrain();
    if (this.st !== 'open' && this.st !== 'connecting') return; // closed by a listener
    const refusal = this.refusal;
    if (!wasOpen) {
      this.counters.failedAttempts++;
      const error = refusal?.error ?? this.lastError ?? new TransportError('GALE_ERR_PEER_REFUSED', `${url}: connection closed during the handshake (${code})`);
      const retryInMs = refusal?.fatal ? -1 : this.reconnectNow ? 0 : this.peekDelay();
      const level = refusal !== null ? 'warn' : this.attempt === 0 ? 'info' : 'debug';
      this.log[level]({ url, attempt: this.attempt, status: refusal?.status, reason: refusal?.reason, err: error.message, retryInMs }, 'connection attempt failed');
      this.emit('connect.error', {
        url, attempt: this.attempt, error, retryInMs, ...(refusal ? { status: refusal.status, reason: refusal.reason } : {}),
      });
      if (refusal?.fatal) {
        this.log.error({ url, reason: refusal.reason }, 'peer refused this worker permanently; client stops');
        void this.close();
        return;
      }
    }
    if (this.isClosed()) return;
    this.attempt++;
    const delay = this.reconnectNow ? 0 : this.takeDelay();
    this.reconnectNow = false;
    this.st = 'waiting';
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private nextDelay: number | null = null;

  /** A method, not a property read, so TypeScript does not narrow `st` across calls that may close. */
  private isClosed(): boolean {
    return this.st === 'closed';
  }

  private peekDelay(): number {
    if (this.nextDelay === null) this.nextDelay = this.delays.next().value as number;
    return this.nextDelay;
  }

  private takeDelay(): number {
    const d = this.peekDelay();
    this.nextDelay = null;
    return d;
  }

  private readonly pingTick = (): void => {
    const ws = this.ws;
    if (ws === null || this.st !== 'open' || ws.readyState !== WebSocket.OPEN) return;
    const now = this.mono();
    if (this.liveness.isDead(now, ws.bufferedAmount)) {
      const pongAge = this.liveness.pongAgeMs(now);
      this.counters.deadPeers++;
      this.lastError = new TransportError('GALE_ERR_PEER_DEAD', `${this.url}: no pong for ${Math.round(pongAge)} ms`, { retriable: true });
      this.log.warn({ url: this.url, lastPongAgeMs: Math.round(pongAge) }, 'peer is not answering pings; dropping the connection');
      this.emit('dead', { url: this.url, lastPongAgeMs: pongAge });
      ws.terminate();
      return;
    }
    const ping = encodeFrame([FrameType.PING, this.liveness.nextPing(now)]);
    this.liveness.handed(ping.length);
    ws.send(ping);
  };

  private stopPing(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }
}

function toUrl(address: PeerAddress): string {
  let url: string;
  if (typeof address === 'string') {
    url = address;
  } else {
    if (!Number.isInteger(address.port) || address.port <= 0 || address.port > 65535) {
      throw new ConfigError('GALE_ERR_TRANSPORT_OPTION', `peer port must be 1..65535 (got ${address.port})`);
    }
    url = `ws://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}/`;
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
  return url;
}

function headerText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function positive(name: string, v: number): number {
  if (!(v > 0)) throw new ConfigError('GALE_ERR_TRANSPORT_OPTION', `peer client option ${name} must be > 0 (got ${v})`);
  return v;
}
