/**
 * The sending end of worker-to-worker traffic: one ws connection to one peer worker. This class only
 * composes the pieces and owns the connection's lifecycle:
 *   batcher.ts           records → frames (≤ flushCount records or ≤ flushMs, end-of-turn flush)
 *   send-buffer.ts       bounded buffering with hysteresis (`writable` / `drain`)
 *   client-handshake.ts  signed upgrade headers, server proof, what a 401/409 means (never: give up)
 *   reconnect.ts         backoff + jitter (retry.ts) between attempts
 *   keepalive.ts         application pings, judged by liveness.ts on this process's monotonic clock
 *   peer-socket.ts       one dialled socket and what its handshake said
 */
import WebSocket, { type RawData } from 'ws';
import type { Logger } from '../log.js';
import { Batcher } from './batcher.js';
import { ClientHandshake } from './client-handshake.js';
import { FrameError, TransportError } from './errors.js';
import { TypedEmitter } from './events.js';
import { checkTupleRecord, decodeFrame, FrameType, type Frame, type TupleRecord } from './frame-codec.js';
import { Keepalive } from './keepalive.js';
import { LivenessMonitor } from './liveness.js';
import { resolveClientOptions, toUrl, type PeerAddress, type PeerClientOptions, type ResolvedClientOptions } from './peer-client-options.js';
import { ReconnectSchedule } from './reconnect.js';
import { closeSocket, dialPeer, type PeerSocket } from './peer-socket.js';
import type { PeerClientEvents, PeerClientState, PeerClientStats } from './peer-client-types.js';
import { SendBuffer } from './send-buffer.js';
import { TurnCork } from './turn-cork.js';
import { BatchTrace } from './batch-trace.js';
import { Hop, hopTrace } from '../hop-trace.js';

export type { PeerAddress, PeerClientOptions } from './peer-client-options.js';
export type { PeerClientEvents, PeerClientState, PeerClientStats } from './peer-client-types.js';

export class PeerClient extends TypedEmitter<PeerClientEvents> {
  private readonly o: ResolvedClientOptions;
  private readonly log: Logger;
  private readonly handshake: ClientHandshake;
  private readonly batcher: Batcher;
  private readonly buffer: SendBuffer;
  private readonly reconnect: ReconnectSchedule;
  private readonly liveness: LivenessMonitor;
  private readonly keepalive: Keepalive;
  /** One socket write per event-loop turn for every frame of the turn (turn-cork.ts). */
  private readonly cork = new TurnCork();

  private url: string;
  private st: PeerClientState = 'idle';
  private conn: PeerSocket | null = null;
  /** Dial again without waiting once the current socket closes (address changed). */
  private reconnectNow = false;
  private openedAt = 0;
  private closing: Promise<void> | null = null;
  private readonly counters = { framesOut: 0, bytesOut: 0, recordsOut: 0, connects: 0, failedAttempts: 0, deadPeers: 0, droppedRecords: 0, mergedAcks: 0 };
  /**
   * Ack records of the open batch by tree root (see {@link sendAck}); valid while `ackBatch` equals
   * the batcher's flush count, i.e. while those records are not encoded yet.
   */
  private readonly openAcks = new Map<number, TupleRecord>();
  private ackBatch = -1;
  /** Made on the first sampled record while the hop trace is on (hop-trace.ts). */
  private trace: BatchTrace | null = null;

  constructor(opts: PeerClientOptions) {
    const o = resolveClientOptions(opts);
    super(o.log);
    this.o = o;
    this.log = o.log;
    this.url = o.url;
    this.handshake = new ClientHandshake(o.secret, o.identity, o.now, o.log);
    this.liveness = new LivenessMonitor(o.livenessTimeoutMs);
    this.keepalive = new Keepalive(this.liveness, o.pingIntervalMs, o.monotonic);
    this.reconnect = new ReconnectSchedule(o.backoff, Math.max(1000, o.pingIntervalMs), o.reconnectSchedule);
    this.buffer = new SendBuffer({
      maxBufferedBytes: o.maxBufferedBytes,
      maxBufferedFrames: o.maxBufferedFrames,
      socketBufferedBytes: () => (this.conn !== null && this.st === 'open' ? this.conn.ws.bufferedAmount : 0),
    });
    this.batcher = new Batcher({
      types: [FrameType.TUPLES],
      flushCount: o.flushCount,
      flushMs: o.flushMs,
      maxPayloadBytes: o.maxPayloadBytes,
      onFrame: (buf, records) => {
        this.write(buf, records);
        // after the write: a write that released the previous cork must not stamp this frame's records
        this.trace?.encoded(this.batcher.byTimer);
      },
      onDropped: (type, records, error) => {
        this.counters.droppedRecords += records.length;
        this.log.error({ url: this.url, type, code: error.code, err: error.message }, 'record cannot be sent; dropped');
        this.emit('dropped', { type, records, error });
      },
    });
    if (o.autoConnect) this.connect();
  }

