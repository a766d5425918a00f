/**
 * The receiving end of worker-to-worker traffic: an http server whose `upgrade` handler authenticates
 * (auth.ts) before ws ever sees the socket, then one ws connection per peer. A bad frame, an oversize
 * message or a protocol error closes only the connection it came on.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { rootLog, type Logger } from '../log.js';
import { AuthHeader, HandshakeVerifier, normalizeSecret, serverProofHeaders, type PeerIdentity, type RefusalReason } from './auth.js';
import { FrameError, TransportError } from './errors.js';
import { TypedEmitter } from './events.js';
import { decodeFrame, encodeFrame, FrameType, frameLimits, DEFAULT_MAX_FRAME_BYTES, type Frame, type FrameLimits } from './frame-codec.js';

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
  /** Extra admission check after authentication (fencing): return a reason to refuse with 403. */
  admit?: (identity: PeerIdentity) => string | undefined;
  /** How long a closing connection may take to finish the close handshake before it is destroyed. Default 1000 ms. */
  closeTimeoutMs?: number;
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

interface Conn {
  readonly ws: WebSocket;
  readonly peer: PeerInfo;
  closing: boolean;
  killTimer: NodeJS.Timeout | null;
}

const RUNNING = 0;
const CLOSING = 1;
const CLOSED = 2;

/** ws close code used when a newer epoch of the same worker connects. */
export const CLOSE_SUPERSEDED = 4001;
/** ws close code used by `disconnect()` without a code. */
export const CLOSE_BY_SERVER = 4000;
const MAX_EPOCHS_REMEMBERED = 10_000;

export class PeerServer extends TypedEmitter<PeerServerEvents> {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly verifier: HandshakeVerifier;
  private readonly secret: Buffer;
  private readonly limits: Readonly<FrameLimits>;
  private readonly log: Logger;
  private readonly conns = new Map<number, Conn>();
  /** workerId → highest epoch accepted. */
  private readonly epochs = new Map<string, number>();
  private readonly identity: PeerIdentity;
  private readonly closeTimeoutMs: number;
  private state = RUNNING;
  private pausedAll = false;
  private nextId = 0;
  private boundPort = 0;
  private closing: Promise<void> | null = null;
  private readonly counters: PeerServerStats = {
    connections: 0, accepted: 0, refused: {}, framesIn: 0, bytesIn: 0, recordsIn: 0, frameErrors: {}, superseded: 0, listenerErrors: 0,
  };

  /** Starts a server and resolves once it listens. Rejects with GALE_ERR_PORT_IN_USE naming the port. */
  static async listen(opts: PeerServerOptions): Promise<PeerServer> {
    const server = new PeerServer(opts);
    await server.start(opts.host ?? '127.0.0.1', opts.port);
    return server;
  }

