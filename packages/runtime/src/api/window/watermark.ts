/*
 * Periodic watermarks as Storm computes them: per input stream (component + stream id) the
 * largest timestamp seen; the watermark is the smallest of those minus the max lag, so a slow
 * stream holds windows back instead of making its tuples late. Streams that never sent a tuple
 * do not count.
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