  /** Connection state. */
  get state(): PeerClientState {
    return this.st;
  }

  /** True while an authenticated connection is open. */
  get connected(): boolean {
    return this.st === 'open';
  }

  /** True when `sendTuple()` would accept a record now. */
  get writable(): boolean {
    return this.st !== 'closed' && this.buffer.accepting;
  }

  /** Bytes held for this peer: the socket's `bufferedAmount` plus encoded frames waiting for a connection. */
  get bufferedBytes(): number {
    return this.buffer.bufferedBytes;
  }

  /** Milliseconds since the last pong (or since the connection opened), on the monotonic clock; Infinity if never connected. */
  get lastPongAgeMs(): number {
    return this.liveness.pongAgeMs(this.o.monotonic());
  }

  /** The address currently (re)connected to. */
  get address(): string {
    return this.url;
  }

  stats(): PeerClientStats {
    return {
      ...this.counters, socketWrites: this.cork.writes, refusedSends: this.buffer.refused, state: this.st, pendingFrames: this.buffer.pendingFrames,
      bufferedBytes: this.bufferedBytes, rttMs: this.liveness.rttMs, lastPongAgeMs: this.lastPongAgeMs,
    };
  }

  /**
   * Queues one tuple. Returns false, and does NOT queue it, when the buffer for this peer is full
   * (slow or absent peer): keep the tuple and try again after `drain`. Throws {@link FrameError} when the
   * record cannot be sent at all (bad field, value type, limit), and GALE_ERR_TRANSPORT_CLOSED after close.
   * System-stream tuples (acker traffic) use this too; the caller queues a refused one per peer rather
   * than refusing it upstream (cluster/worker.ts).
   */
  sendTuple(targetTask: number, sourceTask: number, stream: number | string, values: readonly unknown[], anchors: number[] | null = null): boolean {
    if (!this.admit()) return false;
    const rec: TupleRecord = [targetTask, sourceTask, stream, values as unknown[], anchors];
    if (this.o.validate) checkTupleRecord(rec, this.o.limits);
    if (hopTrace.on && anchors !== null) (this.trace ??= new BatchTrace(this.cork)).taken(Hop.DATA_ENQUEUE, anchors[0]!);
    this.batcher.add(FrameType.TUPLES, rec);
    return true;
  }

  /**
   * Queues an acker ack `[root, hi, lo]` for `targetTask`, or XOR-merges it into an ack for the same
   * root, target, source and stream that is still in the open batch. The acker only XORs what it
   * gets per tree, so one merged record has the same effect, in the same frame, as the two it
   * replaces (an acked word count sends about one ack per word, several per tree in one batch).
   * Returns false, like {@link sendTuple}, when the buffer is full and a new record was needed.
   * The numbers are the engine's own, so the sender-side record check is skipped (the peer still
   * checks every record it decodes).
   */
  sendAck(targetTask: number, sourceTask: number, stream: number, root: number, hi: number, lo: number): boolean {
    const flushes = this.batcher.flushes;
    if (this.ackBatch !== flushes) {
      this.openAcks.clear();
      this.ackBatch = flushes;
    } else {
      const open = this.openAcks.get(root);
      if (open !== undefined && open[0] === targetTask && open[1] === sourceTask && open[2] === stream) {
        const v = open[3] as number[];
        v[1] = (v[1]! ^ hi) | 0;
        v[2] = (v[2]! ^ lo) | 0;
        this.counters.mergedAcks++;
        return true;
      }
    }
    if (!this.admit()) return false;
    const rec: TupleRecord = [targetTask, sourceTask, stream, [root, hi | 0, lo | 0], null];
    if (hopTrace.on) (this.trace ??= new BatchTrace(this.cork)).taken(Hop.ACK_ENQUEUE, root);
    this.batcher.add(FrameType.TUPLES, rec);
    // Not remembered when adding it filled the batch (already encoded).
    if (this.batcher.flushes === flushes) this.openAcks.set(root, rec);
    return true;
  }

