/**
 * One socket write per turn instead of one per frame. Every `ws.send` of a client frame is its own
 * `write` on the TCP socket, so its own system call; on loopback that call also runs the peer's
 * receive path and wakes the peer process, which on a busy machine costs more than encoding the frame
 * did. Corking the socket at the first frame of a turn (one callback of the event loop: an engine
 * slice, the handling of one received frame, a flush timer) and uncorking it when that callback
 * returns (`process.nextTick`) makes the frames of the turn one `writev` (up to MAX_CORKED_FRAMES a
 * write: the eighth frame of a turn sends the write at once). A frame waits for nothing but code
 * already running when it was written: no timer, no later loop phase. That bounds frames, not time:
 * a turn that sends one to seven frames and then runs a long synchronous execute holds them for that
 * execute (until the turn returns, or until an eighth frame of the same turn).
 *
 * Frame boundaries are ws's (each `send` stays one ws message); `bufferedAmount` counts corked bytes,
 * so the send buffer's bound still holds; ws's own cork/uncork pair around a header and its payload
 * nests inside ours (corks are counted).
 */
import type { Socket } from 'node:net';
import type WebSocket from 'ws';

/** What corking needs of a socket (net.Socket and tls.TLSSocket both have it). */
type Corkable = Pick<Socket, 'cork' | 'uncork' | 'destroyed'>;

/** The TCP (or TLS) socket under a ws connection; undefined when ws does not expose one. */
function socketOf(ws: WebSocket): Corkable | undefined {
  const s = (ws as unknown as { _socket?: unknown })._socket;
  return typeof s === 'object' && s !== null && typeof (s as Corkable).cork === 'function' ? (s as Corkable) : undefined;
}

/** Most frames one write holds: a write goes out at the eighth frame of a turn (a bound on frames, not on time). */
export const MAX_CORKED_FRAMES = 8;

export class TurnCork {
  private corked: Corkable | null = null;
  /** Frames in the current corked write. */
  private frames = 0;
  private tickPending = false;
  /** Socket writes the corked frames went out in. */
  writes = 0;
  /** Called after each corked write went out (the hop trace's write stamp; null when not tracing). */
  onRelease: (() => void) | null = null;

  constructor(private readonly maxFrames = MAX_CORKED_FRAMES) {}

  /**
   * Call before each `ws.send` of a frame: the first one of a turn corks the socket until the turn
   * ends; the first past `maxFrames` writes the corked ones now and starts the next write.
   */
  before(ws: WebSocket): void {
    if (this.corked !== null) {
      if (this.frames < this.maxFrames) {
        this.frames++;
        return;
      }
      this.release();
    }
    const s = socketOf(ws);
    if (s === undefined || s.destroyed) return;
    s.cork();
    this.corked = s;
    this.frames = 1;
    this.writes++;
    if (!this.tickPending) {
      this.tickPending = true;
      process.nextTick(this.endOfTurn);
    }
  }

  private readonly endOfTurn = (): void => {
    this.tickPending = false;
    this.release();
  };

  /** Writes what is corked now. */
  private release(): void {
    const s = this.corked;
    if (s === null) return;
    this.corked = null;
    if (!s.destroyed) s.uncork();
    if (this.onRelease !== null) this.onRelease();
  }
}
