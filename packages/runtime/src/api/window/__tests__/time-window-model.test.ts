import { seededRandom } from '../../../engine/testing/counter-ids.js';
import { TimeWindowState } from '../time-window-state.js';
import { Duration, resolveWindow } from '../window-spec.js';

/*
 * Random adds and clock moves against the properties the window promises, checked with plain
 * arrays: window contents, one delivery as "new", late iff every window closed, every open window
 * fires, ack exactly once and only after the last window (plus lateness) has passed.
 */
describe('time window state: random model check', () => {
  it.each([
    [10, 10, 0], [30, 10, 0], [50, 20, 0], [20, 10, 15], [30, 30, 40], [40, 10, 25],
  ])('length %i, slide %i, lateness %i', (length, slide, lateness) => {
    const random = seededRandom(length * 1000 + slide * 10 + lateness);
    const rnd = (n: number): number => Math.floor(random() * n);
    const w = resolveWindow('m', {
      length: Duration.ofMillis(length), slide: Duration.ofMillis(slide), timestamp: 'ts', allowedLatenessMs: lateness, watermarkIntervalMs: 10,
    });
    const s = new TimeWindowState<number>(w);
    const lastEnd = (ts: number): number => Math.floor((ts + length) / slide) * slide;
    const firstEnd = (ts: number): number => Math.floor(ts / slide) * slide + slide;
    const ts: number[] = [];
    const addedAt: number[] = [];
    const accepted: number[] = [];
    const ackedAt = new Map<number, number>();
    const freshCount = new Map<number, number>();
    const firedEnds = new Map<number, Set<number>>();
    const expiredSeen = new Set<number>();
    let clock = -Infinity;

    const drain = (): void => {
      const ack = (items: readonly number[]): void => {
        for (const i of items) {
          expect(ackedAt.has(i)).toBe(false);
          ackedAt.set(i, clock);
        }
      };
      let prevEnd = -Infinity;
      for (let f = s.next(); f !== undefined; f = s.next()) {
        expect(f.end).toBeLessThanOrEqual(clock);
        expect(f.end).toBeGreaterThanOrEqual(prevEnd);
        prevEnd = f.end;
        const want = accepted.filter((i) => ts[i]! >= f.start && ts[i]! < f.end && !ackedAt.has(i));
        expect([...f.window].sort((a, b) => a - b)).toEqual(want);
        for (const i of f.fresh) freshCount.set(i, (freshCount.get(i) ?? 0) + 1);
        for (const i of f.window) {
          if (!firedEnds.has(i)) firedEnds.set(i, new Set());
          firedEnds.get(i)!.add(f.end);
        }
        for (const i of f.expired) {
          expect(ackedAt.has(i)).toBe(true);
          expect(expiredSeen.has(i)).toBe(false);
          expiredSeen.add(i);
        }
        ack(s.evict());
      }
      ack(s.evict());
    };

    for (let step = 0; step < 2000; step++) {
      if (rnd(3) === 0) {
        clock = Math.max(clock === -Infinity ? 0 : clock, (clock === -Infinity ? 0 : clock) + rnd(25));
        s.advance(clock);
        drain();
      } else {
        const i = ts.length;
        const base = clock === -Infinity ? 0 : clock;
        ts.push(base + rnd(120) - 80);
        addedAt.push(clock);
        const r = s.add(i, ts[i]!);
        expect(r).toBe(lastEnd(ts[i]!) + lateness <= clock ? 'late' : 'added');
        if (r === 'added') accepted.push(i);
      }
    }
    clock += length + slide + lateness + 1000;
    s.advance(clock);
    drain();

    expect(s.size).toBe(0);
    for (const i of accepted) {
      // Acked once, not before its last window and its lateness had passed.
      expect(ackedAt.get(i)).toBeGreaterThanOrEqual(lastEnd(ts[i]!) + lateness);
      expect(freshCount.get(i)).toBe(1);
      // Every window of the tuple still open when it arrived fired with it.
      for (let end = firstEnd(ts[i]!); end <= lastEnd(ts[i]!); end += slide) {
        if (end + lateness > addedAt[i]!) expect(firedEnds.get(i)?.has(end)).toBe(true);
      }
    }
  });
});
