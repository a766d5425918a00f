/**
 * Application pings on one open socket: every `intervalMs`, ask the LivenessMonitor whether the peer
 * is dead (no pong and no drained backlog for the timeout) and, if not, send the next PING. TCP alone
 * cannot tell: a SIGSTOP'd peer's kernel still accepts bytes.
 */
import WebSocket from 'ws';
import { encodeFrame, FrameType } from './frame-codec.js';
import type { LivenessMonitor } from './liveness.js';

export class Keepalive {
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly liveness: LivenessMonitor, private readonly intervalMs: number, private readonly monotonic: () => number) {}

  /**
   * Starts pinging `ws` (whose opening was already reported to the monitor). `current` says whether
   * the socket still is the owner's connection; `onDead` runs when the peer is judged dead (the owner
   * drops the connection, which stops the pings).
   */
  start(ws: WebSocket, current: () => boolean, onDead: (lastPongAgeMs: number) => void): void {
    this.stop();
    this.timer = setInterval(() => this.tick(ws, current, onDead), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(ws: WebSocket, current: () => boolean, onDead: (lastPongAgeMs: number) => void): void {
    if (!current() || ws.readyState !== WebSocket.OPEN) return;
    const now = this.monotonic();
    if (this.liveness.isDead(now, ws.bufferedAmount)) {
      onDead(this.liveness.pongAgeMs(now));
      return;
    }
    const ping = encodeFrame([FrameType.PING, this.liveness.nextPing(now)]);
    this.liveness.handed(ping.length);
    ws.send(ping);
  }
}
