/**
 * A token bucket: `rate` tokens per second, holding at most `burst`. Pure: the clock is
 * injected (milliseconds, monotonic), so tests can drive it.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    // Start with one token so the first take succeeds without waiting.
    this.tokens = Math.min(1, burst);
    this.last = now();
  }

  /** Takes one token if available. */
  tryTake(): boolean {
    const t = this.now();
    if (t > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.ratePerSec) / 1000);
      this.last = t;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
