// Sliding-window rates from cumulative counters sampled every second (manual time).
import { RollingCounters } from '../rolling-counters.js';

describe('RollingCounters', () => {
  it('gives per-second rates over 10 s, 1 min and 10 min, each from its own window', () => {
    const r = new RollingCounters(2);
    let total = 0;
    // 15 minutes: 100/s for the first 14 minutes, then 10/s; the second counter stays 0.
    for (let t = 0; t <= 15 * 60_000; t += 1000) {
      if (t > 0) total += t <= 14 * 60_000 ? 100 : 10; // what the second before t added
      r.sample(t, [total, 0]);
    }
    const now = 15 * 60_000;
    const rate = (windowMs: number): [number, number] => {
      const out = new Float64Array(2);
      r.addRates(windowMs, now, [total, 0], out);
      return [out[0]!, out[1]!];
    };
    expect(rate(10_000)[0]).toBeCloseTo(10, 0);
    expect(rate(60_000)[0]).toBeCloseTo(10, 0);
    // 10 min: 9 min at 100/s and 1 at 10/s.
    expect(rate(600_000)[0]).toBeCloseTo((540 * 100 + 60 * 10) / 600, -1);
    expect(rate(10_000)[1]).toBe(0);
  });

  it('before a window is full, the rate is over the history there is; nothing sampled adds nothing', () => {
    const r = new RollingCounters(1);
    const out = new Float64Array(1);
    expect(r.addRates(10_000, 0, [5], out)).toBe(0);
    expect(out[0]).toBe(0);
    r.sample(0, [0]);
    r.sample(1000, [50]);
    r.sample(2000, [100]);
    expect(r.addRates(600_000, 2000, [100], out)).toBe(2000);
    expect(out[0]).toBeCloseTo(50, 6);
  });
});
