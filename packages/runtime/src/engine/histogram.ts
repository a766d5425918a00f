/**
 * Log-linear latency histogram (8 sub-buckets per power of two, ~9% relative error),
 * fixed memory, O(1) record. Values in microseconds.
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
    const exp = Math.floor(Math.log2(v));
    const sub = Math.floor((v / 2 ** exp - 1) * SUB);
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
}
