/**
 * Rates over sliding windows (10 s, 1 min, 10 min, as Storm's UI shows) from cumulative counters,
 * without touching the hot path: the counters stay plain numbers that tasks increment, and a
 * timer copies them into two rings of snapshots (every second for the last 10 s, every 10 s for
 * the last 10 min). A rate is then (now - snapshot at the window's start) / elapsed. Two
 * Float64Arrays per series, allocated once: ~6 KB per task.
 */

/** Window names and lengths, shortest first. */
export const RATE_WINDOWS = [['10s', 10_000], ['1m', 60_000], ['10m', 600_000]] as const;
export type RateWindow = (typeof RATE_WINDOWS)[number][0];

const FINE_MS = 1000;
const FINE_SLOTS = 11;
const COARSE_MS = 10_000;
const COARSE_SLOTS = 61;

class Ring {
  /** Per slot: time, then the counters. */
  private readonly data: Float64Array;
  private next = 0;
  private filled = 0;
  lastAt = -Infinity;

  constructor(private readonly slots: number, private readonly width: number) {
    this.data = new Float64Array(slots * (width + 1));
  }

  push(now: number, values: ArrayLike<number>): void {
    const base = this.next * (this.width + 1);
    this.data[base] = now;
    for (let i = 0; i < this.width; i++) this.data[base + 1 + i] = values[i]!;
    this.next = (this.next + 1) % this.slots;
    if (this.filled < this.slots) this.filled++;
    this.lastAt = now;
  }

  /** Slot offset of the oldest snapshot taken at or after `since` (else the oldest one); -1 when empty. */
  find(since: number): number {
    if (this.filled === 0) return -1;
    const stride = this.width + 1;
    let best = -1;
    for (let k = this.filled; k >= 1; k--) {
      const slot = (this.next - k + this.slots) % this.slots;
      best = slot * stride;
      if (this.data[best]! >= since) return best;
    }
    return best;
  }

  at(offset: number): number {
    return this.data[offset]!;
  }
}

export class RollingCounters {
  private readonly fine: Ring;
  private readonly coarse: Ring;

  constructor(readonly width: number) {
    this.fine = new Ring(FINE_SLOTS, width);
    this.coarse = new Ring(COARSE_SLOTS, width);
  }

  /** Takes a snapshot of the cumulative `values` at `now` (ms); call about every second. */
  sample(now: number, values: ArrayLike<number>): void {
    if (now - this.fine.lastAt >= FINE_MS * 0.9) this.fine.push(now, values);
    if (now - this.coarse.lastAt >= COARSE_MS * 0.99) this.coarse.push(now, values);
  }

  /**
   * Adds to `out[i]` the per-second rate of counter i over the last `windowMs` (or since the first
   * snapshot, when the history is shorter), given the current cumulative `values`. Returns the
   * elapsed ms the rate is over (0: no snapshot yet, nothing added).
   */
  addRates(windowMs: number, now: number, values: ArrayLike<number>, out: Float64Array): number {
    const ring = windowMs <= FINE_MS * (FINE_SLOTS - 1) ? this.fine : this.coarse;
    const off = ring.find(now - windowMs);
    if (off < 0) return 0;
    const elapsed = now - ring.at(off);
    if (elapsed <= 0) return 0;
    for (let i = 0; i < this.width; i++) out[i] = (out[i] ?? 0) + Math.max(0, values[i]! - ring.at(off + 1 + i)) * 1000 / elapsed;
    return elapsed;
  }
}