  private constructor(private readonly opts: PeerServerOptions) {
    const log = (opts.log ?? rootLog).child({ component: 'transport', role: 'server', topology: opts.topology });
    super(log);
    this.log = log;
    this.secret = normalizeSecret(opts.secret);
    const maxPayload = opts.maxPayloadBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.limits = frameLimits({ ...opts.limits, maxFrameBytes: maxPayload });
    this.closeTimeoutMs = opts.closeTimeoutMs ?? 1000;
    this.identity = { workerId: opts.workerId ?? `pid-${process.pid}`, topology: opts.topology, epoch: opts.epoch ?? 0 };
    this.verifier = new HandshakeVerifier({
      secret: this.secret, topology: opts.topology, ...(opts.authWindowMs !== undefined ? { windowMs: opts.authWindowMs } : {}), ...(opts.now ? { now: opts.now } : {}),
    });
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload,
      clientTracking: false,
      skipUTF8Validation: true,
    });
    this.wss.on('headers', (headers: string[], req: IncomingMessage) => {
      const nonce = req.headers[AuthHeader.NONCE];
      if (typeof nonce === 'string') headers.push(...serverProofHeaders(this.secret, nonce, this.identity));
    });
    this.http = createServer((req, res) => {
      // plain HTTP requests (health probes, browsers): say what this port is, nothing else
      res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
      res.end('gale worker transport: WebSocket upgrade required\n');
      req.resume();
    });
    this.http.headersTimeout = 10_000;
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.http.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      // unparsable requests, oversized header blocks (431) and header timeouts never reach 'upgrade'
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      if (socket.writable) socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
      socket.destroy();
    });
  }

  private start(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        this.state = CLOSED;
        if (err.code === 'EADDRINUSE') {
          reject(new TransportError('GALE_ERR_PORT_IN_USE', `cannot listen on ${host}:${port}: port ${port} is already in use`, { retriable: true, cause: err }));
        } else {
          reject(err);
        }
      };
      this.http.once('error', onError);
      this.http.listen(port, host, () => {
        this.http.off('error', onError);
        this.http.on('error', (err) => this.log.error({ err }, 'http server error'));
        const addr = this.http.address();
        this.boundPort = typeof addr === 'object' && addr !== null ? addr.port : port;
        this.log.info({ host, port: this.boundPort, workerId: this.identity.workerId, epoch: this.identity.epoch }, 'peer server listening');
        resolve();
      });
    });
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    return this.boundPort;
  }

  /** `ws://host:port/` for clients. */
  get url(): string {
    const host = this.opts.host ?? '127.0.0.1';
    return `ws://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}/`;
  }

  /** Currently connected, authenticated peers. */
  peers(): PeerInfo[] {
    return [...this.conns.values()].filter((c) => !c.closing).map((c) => c.peer);
  }

  /** Snapshot of counters. */
  stats(): PeerServerStats {
    return { ...this.counters, connections: this.conns.size, refused: { ...this.counters.refused }, frameErrors: { ...this.counters.frameErrors } };
  }

  /**
   * Sends a frame to one peer (CREDIT, CLOSE_REASON, ...). Returns false when the peer is unknown or
   * closing. Replies are small and rare, so they are not batched.
   */
  send(peerId: number, frame: Frame): boolean {
    const c = this.conns.get(peerId);
    if (c === undefined || c.closing || c.ws.readyState !== c.ws.OPEN) return false;
    c.ws.send(encodeFrame(frame));
    return true;
  }

  /**
   * Stops reading from one peer (or all, including peers that connect while paused): their frames wait
   * in the kernel, the sender's socket buffer fills, and its `send*()` starts returning false. This is
   * how a full inbound queue pushes back. Pings are not answered while paused either, so a pause longer
   * than the clients' `livenessTimeoutMs` makes them drop and re-dial the connection.
   */
  pause(peerId?: number): void {
    if (peerId === undefined) this.pausedAll = true; // peers that connect meanwhile start paused too
    for (const c of this.select(peerId)) c.ws.pause();
  }

  /** Resumes reading after {@link pause}. */
  resume(peerId?: number): void {
    if (peerId === undefined) this.pausedAll = false;
    for (const c of this.select(peerId)) c.ws.resume();
  }

  /** Closes one peer's connection with an explanation (CLOSE_REASON frame, then a ws close). */
  disconnect(peerId: number, code = CLOSE_BY_SERVER, reason = 'closed by server'): void {
    const c = this.conns.get(peerId);
    if (c !== undefined) this.closeConn(c, code, 'GALE_ERR_CLOSED_BY_PEER', reason);
  }

  /** Closes every connection and the listening socket. Idempotent. */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    const wasRunning = this.state === RUNNING;
    this.state = CLOSING;
    this.closing = (async () => {
      const all = [...this.conns.values()].map((c) => new Promise<void>((resolve) => {
        c.ws.once('close', () => resolve());
        if (c.ws.readyState === c.ws.CLOSED) resolve();
        c.ws.resume();
        this.closeConn(c, 1001, 'GALE_ERR_TRANSPORT_CLOSED', 'server shutting down');
      }));
      if (wasRunning) {
        await new Promise<void>((resolve) => {
          this.http.close(() => resolve());
          this.http.closeAllConnections();
        });
      }
      await Promise.all(all);
      this.wss.close();
      this.state = CLOSED;
      this.log.info({ port: this.boundPort }, 'peer server closed');
    })();
    return this.closing;
  }

  private select(peerId: number | undefined): Conn[] {
    if (peerId === undefined) return [...this.conns.values()];
    const c = this.conns.get(peerId);
    return c === undefined ? [] : [c];
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // until ws takes the socket over, a reset from the client must not become an unhandled 'error'
    socket.on('error', noop);
    const remoteAddress = req.socket.remoteAddress ?? 'unknown';
    if (this.state !== RUNNING) {
      this.refuse(socket, remoteAddress, 503, 'closing', 'server is shutting down');
      return;
    }
    const verdict = this.verifier.verify(req.headers);
    if (!verdict.ok) {
      this.refuse(socket, remoteAddress, verdict.status, verdict.reason, verdict.detail, verdict.headers, verdict.identity);
      return;
    }
    const id = verdict.identity;
    const known = this.epochs.get(id.workerId);
    if (known !== undefined && id.epoch < known) {
      this.refuse(socket, remoteAddress, 409, 'stale-epoch', `epoch ${id.epoch} of worker "${id.workerId}" is older than ${known}`, undefined, id);
      return;
    }
    const denied = this.opts.admit?.(id);
    if (denied !== undefined) {
      this.refuse(socket, remoteAddress, 403, 'refused', denied, undefined, id);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', noop);
      this.onConnection(ws, id, remoteAddress, req.socket.remotePort ?? 0);
    });
  }

  private refuse(
    socket: Duplex,
    remoteAddress: string,
    status: number,
    reason: RefusalReason,
    detail: string,
    headers: Record<string, string> = {},
    identity?: Partial<PeerIdentity>,
  ): void {
    this.counters.refused[reason] = (this.counters.refused[reason] ?? 0) + 1;
    this.log.warn({ remoteAddress, status, reason, detail, ...identity }, 'peer refused');
    const body = `${reason}: ${detail}\n`;
    const lines = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
      'Connection: close',
      'Content-Type: text/plain; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `${AuthHeader.REASON}: ${reason}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    if (socket.writable) {
      socket.once('finish', () => socket.destroy());
      socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
    } else {
      socket.destroy();
    }
    this.emit('peer.refused', { remoteAddress, status, reason, detail, ...(identity ? { identity } : {}) });
  }

  private onConnection(ws: WebSocket, id: PeerIdentity, remoteAddress: string, remotePort: number): void {
    const peer: PeerInfo = Object.freeze({ id: ++this.nextId, ...id, remoteAddress, remotePort });
    const conn: Conn = { ws, peer, closing: false, killTimer: null };
    if (this.state !== RUNNING) {
      ws.terminate();
      return;
    }
    this.rememberEpoch(id);
    // a newer launch of the same worker fences off the older one's connections
    for (const other of this.conns.values()) {
      if (other.peer.workerId === id.workerId && other.peer.epoch < id.epoch && !other.closing) {
        this.counters.superseded++;
        this.closeConn(other, CLOSE_SUPERSEDED, 'GALE_ERR_STALE_EPOCH', `superseded by epoch ${id.epoch}`);
      }
    }
    this.conns.set(peer.id, conn);
    this.counters.accepted++;
    if (this.pausedAll) ws.pause();
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(conn, data, isBinary));
    ws.on('error', (err: Error & { code?: string }) => this.onWsError(conn, err));
    ws.on('close', (code: number, reason: Buffer) => {
      if (conn.killTimer !== null) clearTimeout(conn.killTimer);
      this.conns.delete(peer.id);
      this.log.debug({ peer: peer.id, workerId: peer.workerId, code }, 'peer disconnected');
      this.emit('peer.close', { peer, code, reason: reason.toString('utf8') });
    });
    this.log.info({ peer: peer.id, workerId: id.workerId, epoch: id.epoch, remoteAddress }, 'peer connected');
    this.emit('peer.open', peer);
  }

  private rememberEpoch(id: PeerIdentity): void {
    this.epochs.delete(id.workerId); // re-insert: the map's order is least recently seen first
    this.epochs.set(id.workerId, id.epoch);
    if (this.epochs.size > MAX_EPOCHS_REMEMBERED) this.epochs.delete(this.epochs.keys().next().value!);
  }

  private onMessage(conn: Conn, data: RawData, isBinary: boolean): void {
    if (conn.closing) return; // messages already parsed from the same chunk after an error
    if (!isBinary) {
      this.frameError(conn, 1003, 'GALE_ERR_FRAME_TYPE', 'text messages are not part of the protocol');
      return;
    }
    const buf = data as Buffer; // binaryType 'nodebuffer' (default): fragments are already concatenated
    let frame: Frame;
    try {
      frame = decodeFrame(buf, this.limits);
    } catch (err) {
      const fe = err instanceof FrameError ? err : new FrameError('GALE_ERR_FRAME_DECODE', String(err));
      this.frameError(conn, fe.code === 'GALE_ERR_FRAME_TOO_LARGE' ? 1009 : 1007, fe.code, fe.message);
      return;
    }
    this.counters.framesIn++;
    this.counters.bytesIn += buf.length;
    const type = frame[0];
    if (type === FrameType.PING) {
      conn.ws.send(encodeFrame([FrameType.PONG, frame[1]]));
      return;
    }
    if (type === FrameType.TUPLES || type === FrameType.ACKER || type === FrameType.SPOUT_NOTIFY) this.counters.recordsIn += frame[1].length;
    try {
      this.opts.onFrame(conn.peer, frame);
    } catch (err) {
      this.counters.listenerErrors++;
      this.log.error({ err, peer: conn.peer.id, type }, 'onFrame threw');
    }
  }

  private onWsError(conn: Conn, err: Error & { code?: string }): void {
    // ws reports receiver errors (oversize message → 1009, bad opcode/RSV bits → 1002, ...) here and
    // starts the close itself; count it, log it, and make sure a silent peer cannot hold the socket.
    const code = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'GALE_ERR_FRAME_TOO_LARGE' : (err.code ?? 'WS_ERROR');
    if (!conn.closing) {
      this.counters.frameErrors[code] = (this.counters.frameErrors[code] ?? 0) + 1;
      const wsCloseCode = code === 'GALE_ERR_FRAME_TOO_LARGE' ? 1009 : 1002;
      this.log.warn({ peer: conn.peer.id, workerId: conn.peer.workerId, remoteAddress: conn.peer.remoteAddress, code, err: err.message }, 'bad message from peer; closing its connection');
      this.emit('frame.error', { peer: conn.peer, code, message: err.message, wsCloseCode });
    }
    conn.closing = true;
    this.armKillTimer(conn);
  }

  private frameError(conn: Conn, wsCloseCode: number, code: string, message: string): void {
    this.counters.frameErrors[code] = (this.counters.frameErrors[code] ?? 0) + 1;
    this.log.warn({ peer: conn.peer.id, workerId: conn.peer.workerId, remoteAddress: conn.peer.remoteAddress, code, err: message }, 'bad frame from peer; closing its connection');
    this.emit('frame.error', { peer: conn.peer, code, message, wsCloseCode });
    this.closeConn(conn, wsCloseCode, code, message);
  }

  /** CLOSE_REASON frame (best effort), ws close, and a timer that destroys the socket if the peer stalls. */
  private closeConn(conn: Conn, wsCloseCode: number, code: string, message: string): void {
    if (conn.closing) return;
    conn.closing = true;
    const ws = conn.ws;
    if (ws.readyState === ws.OPEN) {
      try {
        ws.send(encodeFrame([FrameType.CLOSE_REASON, code.slice(0, 64), message.slice(0, 1024)]));
        ws.close(wsCloseCode, truncateUtf8(message, 120));
      } catch {
        ws.terminate();
      }
    }
    this.armKillTimer(conn);
  }

  private armKillTimer(conn: Conn): void {
    if (conn.killTimer !== null) return;
    conn.killTimer = setTimeout(() => conn.ws.terminate(), this.closeTimeoutMs);
    conn.killTimer.unref();
  }
}

function noop(): void {}

/** ws close reasons are limited to 123 bytes. */
function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = s.slice(0, maxBytes);
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}
