import { GaleError } from '../../errors.js';
import { backoffDelays, isRetriable, retry } from '../../retry.js';

function take(n: number, it: Iterator<number>): number[] {
  return Array.from({ length: n }, () => it.next().value as number);
}

describe('shared retry policy', () => {
  test('backoff doubles from initialMs up to maxMs; jitter stays within ±jitter', () => {
    expect(take(6, backoffDelays({ initialMs: 100, maxMs: 1000, jitter: 0 }))).toEqual([100, 200, 400, 800, 1000, 1000]);
    const lo = take(4, backoffDelays({ initialMs: 100, maxMs: 10_000, jitter: 0.5, random: () => 0 }));
    const hi = take(4, backoffDelays({ initialMs: 100, maxMs: 10_000, jitter: 0.5, random: () => 0.999999 }));
    expect(lo).toEqual([50, 100, 200, 400]);
    expect(hi).toEqual([150, 300, 600, 1200]);
    expect(take(3, backoffDelays({ initialMs: 100, maxMs: 120, jitter: 0.5, random: () => 0.999999 }))).toEqual([120, 120, 120]);
    expect(() => backoffDelays({ initialMs: 10, maxMs: 5 }).next()).toThrow(RangeError);
  });

  test('retries only retriable errors, then rethrows the last one', async () => {
    let calls = 0;
    const flaky = await retry(async () => {
      calls++;
      if (calls < 3) throw new GaleError('GALE_ERR_X', 'try again', { retriable: true });
      return 'ok';
    }, { retries: 5, initialMs: 1, maxMs: 2 });
    expect(flaky).toBe('ok');
    expect(calls).toBe(3);

    calls = 0;
    const fatal = new GaleError('GALE_ERR_Y', 'no');
    await expect(retry(async () => {
      calls++;
      throw fatal;
    }, { retries: 5, initialMs: 1, maxMs: 2 })).rejects.toBe(fatal);
    expect(calls).toBe(1);

    calls = 0;
    const seen: number[] = [];
    await expect(retry(async () => {
      calls++;
      throw new GaleError('GALE_ERR_X', `attempt ${calls}`, { retriable: true });
    }, { retries: 2, initialMs: 1, maxMs: 2, onRetry: ({ attempt }) => seen.push(attempt) })).rejects.toThrow('attempt 3');
    expect(seen).toEqual([0, 1]);
    expect(isRetriable(new Error('plain'))).toBe(false);
  });

  test('an abort stops the backoff wait', async () => {
    const ac = new AbortController();
    const p = retry(async () => {
      throw new GaleError('GALE_ERR_X', 'down', { retriable: true });
    }, { retries: Infinity, initialMs: 10_000, maxMs: 10_000, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('closing')), 10);
    await expect(p).rejects.toThrow('closing');
  });
});
