/**
 * The XACKs of one spout task. Ids acked by gale are sent in one XACK per event-loop turn (every
 * ack of a turn, one command), pipelined: a turn's XACK goes out without waiting for the reply to
 * the previous one, so no ack waits longer than one turn for its command (a round trip to Redis
 * would otherwise add to it, and under load that is most of the delay). An id stays held until
 * its XACK succeeded: a failed XACK puts its ids back, and they go again after `retry` delay (one
 * timer for the whole outage, not one per failed command).
 */
export class StreamAcks {
  /**
   * Acked, not sent yet (or sent and failed). Arrays, not a set: the spout acks each id once, and
   * only its rare re-reads of entries it may hold look ids up (`heldIds`), so the hot path is a push.
   */
  private unsent: string[] = [];
  /** XACKs awaiting their reply, with their ids. */
  private readonly inFlight = new Map<Promise<void>, readonly string[]>();
  private inFlightIds = 0;
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

  /** Ids acked and not yet confirmed XACKed (unsent, in flight or waiting to be retried). */
  get size(): number {
    return this.unsent.length + this.inFlightIds;
  }

  /** True while an XACK is awaiting its reply. */
  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** Every id acked and not yet confirmed XACKed (a copy: for look-ups on rare paths). */
  heldIds(): string[] {
    const ids = [...this.unsent];
    for (const batch of this.inFlight.values()) ids.push(...batch);
    return ids;
  }

  /** Holds `id` (acked once: the caller never adds an id it holds) and sends it with the other acks of this turn. */
  add(id: string): void {
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
    await Promise.all(this.inFlight.keys());
    await this.flush();
  }

  /** One XACK of everything unsent. Never rejects. */
  private flush(): Promise<void> {
    const ids = this.unsent;
    if (ids.length === 0) return Promise.resolve();
    this.unsent = [];
    const p = this.send(ids).then(
      () => this.succeeded(),
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
      this.inFlightIds -= ids.length;
    });
    this.inFlight.set(p, ids);
    this.inFlightIds += ids.length;
    return p;
  }
}
