/**
 * The XACKs of one spout task. Ids acked by gale are sent in one XACK per event-loop turn (every
 * ack of a turn, one command), pipelined: a turn's XACK goes out without waiting for the reply to
 * the previous one, so no ack waits longer than one turn for its command (a round trip to Redis
 * would otherwise add to it, and under load that is most of the delay). An id stays held until
 * its XACK succeeded: a failed XACK puts its ids back, and they go again after `retry` delay (one
 * timer for the whole outage, not one per failed command).
 */
export class StreamAcks {
  /** Acked by gale, not yet confirmed XACKed (unsent, in flight, or waiting for a retry). */
  private readonly held = new Set<string>();
  /** The part of `held` not sent yet. */
  private unsent: string[] = [];
  /** XACKs awaiting their reply. */
  private readonly inFlight = new Set<Promise<void>>();
  private soon = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  /**
   * @param send one XACK of `ids` (rejects when it failed)
   * @param failed called per failed XACK (not after close); returns the delay before the retry
   * @param succeeded called per successful XACK (ends a command outage)
   */
  constructor(
    private readonly send: (ids: readonly string[]) => Promise<void>,
    private readonly failed: (err: unknown) => number,
    private readonly succeeded: () => void,
  ) {}

  /** Ids held (unsent, in flight or waiting to be retried). */
  get size(): number {
    return this.held.size;
  }

  /** True while an XACK is awaiting its reply. */
  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  has(id: string): boolean {
    return this.held.has(id);
  }

  /** Holds `id` and sends it with the other acks of this turn. */
  add(id: string): void {
    if (this.held.has(id)) return;
    this.held.add(id);
    this.unsent.push(id);
    this.schedule();
  }

  /** Sends what is unsent on the next turn, unless a retry timer is waiting (then at its end). */
  schedule(): void {
    if (this.soon || this.retryTimer !== undefined || this.closed || this.unsent.length === 0) return;
    this.soon = true;
    setImmediate(() => {
      this.soon = false;
      if (this.retryTimer === undefined && !this.closed) void this.flush();
    });
  }

  /** Redis is reachable again: send what waits for a retry now. */
  resume(): void {
    if (this.retryTimer === undefined) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.schedule();
  }

  /**
   * Stops the timers, waits for the XACKs in flight and sends what is still unsent (one attempt).
   * Idempotent; acks added afterwards are not sent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    await Promise.all(this.inFlight);
    await this.flush();
  }

  /** One XACK of everything unsent. Never rejects. */
  private flush(): Promise<void> {
    const ids = this.unsent;
    if (ids.length === 0) return Promise.resolve();
    this.unsent = [];
    const p = this.send(ids).then(
      () => {
        for (const id of ids) this.held.delete(id);
        this.succeeded();
      },
      (err: unknown) => {
        for (const id of ids) this.unsent.push(id);
        if (this.closed) return;
        const delayMs = this.failed(err);
        if (this.retryTimer === undefined) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            this.schedule();
          }, delayMs);
        }
      },
    ).finally(() => {
      this.inFlight.delete(p);
    });
    this.inFlight.add(p);
    return p;
  }
}
