import { seededRandom } from '../../../engine/testing/counter-ids.js';
import { EventPaneState } from '../event-pane-state.js';
import { TimeWindowState } from '../time-window-state.js';
import { Duration, resolveWindow, type ResolvedWindow } from '../window-spec.js';

/*
 * A tick may move an event-time clock more than once before its firing loop runs (the watermark,
 * then the idle flush: rolling-top-users fired 1 of 46 windows and acked the rest unseen). Both
 * states, tuples and panes, must fire every window ending up to the clock, in order, whatever
 * sequence of advances came before the firing loop.
 */

const window = (length: number, slide: number, lateness = 0): ResolvedWindow => resolveWindow('w', {
  length: Duration.ofMillis(length), slide: Duration.ofMillis(slide), timestamp: 'ts', allowedLatenessMs: lateness, watermarkIntervalMs: 10,
});

interface Fired { end: number; all: number[]; fresh: number[] }

/** The tuple window's state with plain numbers: drains as the executor does, recording firings and acks. */
class Tuples {
  readonly s: TimeWindowState<number>;
  readonly acked: number[] = [];
  constructor(w: ResolvedWindow) {
    this.s = new TimeWindowState<number>(w);
  }
  add(id: number, ts: number): string {
    return this.s.add(id, ts);
  }
  drain(): Fired[] {
    const out: Fired[] = [];
    for (let f = this.s.next(); f !== undefined; f = this.s.next()) {
      out.push({ end: f.end, all: [...f.window].sort((a, b) => a - b), fresh: [...f.fresh].sort((a, b) => a - b) });
      this.acked.push(...this.s.evict());
    }
    this.acked.push(...this.s.evict());
    return out;
  }
}

/** The pane state with plain numbers: a pane's aggregate is the list of its inputs. */
class Panes {
  readonly s: EventPaneState<number[], number[]>;
  readonly acked: number[] = [];
  constructor(w: ResolvedWindow) {
    this.s = new EventPaneState<number[], number[]>(w, () => ({ agg: [], hold: [] }), () => []);
  }
  add(id: number, ts: number): string {
    if (this.s.isLate(ts)) return 'late';
    const { pane, seg } = this.s.slot(ts);
    seg.agg.push(id);
    pane.hold.push(id);
    this.s.added(pane, seg);
    return 'added';
  }
  drain(): Fired[] {
    const out: Fired[] = [];
    for (let f = this.s.next(); f !== undefined; f = this.s.next()) {
      out.push({ end: f.end, all: f.all.flat().sort((a, b) => a - b), fresh: f.fresh.flat().sort((a, b) => a - b) });
      for (const p of this.s.evict()) this.acked.push(...p.hold);
    }
    for (const p of this.s.evict()) this.acked.push(...p.hold);
    return out;
  }
}

describe.each([['tuple window', (w: ResolvedWindow) => new Tuples(w)], ['event-time panes', (w: ResolvedWindow) => new Panes(w)]])('%s: advances before the firing loop', (_name, make) => {
  it('two advances before firing fire every window end in between, in order, and ack nothing unseen', () => {
    const st = make(window(10, 10));
    // Tuples at 0, 5, ..., 45: two per tumbling window [0,10) ... [40,50).
    for (let i = 0; i < 10; i++) expect(st.add(i, i * 5)).toBe('added');
    st.s.advance(45); // the watermark
    st.s.advance(55); // the idle flush, same tick
    expect(st.drain()).toEqual([0, 1, 2, 3, 4].map((k) => ({ end: (k + 1) * 10, all: [2 * k, 2 * k + 1], fresh: [2 * k, 2 * k + 1] })));
    expect(st.acked).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(st.drain()).toEqual([]);
  });

  it('sliding, with lateness: a run of advances fires what one advance to the last target fires', () => {
    const w = window(30, 10, 20);
    const a = make(w);
    const b = make(w);
    for (const st of [a, b]) for (let i = 0; i < 12; i++) st.add(i, 3 + i * 7);
    for (const t of [12, 31, 40, 47, 95]) a.s.advance(t);
    b.s.advance(95);
    const fired = a.drain();
    expect(fired).toEqual(b.drain());
    expect(fired.map((f) => f.end)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100].filter((e) => e <= 95));
    expect(a.acked).toEqual(b.acked);
  });

  it('an input for a window the clock passed but that has not fired yet is in that window, not late, and fires once', () => {
    const st = make(window(10, 10, 5));
    st.add(0, 5);
    st.s.advance(10);
    expect(st.drain().map((f) => f.end)).toEqual([10]);
    st.s.advance(25);
    // [10,20) is due but not fired: ts 12 goes into it (no re-firing: it has not fired).
    expect(st.add(1, 12)).toBe('added');
    expect(st.drain()).toEqual([{ end: 20, all: [1], fresh: [1] }]);
    // Now it has fired and the clock is past its lateness: late.
    expect(st.add(2, 13)).toBe('late');
  });

  it('random sequences of advances and firing loops fire each window exactly once, in end order, as firing after every advance does', () => {
    const random = seededRandom(20261203);
    const rnd = (n: number): number => Math.floor(random() * n);
    for (let run = 0; run < 200; run++) {
      const slide = 5 * (1 + rnd(3));
      const w = window(slide * (1 + rnd(3)), slide);
      const lazy = make(w);
      const eager = make(w);
      for (let i = 0; i < 30; i++) {
        const ts = rnd(300);
        lazy.add(i, ts);
        eager.add(i, ts);
      }
      let clock = 0;
      const lazyFired: Fired[] = [];
      const eagerFired: Fired[] = [];
      while (clock < 400) {
        clock += rnd(40);
        lazy.s.advance(clock);
        eager.s.advance(clock);
        eagerFired.push(...eager.drain());
        if (rnd(3) === 0) lazyFired.push(...lazy.drain());
      }
      lazyFired.push(...lazy.drain());
      expect(lazyFired).toEqual(eagerFired);
      const ends = lazyFired.map((f) => f.end);
      expect(ends).toEqual([...new Set(ends)].sort((x, y) => x - y));
      expect([...lazy.acked].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    }
  });
});
