/**
 * One authenticated peer on the server side: decode each message, answer PINGs, hand every other
 * frame to the owner, and close only this connection — with a CLOSE_REASON frame first — when the
 * peer sends something that is not a valid frame.
 */
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../log.js';
import { FrameError } from './errors.js';
import { decodeFrame, encodeFrame, FrameType, type Frame, type FrameLimits } from './frame-codec.js';
import type { PeerInfo, PeerServerEvents, PeerServerStats } from './peer-server-types.js';

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly limits: Readonly<FrameLimits>;
  readonly log: Logger;
  /** Shared with the server: connections count into it. */
  readonly counters: PeerServerStats;
  /** How long a closing connection may take before it is destroyed. */
  readonly closeTimeoutMs: number;
  /** The owner's receive path; may throw (counted and logged here). */
  onFrame(peer: PeerInfo, frame: Frame): void;
  frameError(event: PeerServerEvents['frame.error']): void;
}

export class ServerConnection {
  private isClosing = false;
  private killTimer: NodeJS.Timeout | null = null;

  constructor(readonly ws: WebSocket, readonly peer: PeerInfo, private readonly host: ConnectionHost) {
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('error', (err: Error & { code?: string }) => this.onWsError(err));
    ws.on('close', () => {
      if (this.killTimer !== null) clearTimeout(this.killTimer);
    });
  }

  /** True once a close started (by either side or after an error). */
  get closing(): boolean {
    return this.isClosing;
  }

  /** Sends one frame unless the connection is closing; false if not sent. */
  send(frame: Frame): boolean {
    if (this.isClosing || this.ws.readyState !== this.ws.OPEN) return false;
    this.ws.send(encodeFrame(frame));
    return true;
  }

  /** CLOSE_REASON frame (best effort), ws close, and a timer that destroys the socket if the peer stalls. */
  close(wsCloseCode: number, code: string, message: string): void {
    if (this.isClosing) return;
    this.isClosing = true;
    const ws = this.ws;
    if (ws.readyState === ws.OPEN) {
      try {
        ws.send(encodeFrame([FrameType.CLOSE_REASON, code.slice(0, 64), message.slice(0, 1024)]));
        ws.close(wsCloseCode, truncateUtf8(message, 120));
      } catch {
        ws.terminate();
      }
    }
    this.armKillTimer();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.isClosing) return; // messages already parsed from the same chunk after an error
    if (!isBinary) {
      this.frameError(1003, 'GALE_ERR_FRAME_TYPE', 'text messages are not part of the protocol');
      return;
    }
    const buf = data as Buffer; // binaryType 'nodebuffer' (default): fragments are already concatenated
    let frame: Frame;
    try {
      frame = decodeFrame(buf, this.host.limits);
    } catch (err) {
      const fe = err instanceof FrameError ? err : new FrameError('GALE_ERR_FRAME_DECODE', String(err));
      this.frameError(fe.code === 'GALE_ERR_FRAME_TOO_LARGE' ? 1009 : 1007, fe.code, fe.message);
      return;
    }
    const counters = this.host.counters;
    counters.framesIn++;
    counters.bytesIn += buf.length;
    const type = frame[0];
    if (type === FrameType.PING) {
      this.ws.send(encodeFrame([FrameType.PONG, frame[1]]));
      return;
    }
    if (type === FrameType.TUPLES) counters.recordsIn += frame[1].length;
    try {
      this.host.onFrame(this.peer, frame);
    } catch (err) {
      counters.listenerErrors++;
      this.host.log.error({ err, peer: this.peer.id, type }, 'onFrame threw');
    }
  }

  private onWsError(err: Error & { code?: string }): void {
    // ws reports receiver errors (oversize message → 1009, bad opcode/RSV bits → 1002, ...) here and
    // starts the close itself; count it, log it, and make sure a silent peer cannot hold the socket.
    const code = err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'GALE_ERR_FRAME_TOO_LARGE' : (err.code ?? 'WS_ERROR');
    if (!this.isClosing) {
      this.countError(code);
      const wsCloseCode = code === 'GALE_ERR_FRAME_TOO_LARGE' ? 1009 : 1002;
      const { peer } = this;
      this.host.log.warn({ peer: peer.id, workerId: peer.workerId, remoteAddress: peer.remoteAddress, code, err: err.message }, 'bad message from peer; closing its connection');
      this.host.frameError({ peer, code, message: err.message, wsCloseCode });
    }
    this.isClosing = true;
    this.armKillTimer();
  }

  private frameError(wsCloseCode: number, code: string, message: string): void {
    this.countError(code);
    const { peer } = this;
    this.host.log.warn({ peer: peer.id, workerId: peer.workerId, remoteAddress: peer.remoteAddress, code, err: message }, 'bad frame from peer; closing its connection');
    this.host.frameError({ peer, code, message, wsCloseCode });
    this.close(wsCloseCode, code, message);
  }

  private countError(code: string): void {
    const errors = this.host.counters.frameErrors;
    errors[code] = (errors[code] ?? 0) + 1;
  }

  private armKillTimer(): void {
    if (this.killTimer !== null) return;
    this.killTimer = setTimeout(() => this.ws.terminate(), this.host.closeTimeoutMs);
    this.killTimer.unref();
  }
}

/** ws close reasons are limited to 123 bytes. */
function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = s.slice(0, maxBytes);
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}
