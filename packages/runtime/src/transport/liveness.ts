/**
 * Liveness of a peer judged on the observer's monotonic clock (RELIABILITY rows 6 and 16). Pure: the
 * client feeds it times, pong sequence numbers and socket byte counts. A peer is dead when its last pong
 * is older than the timeout AND no backlog drained out of the socket buffer for as long: a SIGSTOP'd
 * process still accepts TCP until the kernel buffers fill, so pongs are the evidence; but on a slow link a
 * pong can wait behind megabytes of frames, and a draining backlog proves the peer is reading.
 */
export class LivenessMonitor {
  private lastPongAt = -Infinity;
  private lastProgressAt = 0;
  private bytesHanded = 0;
  private lastFlushed = 0;
  private lastBuffered = 0;
  private seq = 0;
  private pingSentAt = 0;
  /** Round trip of the latest answered ping, ms; NaN until one is answered. */
  rttMs = Number.NaN;

  constructor(private readonly timeoutMs: number) {}

  /** A connection opened at `now`: it counts as a pong; byte accounting starts over. */
  opened(now: number): void {
    this.lastPongAt = now;
    this.lastProgressAt = now;
    this.bytesHanded = 0;
    this.lastFlushed = 0;
    this.lastBuffered = 0;
  }

  /** Bytes given to the socket (frames and pings). */
  handed(bytes: number): void {
    this.bytesHanded += bytes;
  }

  /** The next ping's sequence number, sent at `now`. */
  nextPing(now: number): number {
    this.pingSentAt = now;
    return ++this.seq;
  }

  pong(seq: number, now: number): void {
    this.lastPongAt = now;
    if (seq === this.seq) this.rttMs = now - this.pingSentAt;
  }

  /** Milliseconds since the last pong (or open); Infinity before the first connection. */
  pongAgeMs(now: number): number {
    return this.lastPongAt === -Infinity ? Infinity : now - this.lastPongAt;
  }

  /**
   * Called once per ping interval with the socket's `bufferedAmount`; true when the peer is dead.
   * `handed - buffered` is what left the socket buffer; it only counts as progress while there was a
   * backlog, since an idle link flushes each tiny ping into the kernel whether the peer reads or not.
   */
  isDead(now: number, bufferedAmount: number): boolean {
    const flushed = this.bytesHanded - bufferedAmount;
    if (this.lastBuffered > 0 && flushed > this.lastFlushed) this.lastProgressAt = now;
    this.lastFlushed = flushed;
    this.lastBuffered = bufferedAmount;
    return now - this.lastPongAt > this.timeoutMs && now - this.lastProgressAt > this.timeoutMs;
  }
}