  /** Encodes and hands over every partial batch now. */
  flush(): void {
    this.batcher.flush();
  }

  /**
   * Points the client at a new address (assignments change). An open connection to the old address is
   * dropped and the new one is dialled at once; frames waiting for a connection go to the new peer.
   */
  setAddress(address: PeerAddress): void {
    const url = toUrl(address, this.o.tls !== undefined);
    if (url === this.url || this.st === 'closed') return;
    this.log.info({ from: this.url, to: url }, 'peer address changed');
    this.url = url;
    this.reconnect.reset();
    this.reconnect.attempt = 0;
    if (this.st === 'waiting' || this.st === 'idle') {
      this.reconnect.cancel();
      this.connect();
    } else if (this.conn !== null) {
      this.reconnectNow = true;
      this.conn.ws.terminate();
    }
  }

  /** Starts connecting when created with `autoConnect: false`. */
  start(): void {
    if (this.st === 'idle') this.connect();
  }

  /** Discards frames waiting for a connection (for example after their tuples timed out); returns how many. */
  clearPending(): number {
    const n = this.buffer.takeHeld().length;
    this.maybeDrain();
    return n;
  }

  /**
   * Flushes partial batches, closes the connection gracefully (waiting at most `closeTimeoutMs`) and
   * stops reconnecting. Frames still waiting for a connection are discarded. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    if (this.st === 'open') this.batcher.flush();
    this.batcher.clear();
    this.st = 'closed';
    this.reconnect.cancel();
    this.keepalive.stop();
    const pendingFrames = this.buffer.takeHeld().length;
    const ws = this.conn?.ws ?? null;
    this.closing = (ws === null ? Promise.resolve() : closeSocket(ws, this.o.closeTimeoutMs)).then(() => {
      this.conn = null;
      this.log.debug({ url: this.url, pendingFrames }, 'peer client closed');
      this.emit('closed', { pendingFrames });
    });
    return this.closing;
  }

  // ------------------------------------------------------------------------------------------
  // Buffering

  private admit(): boolean {
    if (this.st === 'closed') throw new TransportError('GALE_ERR_TRANSPORT_CLOSED', `peer client to ${this.url} is closed`);
    return this.buffer.admit();
  }

  private write(buf: Buffer, records: number): void {
    this.counters.recordsOut += records;
    const ws = this.conn?.ws;
    // a socket that is already closing would drop the frame; keep it for the next connection instead
    if (this.st === 'open' && ws !== undefined && ws.readyState === WebSocket.OPEN) this.sendNow(ws, buf);
    else this.buffer.hold(buf);
    this.buffer.wrote();
  }

  private sendNow(ws: WebSocket, buf: Buffer): void {
    this.counters.framesOut++;
    this.counters.bytesOut += buf.length;
    this.liveness.handed(buf.length);
    this.cork.before(ws);
    ws.send(buf, this.onSent);
  }

  /** ws calls this when a frame reached the kernel (or failed because the socket closed). */
  private readonly onSent = (): void => {
    this.maybeDrain();
  };

  private maybeDrain(): void {
    if (this.st === 'closed') return;
    const bufferedBytes = this.buffer.release();
    if (bufferedBytes !== undefined) this.emit('drain', { bufferedBytes });
  }

  // ------------------------------------------------------------------------------------------
  // Connection lifecycle

