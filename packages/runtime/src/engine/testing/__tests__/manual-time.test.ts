import { CounterIds, seededRandom } from '../counter-ids.js';
import { ManualClock, ManualScheduler } from '../manual-time.js';

describe('ManualClock', () => {
  it('stands still until advanced; epochMs follows now()', () => {
    const c = new ManualClock(5, 1_000_000);
    expect(c.now()).toBe(5);
    expect(c.epochMs()).toBe(1_000_005);
    c.advance(2.5);
    expect(c.now()).toBe(7.5);
    expect(c.epochMs()).toBe(1_000_007.5);
    expect(() => c.advance(-1)).toThrow(RangeError);
    expect(() => c.advance(Number.NaN)).toThrow(RangeError);
    expect(() => c.advance(Infinity)).toThrow(RangeError);
  });
});

describe('ManualScheduler', () => {
  it('runs nothing until the test drives it', () => {
    const s = new ManualScheduler();
    const seen: string[] = [];
    s.defer(() => seen.push('d'));
    s.after(10, () => seen.push('a'));
    s.every(10, () => seen.push('e'));
    expect(seen).toEqual([]);
    expect(s.deferredCount).toBe(1);
    expect(s.timerCount).toBe(2);
    expect(s.oneShotCount).toBe(1);
    expect(s.nextDueIn()).toBe(10);
  });

  it('runDeferred runs deferred callbacks to a fixpoint in FIFO order, without moving time', () => {
    const s = new ManualScheduler();
    const seen: string[] = [];
    s.defer(() => {
      seen.push('a');
      s.defer(() => seen.push('c'));
    });
    s.defer(() => seen.push('b'));
    expect(s.runDeferred()).toBe(3);
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(s.clock.now()).toBe(0);
    expect(s.runDeferred()).toBe(0);
  });

  it('guards against a callback that defers itself forever', () => {
    const s = new ManualScheduler(new ManualClock(), { maxDeferredRuns: 100 });
    let n = 0;
    const loop = (): void => {
      n++;
      s.defer(loop);
    };
    s.defer(loop);
    expect(() => s.runDeferred()).toThrow(/more than 100 deferred callbacks at t=0/);
    expect(n).toBe(100);
    // The loop is still queued: the scheduler is not left in a broken state.
    expect(s.deferredCount).toBe(1);
  });

  it('advanceBy fires timers in due order at their due time, deferred work drained between them', () => {
    const s = new ManualScheduler();
    const seen: string[] = [];
    const at = (what: string) => () => {
      seen.push(`${what}@${s.clock.now()}`);
    };
    s.after(30, at('a30'));
    s.after(10, () => {
      at('a10')();
      s.defer(at('d-after-a10'));
    });
    s.every(20, at('e20'));
    s.after(20, at('a20')); // same due time as e20's first firing, armed later: fires after it
    expect(s.advanceBy(45)).toBe(5);
    expect(seen).toEqual(['a10@10', 'd-after-a10@10', 'e20@20', 'a20@20', 'a30@30', 'e20@40']);
    expect(s.clock.now()).toBe(45);
    expect(s.nextDueIn()).toBe(15);
  });

  it('a timer armed by a timer fires in the same advanceBy when it falls due within it', () => {
    const s = new ManualScheduler();
    const seen: number[] = [];
    s.after(10, () => s.after(10, () => seen.push(s.clock.now())));
    s.advanceBy(20);
    expect(seen).toEqual([20]);
  });

  it('cancel stops a timer, also from inside its own callback; cancelling twice is harmless', () => {
    const s = new ManualScheduler();
    let a = 0;
    let e = 0;
    const cancelA = s.after(5, () => a++);
    cancelA();
    cancelA();
    const cancelE: () => void = s.every(5, () => {
      e++;
      if (e === 3) cancelE();
    });
    s.advanceBy(100);
    expect(a).toBe(0);
    expect(e).toBe(3);
    expect(s.timerCount).toBe(0);
  });

  it("rounds delays like Node: below 1 ms, above 2^31-1 or NaN become 1 ms", () => {
    const s = new ManualScheduler();
    const seen: number[] = [];
    s.after(0, () => seen.push(0));
    s.after(Number.NaN, () => seen.push(1));
    s.after(2 ** 31, () => seen.push(2));
    s.after(-5, () => seen.push(3));
    s.advanceBy(0);
    expect(seen).toEqual([]);
    s.advanceBy(1);
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('runUntilIdle advances through one-shot timers (repeating ones fire on the way) and stops when only repeating ones remain', () => {
    const s = new ManualScheduler();
    const seen: string[] = [];
    s.every(100, () => seen.push(`tick@${s.clock.now()}`));
    s.after(150, () => {
      seen.push(`a@${s.clock.now()}`);
      s.after(200, () => seen.push(`b@${s.clock.now()}`));
    });
    expect(s.runUntilIdle()).toBe(350);
    expect(seen).toEqual(['tick@100', 'a@150', 'tick@200', 'tick@300', 'b@350']);
    expect(s.timerCount).toBe(1);
  });

  it('runUntilIdle gives up past its limit when one-shot timers keep re-arming', () => {
    const s = new ManualScheduler();
    const again = (): void => {
      s.after(10, again);
    };
    s.after(10, again);
    expect(() => s.runUntilIdle(1000)).toThrow(/still busy after 1000 ms of manual time/);
    expect(s.clock.now()).toBe(1000);
  });

  it('advanceToNext jumps to the next due timer', () => {
    const s = new ManualScheduler(new ManualClock(100));
    const seen: number[] = [];
    expect(s.advanceToNext()).toBeUndefined();
    s.after(7, () => seen.push(s.clock.now()));
    expect(s.advanceToNext()).toBe(7);
    expect(seen).toEqual([107]);
  });

  it('a timer overtaken by a direct clock.advance fires late, at the current time', () => {
    const s = new ManualScheduler();
    const seen: number[] = [];
    s.after(10, () => seen.push(s.clock.now()));
    s.clock.advance(25);
    s.advanceBy(0);
    expect(seen).toEqual([25]);
  });
});

describe('CounterIds and seededRandom', () => {
  it('are reproducible, and ids do not repeat', () => {
    const a = new CounterIds();
    const b = new CounterIds();
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const x = a.next32();
      expect(b.next32()).toBe(x);
      expect(x).toBe(x | 0);
      seen.add(x);
    }
    expect(seen.size).toBe(10_000);
    const r1 = seededRandom(7);
    const r2 = seededRandom(7);
    for (let i = 0; i < 1000; i++) {
      const x = r1();
      expect(r2()).toBe(x);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});
