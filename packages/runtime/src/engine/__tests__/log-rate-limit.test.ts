import { LOG_RATE_LIMIT, LOG_RATE_WINDOW_MS, LogRateLimiter } from '../log-rate-limit.js';
import { ManualClock } from '../testing/manual-time.js';

function limiter(clock: ManualClock, opts: { limit?: number; windowMs?: number; maxKeys?: number } = {}): LogRateLimiter {
  return new LogRateLimiter({ now: () => clock.now(), ...opts });
}

/** Feeds `n` occurrences of `key`; returns the verdicts that said "log". */
function feed(l: LogRateLimiter, key: string, n: number): number[] {
  const logged: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = l.check(key);
    if (v.log) logged.push(v.suppressed);
  }
  return logged;
}

describe('log rate limiter', () => {
  it('logs the first `limit` occurrences of a key per window, then reports the count it left out', () => {
    const clock = new ManualClock();
    const l = limiter(clock, { limit: 3, windowMs: 1000 });
    expect(feed(l, 'a', 100)).toEqual([0, 0, 0]);
    clock.advance(999);
    expect(feed(l, 'a', 5)).toEqual([]); // same window
    clock.advance(1);
    expect(feed(l, 'a', 5)).toEqual([102, 0, 0]); // the first line of the new window carries the count
    clock.advance(5000);
    expect(feed(l, 'a', 1)).toEqual([2]);
    expect(feed(l, 'a', 1)).toEqual([0]);
  });

  it('keeps keys apart: one flooding key does not silence another', () => {
    const clock = new ManualClock();
    const l = limiter(clock, { limit: 2 });
    expect(feed(l, 'flood', 1000)).toEqual([0, 0]);
    expect(feed(l, 'rare', 1)).toEqual([0]);
  });

  it('bounds the lines of a steady flood to limit per window, and every occurrence is logged or counted', () => {
    const clock = new ManualClock();
    const l = limiter(clock);
    let lines = 0;
    let counted = 0;
    const total = 60_000;
    for (let i = 0; i < total; i++) {
      clock.advance(1); // 1000 per second for 60 s
      const v = l.check('k');
      if (v.log) {
        lines++;
        counted += v.suppressed;
      }
    }
    expect(lines).toBeLessThanOrEqual(LOG_RATE_LIMIT * (total / LOG_RATE_WINDOW_MS + 1));
    const owed = l.drain();
    expect(lines + counted + (owed[0]?.suppressed ?? 0)).toBe(total);
    expect(l.drain()).toEqual([]); // drained once
  });

  it('a flood of distinct keys shares one overflow key once the table is full: memory and lines stay bounded', () => {
    const clock = new ManualClock();
    const l = limiter(clock, { limit: 1, maxKeys: 4 });
    const logged = Array.from({ length: 1000 }, (_, i) => l.check(`k${i}`)).filter((v) => v.log).length;
    expect(logged).toBe(4 + 1); // four keys, then one line for the overflow key in this window
    clock.advance(1000);
    // Keys whose window is over and that owe nothing are forgotten, making room again.
    expect(l.check('fresh')).toEqual({ log: true, suppressed: 0 });
    expect(l.drain().map((d) => d.suppressed)).toEqual([995]);
  });

  it('rejects a limit, window or table size that cannot work', () => {
    const clock = new ManualClock();
    expect(() => limiter(clock, { limit: 0 })).toThrow(RangeError);
    expect(() => limiter(clock, { windowMs: 0 })).toThrow(RangeError);
    expect(() => limiter(clock, { maxKeys: 0 })).toThrow(RangeError);
  });
});
