// The latency histogram against a model (a sorted array of every value): percentiles within one
// bucket's width, merges (in-process and through the sparse JSON form) equal to recording
// everything in one histogram, whatever the split.
import { Histogram } from '../histogram.js';
// Seeded (mulberry32), so a failure reproduces.
import { seededRandom as rng } from '../testing/counter-ids.js';

function exact(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('Histogram', () => {
  it('percentiles are the upper bound of the right bucket: within 12.5% above the exact value, never below', () => {
    const r = rng(7);
    for (let round = 0; round < 20; round++) {
      const h = new Histogram();
      const values: number[] = [];
      const n = 1 + Math.floor(r() * 5000);
      for (let i = 0; i < n; i++) {
        // Latencies from 1 µs to ~10 s, log-uniform, as real ones spread.
        const v = Math.exp(r() * Math.log(1e7));
        values.push(v);
        h.record(v);
      }
      values.sort((a, b) => a - b);
      for (const q of [0.5, 0.9, 0.99, 0.999]) {
        const want = exact(values, q);
        const got = h.percentile(q);
        expect(got).toBeGreaterThanOrEqual(want * 0.999);
        expect(got).toBeLessThanOrEqual(Math.max(want * 1.125, 2));
      }
      expect(h.count).toBe(n);
      expect(h.mean()).toBeCloseTo(values.reduce((a, b) => a + b, 0) / n, 6);
      expect(h.percentile(1)).toBeLessThanOrEqual(values[n - 1]!);
    }
  });

  it('merging parts (directly or through toSparse/mergeSparse) equals recording everything in one', () => {
    const r = rng(11);
    const whole = new Histogram();
    const direct = new Histogram();
    const viaJson = new Histogram();
    for (let p = 0; p < 8; p++) {
      const part = new Histogram();
      for (let i = 0; i < 1000; i++) {
        const v = r() < 0.01 ? r() * 5e6 : r() * 2000;
        part.record(v);
        whole.record(v);
      }
      direct.merge(part);
      viaJson.mergeSparse(JSON.parse(JSON.stringify(part.toSparse())) as number[]);
    }
    for (const h of [direct, viaJson]) {
      expect(h.count).toBe(whole.count);
      expect(h.max).toBe(whole.max);
      expect(h.sum).toBeCloseTo(whole.sum, 3);
      for (const q of [0.5, 0.99, 0.999]) expect(h.percentile(q)).toBe(whole.percentile(q));
    }
  });

  it('puts every value in the bucket of the documented layout (octave floor(log2 v), 8 linear sub-buckets), the integer fast path included', () => {
    // The layout other processes' histograms merge into: record's integer exponent (below 2^30 µs)
    // must pick the same bucket as the log2 definition, at octave edges too.
    const bucketOf = (us: number): number => {
      const v = us < 1 ? 1 : us;
      const exp = Math.floor(Math.log2(v));
      return Math.min(319, exp * 8 + Math.floor((v / 2 ** exp - 1) * 8));
    };
    const r = rng(5);
    const values: number[] = [0, 0.5, 1, 1.0001, 3.999, 4, 1e6, 2 ** 30 - 1, 2 ** 30 - 0.5, 2 ** 30, 2 ** 30 + 1, 3e9, 2 ** 45];
    for (let k = 0; k <= 34; k++) values.push(2 ** k, 2 ** k * 1.124, 2 ** k * 1.125, 2 ** k * 1.999, 2 ** k + 0.5);
    for (let i = 0; i < 5000; i++) values.push(Math.exp(r() * Math.log(1e10)));
    for (const v of values) {
      const h = new Histogram();
      h.record(v);
      expect([v, h.toSparse()[2]]).toEqual([v, bucketOf(v)]);
    }
  });

  it('mergeSparse skips what another process got wrong; reset empties', () => {
    const h = new Histogram();
    h.mergeSparse([10, 5, -1, 3, 99999, 1, 4, Number.NaN, 2.5, 1, 8, 2]);
    expect(h.count).toBe(2);
    h.mergeSparse([]);
    expect(h.count).toBe(2);
    h.reset();
    expect([h.count, h.sum, h.max, h.percentile(0.5)]).toEqual([0, 0, 0, 0]);
  });
});
