import { TokenBucket } from '../token-bucket.js';

describe('TokenBucket', () => {
  it('starts with one token, refills at the rate and caps at the burst', () => {
    let now = 1000;
    const b = new TokenBucket(100, 3, () => now); // one token per 10 ms
    expect(b.tryTake()).toBe(true);
    expect(b.tryTake()).toBe(false);
    now += 9;
    expect(b.tryTake()).toBe(false);
    now += 1;
    expect(b.tryTake()).toBe(true);
    expect(b.tryTake()).toBe(false);
    now += 1000; // long idle: only `burst` tokens accumulate
    expect([b.tryTake(), b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, true, false]);
  });

  it('allows rate * seconds takes over a long run', () => {
    let now = 0;
    const b = new TokenBucket(1000, 10, () => now);
    let taken = 0;
    for (let step = 0; step < 10_000; step++) {
      now += 0.1;
      while (b.tryTake()) taken++;
    }
    // 1 s at 1000/s, plus the initial token.
    expect(taken).toBeGreaterThanOrEqual(1000);
    expect(taken).toBeLessThanOrEqual(1001);
  });
});
