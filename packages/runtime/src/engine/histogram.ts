/**
 * Log-linear latency histogram, HDR-like: 8 sub-buckets per power of two (~6% relative error on
 * the bucket midpoint, 12.5% on its upper bound), 320 buckets covering 1 µs to 2^40 µs (12 days).
 * Fixed memory in a typed array, O(1) record with no allocation (the hot path of every bolt
 * execute and spout completion). Mergeable: the bucket layout is the same everywhere, so counts
 * of histograms from other tasks, executors or worker processes add up exactly ({@link merge},
 * {@link mergeSparse}); percentiles of the merge are then as exact as those of each part, which a
 * merge of percentiles is not. Values in microseconds.
 */
const SUB = 8;
const BUCKETS = 40 * SUB;

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  max = 0;

  record(us: number): void {
    const v = us < 1 ? 1 : us;
    // Below 2^30 µs (18 min, every latency in practice) the exponent is an integer op, not a log2 call.
    const small = v < 1073741824;
    const exp = small ? 31 - Math.clz32(v) : Math.floor(Math.log2(v));
    const sub = Math.floor((v / (small ? 1 << exp : 2 ** exp) - 1) * SUB);
    const i = Math.min(BUCKETS - 1, exp * SUB + sub);
    this.counts[i]!++;
    this.count++;
    this.sum += us;
    if (us > this.max) this.max = us;
  }

  /** Upper bound of the bucket holding quantile q in [0, 1]; 0 when empty. */
  percentile(q: number): number {
    if (this.count === 0) return 0;
    const target = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= target) {
        const exp = Math.floor(i / SUB);
        return Math.min(this.max, 2 ** exp * (1 + ((i % SUB) + 1) / SUB));
      }
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
  }

  /**
   * The histogram as plain JSON for another process: `[sum, max, i0, n0, i1, n1, ...]`, only the
   * non-empty buckets (a latency distribution fills a few dozen of the 320).
   */
  toSparse(): number[] {
    const out = [this.sum, this.max];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) out.push(i, this.counts[i]!);
    return out;
  }

  /** Adds a histogram encoded by {@link toSparse}; malformed entries (another process wrote them) are skipped. */
  mergeSparse(s: readonly number[]): void {
    if (s.length < 2) return;
    const sum = s[0]!;
    const max = s[1]!;
    for (let k = 2; k + 1 < s.length; k += 2) {
      const i = s[k]!;
      const n = s[k + 1]!;
      if (!Number.isInteger(i) || i < 0 || i >= BUCKETS || !(n > 0) || !Number.isFinite(n)) continue;
      this.counts[i]! += n;
      this.count += n;
    }
    if (Number.isFinite(sum)) this.sum += sum;
    if (Number.isFinite(max) && max > this.max) this.max = max;
  }

  /** Empties it (reused as a scratch histogram: no allocation per stats read). */
  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.max = 0;
  }
}