  private connect(): void {
    if (this.st === 'closed') return;
    this.st = 'connecting';
    const a = dialPeer(this.url, this.handshake, this.o);
    this.conn = a;
    a.ws.on('open', () => this.onOpen(a));
    a.ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(a, data, isBinary));
    a.ws.on('error', (err: Error) => {
      if (a === this.conn && a.error === undefined) a.error = err;
    });
    a.ws.on('close', (code: number, reason: Buffer) => this.onClose(a, code, reason.toString('utf8')));
  }

  private onOpen(a: PeerSocket): void {
    if (a !== this.conn || this.st === 'closed') return;
    const server = a.server;
    if (server === null) {
      a.ws.terminate(); // the 'upgrade' check failed (terminate raced with open)
      return;
    }
    this.st = 'open';
    this.counters.connects++;
    this.handshake.succeeded();
    const now = this.o.monotonic();
    this.openedAt = now;
    this.liveness.opened(now);
    const held = this.buffer.takeHeld();
    this.log.info({ url: this.url, server: server.workerId, serverEpoch: server.epoch, pendingFrames: held.length }, 'connected to peer');
    for (const buf of held) this.sendNow(a.ws, buf);
    this.keepalive.start(a.ws, () => a === this.conn && this.st === 'open', (lastPongAgeMs) => this.onDead(a, lastPongAgeMs));
    this.emit('open', { url: this.url, server, features: a.features, attempt: this.reconnect.attempt });
    this.reconnect.attempt = 0;
    this.maybeDrain();
  }

  private onMessage(a: PeerSocket, data: RawData, isBinary: boolean): void {
    if (a !== this.conn) return;
    let frame: Frame;
    try {
      if (!isBinary) throw new FrameError('GALE_ERR_FRAME_TYPE', 'text message from peer');
      frame = decodeFrame(data as Buffer, this.o.limits);
    } catch (err) {
      a.error = err as Error;
      this.log.warn({ url: this.url, err: (err as Error).message }, 'bad frame from peer; reconnecting');
      a.ws.terminate();
      return;
    }
    switch (frame[0]) {
      case FrameType.PONG:
        this.liveness.pong(frame[1], this.o.monotonic());
        return;
      case FrameType.CLOSE_REASON:
        a.closeReason = { code: frame[1], message: frame[2] };
        return;
      default:
        this.emit('frame', frame);
    }
  }

  private onClose(a: PeerSocket, code: number, reason: string): void {
    if (a !== this.conn) return;
    this.conn = null;
    this.keepalive.stop();
    if (this.st === 'closed') return; // close() resolves through its own listener
    const wasOpen = this.st === 'open';
    const url = this.url;
    const now = this.reconnectNow || a.retryNow;
    if (wasOpen) {
      this.reconnect.closedAfter(this.o.monotonic() - this.openedAt);
      const { closeReason, error } = a;
      this.log.warn({ url, code, reason, closeReason, err: error?.message }, 'peer connection lost');
      this.emit('disconnect', { url, code, reason, ...(closeReason ? { closeReason } : {}), ...(error ? { error } : {}) });
    }
    this.maybeDrain();
    if (this.st !== 'open' && this.st !== 'connecting') return; // closed by a listener
    if (!wasOpen) this.attemptFailed(a, url, code, now);
    if (this.isClosed()) return;
    this.reconnect.attempt++;
    const delay = now ? 0 : this.reconnect.take();
    this.reconnectNow = false;
    this.st = 'waiting';
    this.reconnect.wait(delay, () => this.connect());
  }

  /**
   * Reports a failed attempt. Every refusal is retried with backoff, 409 `stale-epoch` included:
   * a client that stopped for good would stall its worker while the peer is still assigned.
   */
  private attemptFailed(a: PeerSocket, url: string, code: number, now: boolean): void {
    this.counters.failedAttempts++;
    const { refusal } = a;
    const attempt = this.reconnect.attempt;
    const error = refusal?.error ?? a.error ?? new TransportError('GALE_ERR_PEER_REFUSED', `${url}: connection closed during the handshake (${code})`);
    const retryInMs = now ? 0 : this.reconnect.peek();
    // A refusal or a certificate the peer or we reject will not heal by retrying: say it loudly.
    const level = refusal !== null || isTlsFailure(error) ? 'warn' : attempt === 0 ? 'info' : 'debug';
    this.log[level]({ url, attempt, status: refusal?.status, reason: refusal?.reason, err: error.message, retryInMs }, 'connection attempt failed');
    this.emit('connect.error', { url, attempt, error, retryInMs, ...(refusal ? { status: refusal.status, reason: refusal.reason } : {}) });
  }

  /** A method, not a property read, so TypeScript does not narrow `st` across calls that may close. */
  private isClosed(): boolean {
    return this.st === 'closed';
  }

  private onDead(a: PeerSocket, pongAge: number): void {
    this.counters.deadPeers++;
    a.error = new TransportError('GALE_ERR_PEER_DEAD', `${this.url}: no pong for ${Math.round(pongAge)} ms`, { retriable: true });
    this.log.warn({ url: this.url, lastPongAgeMs: Math.round(pongAge) }, 'peer is not answering pings; dropping the connection');
    this.emit('dead', { url: this.url, lastPongAgeMs: pongAge });
    a.ws.terminate();
  }
}

/**
 * A TLS handshake that failed on a certificate (another CA, wrong host name, expired) or a TLS
 * alert from the peer (our client certificate refused, or TLS on one side only).
 */
function isTlsFailure(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|^ERR_TLS|^ERR_SSL|EPROTO/.test(code);
}
