/*
 * Periodic watermarks: per input channel (upstream component + stream + task) the largest
 * timestamp seen; the watermark is the smallest of those minus the max lag, so a slow input holds
 * windows back instead of making its tuples late. Channels that never sent a tuple do not count.
 * Per task, as Flink does per input channel, rather than per stream as Storm does: two tasks of
 * one upstream component fire their windows on their own ticks, and with a per-stream maximum
 * the faster one would make every tuple of the slower one late.
 */
export class WatermarkTracker {
  private readonly maxByStream = new Map<string, number>();

  constructor(private readonly maxLagMs: number) {}

  observe(stream: string, ts: number): void {
    const m = this.maxByStream.get(stream);
    if (m === undefined || ts > m) this.maxByStream.set(stream, ts);
  }

  /** The largest timestamp seen on any stream: -Infinity before any tuple. */
  newest(): number {
    let max = -Infinity;
    for (const m of this.maxByStream.values()) if (m > max) max = m;
    return max;
  }

  /** The watermark now: -Infinity before any tuple. */
  current(): number {
    let min = Infinity;
    for (const m of this.maxByStream.values()) if (m < min) min = m;
    return min === Infinity ? -Infinity : min - this.maxLagMs;
  }
}
