/**
 * Bounded buffering for one peer, with hysteresis. Bytes held = the socket's `bufferedAmount` plus
 * encoded frames waiting for a connection. A write that crosses the high water mark (the bound) makes
 * the buffer full: `admit()` refuses records until the held bytes and frames are down to half the
 * bound (the low water mark), and only then is a `drain` due — so a sender at the edge is not woken for
 * every frame that leaves. Refusing instead of growing is what pushes back on a slow or absent peer.
 */

export interface SendBufferOptions {
  /** High water mark in bytes (socket buffer + waiting frames). */
  maxBufferedBytes: number;
  /** High water mark in frames waiting for a connection. */
  maxBufferedFrames: number;
  /** The socket's `bufferedAmount` while a connection is open, else 0. */
  socketBufferedBytes: () => number;
}

export class SendBuffer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Set when a write crossed the high water mark; cleared at the low water mark. */
  private full = false;
  /** A record was refused since the buffer became full, so someone waits for `drain`. */
  private needDrain = false;
  /** `admit()` calls refused. */
  refused = 0;

  constructor(private readonly opts: SendBufferOptions) {}

  /** True when `admit()` would accept a record now. */
  get accepting(): boolean {
    return !this.full;
  }

  /** Frames waiting for a connection. */
  get pendingFrames(): number {
    return this.pending.length;
  }

  /** Bytes held: waiting frames plus the socket's buffer. */
  get bufferedBytes(): number {
    return this.pendingBytes + this.opts.socketBufferedBytes();
  }

  /** False (and counted as a refusal) while the buffer is full. */
  admit(): boolean {
    // a flag, not a look at bufferedAmount: this runs for every record, the buffer only grows on a write
    if (!this.full) return true;
    this.needDrain = true;
    this.refused++;
    return false;
  }

  /** Keeps a frame for the next connection. */
  hold(buf: Buffer): void {
    this.pending.push(buf);
    this.pendingBytes += buf.length;
  }

  /** After any write (held or handed to the socket): crossing the high water mark makes the buffer full. */
  wrote(): void {
    if (!this.full && !this.hasRoom()) this.full = true;
  }

  /** Takes every held frame (a connection opened, or they are being discarded). */
  takeHeld(): Buffer[] {
    const held = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    return held;
  }

  /**
   * Called when bytes may have left (a frame reached the kernel, a connection opened or closed, held
   * frames were discarded). Returns the held bytes when a `drain` is due, else undefined.
   */
  release(): number | undefined {
    if (!this.full) return undefined;
    const buffered = this.bufferedBytes;
    if (buffered > this.opts.maxBufferedBytes / 2 || this.pending.length > this.opts.maxBufferedFrames / 2) return undefined;
    this.full = false;
    if (!this.needDrain) return undefined;
    this.needDrain = false;
    return buffered;
  }

  private hasRoom(): boolean {
    return this.bufferedBytes < this.opts.maxBufferedBytes && this.pending.length < this.opts.maxBufferedFrames;
  }
}
