/**
 * The receiving end of worker-to-worker traffic: an http server whose `upgrade` handler authenticates
 * (upgrade-gate.ts) before ws ever sees the socket, then one ws connection per peer
 * (server-connection.ts: decode and dispatch). A bad frame, an oversize message or a protocol error
 * closes only the connection it came on. This class owns the listening socket, the connection table,
 * pause/resume (backpressure to the senders) and shutdown.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { rootLog, type Logger } from '../log.js';
import { AuthHeader, normalizeSecret, serverProofHeaders, type PeerIdentity, type RefusalReason } from './auth.js';
import { TransportError } from './errors.js';
import { TypedEmitter } from './events.js';
import { frameLimits, DEFAULT_MAX_FRAME_BYTES, type Frame } from './frame-codec.js';
import { CLOSE_BY_SERVER, CLOSE_SUPERSEDED, type PeerInfo, type PeerServerEvents, type PeerServerOptions, type PeerServerStats } from './peer-server-types.js';
import { ServerConnection, type ConnectionHost } from './server-connection.js';
import { UpgradeGate, writeRefusal, type GateVerdict } from './upgrade-gate.js';

export { CLOSE_BY_SERVER, CLOSE_SUPERSEDED } from './peer-server-types.js';
export type { PeerInfo, PeerServerEvents, PeerServerOptions, PeerServerStats } from './peer-server-types.js';

const RUNNING = 0;
const CLOSING = 1;
const CLOSED = 2;

export class PeerServer extends TypedEmitter<PeerServerEvents> {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly gate: UpgradeGate;
  private readonly log: Logger;
  private readonly host: ConnectionHost;
  private readonly conns = new Map<number, ServerConnection>();
  private readonly identity: PeerIdentity;
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
    const secret = normalizeSecret(opts.secret);
    const maxPayload = opts.maxPayloadBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.host = {
      limits: frameLimits({ ...opts.limits, maxFrameBytes: maxPayload }),
      log,
      counters: this.counters,
      closeTimeoutMs: opts.closeTimeoutMs ?? 1000,
      onFrame: opts.onFrame,
      frameError: (event) => this.emit('frame.error', event),
    };
    this.identity = { workerId: opts.workerId ?? `pid-${process.pid}`, topology: opts.topology, epoch: opts.epoch ?? 0 };
    this.gate = new UpgradeGate({
      secret, topology: opts.topology, ...(opts.authWindowMs !== undefined ? { windowMs: opts.authWindowMs } : {}), ...(opts.now ? { now: opts.now } : {}),
      ...(opts.admit ? { admit: opts.admit } : {}),
      ...(opts.verifyEpoch ? { verifyEpoch: opts.verifyEpoch } : {}),
      ...(opts.verifyTimeoutMs !== undefined ? { verifyTimeoutMs: opts.verifyTimeoutMs } : {}),
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
      if (typeof nonce === 'string') headers.push(...serverProofHeaders(secret, nonce, this.identity, opts.features));
    });
    const plainRequest: RequestListener = (req, res) => {
      // plain HTTP requests (health probes, browsers): say what this port is, nothing else
      res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
      res.end('gale worker transport: WebSocket upgrade required\n');
      req.resume();
    };
    const tls = opts.tls;
    this.http = tls === undefined ? createServer(plainRequest) : createTlsServer({
      cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca } : {}),
      // Mutual TLS: a client without a certificate of the cluster CA never reaches the upgrade.
      requestCert: tls.mutual, rejectUnauthorized: tls.mutual,
      handshakeTimeout: 10_000,
    }, plainRequest);
    if (tls !== undefined) {
      // A plaintext client, a client certificate of another CA, a bad TLS hello: refused before HTTP.
      this.http.on('tlsClientError', (err: NodeJS.ErrnoException, socket: Duplex & { remoteAddress?: string }) => {
        this.counters.refused.tls = (this.counters.refused.tls ?? 0) + 1;
        this.emit('peer.refused', { remoteAddress: socket.remoteAddress ?? '?', status: 0, reason: 'tls', detail: err.code ?? err.message });
        socket.destroy();
      });
    }
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

  /** `ws://host:port/` (`wss://` with TLS) for clients. */
  get url(): string {
    const host = this.opts.host ?? '127.0.0.1';
    return `${this.opts.tls ? 'wss' : 'ws'}://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}/`;
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
    return this.conns.get(peerId)?.send(frame) ?? false;
  }

  /**
   * Stops reading from one peer (or all, including peers that connect while paused): their frames wait
   * in the kernel, the sender's socket buffer fills, and its `sendTuple()` starts returning false. This is
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
    this.conns.get(peerId)?.close(code, 'GALE_ERR_CLOSED_BY_PEER', reason);
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
        c.close(1001, 'GALE_ERR_TRANSPORT_CLOSED', 'server shutting down');
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

  private select(peerId: number | undefined): ServerConnection[] {
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
    const verdict = this.gate.check(req.headers);
    if (!verdict.ok) {
      this.refuse(socket, remoteAddress, verdict.status, verdict.reason, verdict.detail, verdict.headers, verdict.identity);
      return;
    }
    void this.gate.confirm(verdict.identity)
      .then((confirmed) => this.admitUpgrade(req, socket, head, remoteAddress, confirmed.ok ? this.gate.fenced(confirmed.identity) ?? confirmed : confirmed))
      .catch((err: unknown) => {
        this.log.error({ err, remoteAddress }, 'upgrade failed after the epoch check');
        socket.destroy();
      });
  }

  /** Second half of the upgrade, once the claimed epoch is confirmed (or refused). */
  private admitUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, remoteAddress: string, verdict: GateVerdict): void {
    if (socket.destroyed) return; // the peer gave up while the epoch was being checked
    if (this.state !== RUNNING) {
      this.refuse(socket, remoteAddress, 503, 'closing', 'server is shutting down');
      return;
    }
    if (!verdict.ok) {
      this.refuse(socket, remoteAddress, verdict.status, verdict.reason, verdict.detail, verdict.headers, verdict.identity);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', noop);
      this.onConnection(ws, verdict.identity, remoteAddress, req.socket.remotePort ?? 0);
    });
  }

  private refuse(
    socket: Duplex,
    remoteAddress: string,
    status: number,
    reason: RefusalReason,
    detail: string,
    headers?: Record<string, string>,
    identity?: Partial<PeerIdentity>,
  ): void {
    this.counters.refused[reason] = (this.counters.refused[reason] ?? 0) + 1;
    this.log.warn({ remoteAddress, status, reason, detail, ...identity }, 'peer refused');
    writeRefusal(socket, status, reason, detail, headers);
    this.emit('peer.refused', { remoteAddress, status, reason, detail, ...(identity ? { identity } : {}) });
  }

  private onConnection(ws: WebSocket, id: PeerIdentity, remoteAddress: string, remotePort: number): void {
    const peer: PeerInfo = Object.freeze({ id: ++this.nextId, ...id, remoteAddress, remotePort });
    if (this.state !== RUNNING) {
      ws.terminate();
      return;
    }
    this.gate.accepted(id);
    // a newer launch of the same worker fences off the older one's connections
    for (const other of this.conns.values()) {
      if (other.peer.workerId === id.workerId && other.peer.epoch < id.epoch && !other.closing) {
        this.counters.superseded++;
        other.close(CLOSE_SUPERSEDED, 'GALE_ERR_STALE_EPOCH', `superseded by epoch ${id.epoch}`);
      }
    }
    const conn = new ServerConnection(ws, peer, this.host);
    this.conns.set(peer.id, conn);
    this.counters.accepted++;
    if (this.pausedAll) ws.pause();
    ws.on('close', (code: number, reason: Buffer) => {
      this.conns.delete(peer.id);
      this.log.debug({ peer: peer.id, workerId: peer.workerId, code }, 'peer disconnected');
      this.emit('peer.close', { peer, code, reason: reason.toString('utf8') });
    });
    this.log.info({ peer: peer.id, workerId: id.workerId, epoch: id.epoch, remoteAddress }, 'peer connected');
    this.emit('peer.open', peer);
  }
}

function noop(): void {}
