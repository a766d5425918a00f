import { seededRandom } from '../../../engine/testing/counter-ids.js';
import { CountWindowState } from '../count-window-state.js';
import { TimeWindowState, type Firing } from '../time-window-state.js';
import { Duration, resolveWindow } from '../window-spec.js';

/*
 * What an incremental windowed bolt (WindowedCountBolt) relies on: without allowed lateness,
 * every window is the previous one plus its fresh items minus its expired ones. And what lazy
 * firings promise: a firing read late (after evictions, compactions, out-of-order inserts and
 * removes) shows what it held when it fired. Buffers of thousands of items, so the arrays compact.
 */
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

interface Seen {
  f: Firing<number>;
  window: number[];
  fresh: number[];
  expired: number[];
  /** Items failed out of the windows since the previous firing. */
  removed: number[];
}

function checkChain(firings: Seen[]): void {
  let running = new Set<number>();
  for (const { f, window, fresh, expired, removed } of firings) {
    for (const x of expired) running.delete(x);
    for (const x of removed) running.delete(x);
    for (const x of fresh) running.add(x);
    expect(sorted([...running])).toEqual(sorted(window));
    // Read again now, after everything that followed: unchanged.
    expect(f.window).toEqual(window);
    expect(f.fresh).toEqual(fresh);
    expect(f.expired).toEqual(expired);
    expect(f.size).toBe(window.length);
    running = new Set(window);
  }
}

describe('window firings: incremental chain and stable lazy lists', () => {
  it.each([
    ['processing time, sliding', 100, 10, 0],
    ['event time, sliding, out of order', 100, 10, 30],
    ['event time, tumbling, out of order', 50, 50, 20],
  ])('%s (length %i, slide %i, max disorder %i)', (_name, length, slide, disorder) => {
    const random = seededRandom(length + slide + disorder);
    const rnd = (n: number): number => Math.floor(random() * n);
    const s = new TimeWindowState<number>(resolveWindow('w', disorder > 0
      ? { length: Duration.ofMillis(length), slide: Duration.ofMillis(slide), timestamp: 'ts', watermarkIntervalMs: 10 }
      : { length: Duration.ofMillis(length), slide: Duration.ofMillis(slide), epochClock: () => 0 }));
    const firings: Seen[] = [];
    let removed: number[] = [];
    const live: number[] = [];
    let clock = 0;
    let next = 0;
    s.advance(0);
    for (let step = 0; step < 200; step++) {
      // A burst of items (hundreds: the buffer holds thousands and compacts).
      for (let k = rnd(200); k > 0; k--) {
        const ts = clock + (disorder > 0 ? rnd(disorder + 10) - disorder : 0);
        const id = next++;
        if (s.add(id, Math.max(ts, 0)) === 'added') live.push(id);
      }
      // Now and then a tuple is failed out of every window.
      if (rnd(10) === 0 && live.length > 0) {
        const id = live[rnd(live.length)]!;
        if (s.remove(id)) removed.push(id);
      }
      clock += rnd(3) * 5;
      s.advance(clock);
      for (let f = s.next(); f !== undefined; f = s.next()) {
        // Read only some firings at once; the others are read at the end, lazily.
        if (rnd(2) === 0) firings.push({ f, window: [...f.window], fresh: [...f.fresh], expired: [...f.expired], removed });
        else firings.push({ f, window: [], fresh: [], expired: [], removed });
        removed = [];
        s.evict();
      }
      s.evict();
    }
    expect(firings.length).toBeGreaterThan(20);
    // The firings not read at once are read now, long after: checkChain compares them with the chain.
    for (const r of firings) {
      if (r.window.length === 0 && r.fresh.length === 0 && r.expired.length === 0) {
        r.window = [...r.f.window];
        r.fresh = [...r.f.fresh];
        r.expired = [...r.f.expired];
      }
    }
    checkChain(firings);
  });

  it('count windows: the same chain, and firings stay as they were', () => {
    const s = new CountWindowState<number>(1500, 300);
    const firings: Seen[] = [];
    let removed: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const f = s.add(i);
      if (f === undefined) {
        if (i % 977 === 0 && s.remove(i - 5)) removed.push(i - 5);
        continue;
      }
      firings.push({ f, window: [...f.window], fresh: [...f.fresh], expired: [...f.expired], removed });
      removed = [];
      s.evict();
    }
    expect(firings.length).toBeGreaterThan(60);
    checkChain(firings);
  });
});
