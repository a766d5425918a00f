import { seededRandom } from '../../../engine/testing/counter-ids.js';
import { EventPaneState } from '../event-pane-state.js';
import { TimeWindowState } from '../time-window-state.js';
import { Duration, resolveWindow } from '../window-spec.js';

/*
 * The pane state against the tuple window's state, with plain numbers: random out-of-order adds,
 * watermark moves and failed evaluations (the window's inputs dropped), and after every move the
 * same firings (bounds, and the items behind all / fresh / expired) and the same evictions (acks)
 * in the same order. A pane's aggregate here is the list of its items' numbers.
 *
 * The one difference, documented: a re-firing whose window a failed evaluation emptied is skipped by
 * the panes; the tuple state fires it with nothing in it, its expired list then moves to the next
 * firing in the panes.
 */
describe('event-time pane state: the tuple window state on random input', () => {
  it.each([
    [10, 10, 0], [30, 10, 0], [40, 20, 0], [20, 10, 15], [30, 30, 40], [40, 10, 25], [60, 20, 7],
  ])('length %i, slide %i, lateness %i', (length, slide, lateness) => {
    const random = seededRandom(length * 1000 + slide * 10 + lateness + 7);
    const rnd = (n: number): number => Math.floor(random() * n);
    const w = resolveWindow('m', {
      length: Duration.ofMillis(length), slide: Duration.ofMillis(slide), timestamp: 'ts', allowedLatenessMs: lateness, watermarkIntervalMs: 10,
    });
    const tuples = new TimeWindowState<number>(w);
    const panes = new EventPaneState<number[], string>(w, () => ({ agg: [], hold: 'hold' }), () => []);
    const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);
    let clock = 0;
    let firings = 0;
    let drops = 0;
    let refires = 0;
    let lastEnd = -Infinity;

    const drain = (): void => {
      const fromTuples: string[] = [];
      const fromPanes: string[] = [];
      let carry: number[] = [];
      /** Per non-empty firing, whether its evaluation failed. */
      const failed: boolean[] = [];
      for (let f = tuples.next(); f !== undefined; f = tuples.next()) {
        const expired = [...carry, ...f.expired];
        if (f.window.length === 0) {
          carry = expired;
          fromTuples.push(`evict ${JSON.stringify(sorted(tuples.evict()))}`);
          continue;
        }
        carry = [];
        if (f.end <= lastEnd) refires++;
        lastEnd = f.end;
        fromTuples.push(`fire ${f.start} ${f.end} ${JSON.stringify([sorted(f.window), sorted(f.fresh), sorted(expired)])}`);
        firings++;
        // Sometimes the evaluation fails: its inputs leave every window, unacked.
        failed.push(rnd(15) === 0);
        if (failed[failed.length - 1]) {
          drops++;
          for (const i of [...f.window]) tuples.remove(i);
          fromTuples.push(`drop ${JSON.stringify(sorted(f.window))}`);
        }
        fromTuples.push(`evict ${JSON.stringify(sorted(tuples.evict()))}`);
      }
      fromTuples.push(`evict ${JSON.stringify(sorted(tuples.evict()))}`);
      let k = 0;
      for (let f = panes.next(); f !== undefined; f = panes.next()) {
        fromPanes.push(`fire ${f.start} ${f.end} ${JSON.stringify([sorted(f.all.flat()), sorted(f.fresh.flat()), sorted(f.expired.flat())])}`);
        if (failed[k++] === true) {
          const gone = panes.drop(f.start, f.end);
          fromPanes.push(`drop ${JSON.stringify(sorted(gone.flatMap((p) => p.segments.flatMap((s) => s.agg))))}`);
        }
        fromPanes.push(`evict ${JSON.stringify(sorted(panes.evict().flatMap((p) => p.segments.flatMap((s) => s.agg))))}`);
      }
      fromPanes.push(`evict ${JSON.stringify(sorted(panes.evict().flatMap((p) => p.segments.flatMap((s) => s.agg))))}`);
      // Evictions after a skipped (empty) re-firing are empty: the tuple state evicts nothing there either.
      const compact = (xs: string[]): string[] => xs.filter((x) => x !== 'evict []');
      expect(compact(fromPanes)).toEqual(compact(fromTuples));
    };

    for (let step = 0; step < 3000; step++) {
      if (rnd(3) === 0) {
        clock += rnd(12);
        tuples.advance(clock);
        panes.advance(clock);
        drain();
      } else {
        const ts = clock + rnd(90) - 60;
        const r = tuples.add(step, ts);
        expect(panes.isLate(ts)).toBe(r === 'late');
        if (r === 'late') continue;
        const { pane, seg } = panes.slot(ts);
        seg.agg.push(step);
        panes.added(pane, seg);
      }
    }
    clock += length + slide + lateness + 1000;
    tuples.advance(clock);
    panes.advance(clock);
    drain();
    expect(panes.size).toBe(0);
    expect(tuples.size).toBe(0);
    expect(firings).toBeGreaterThan(100);
    expect(drops).toBeGreaterThan(3);
    if (lateness > 0) expect(refires).toBeGreaterThan(0);
  });
});

describe('event-time pane state at the edge of the accepted range (|ts| <= 8.64e15, event-time.ts)', () => {
  it.each([8.64e15 - 1000, -8.64e15 + 1000])('around %d: the same firings and evictions as the tuple state, re-firings included', (base) => {
    const w = resolveWindow('m', {
      length: Duration.ofMillis(30), slide: Duration.ofMillis(10), timestamp: 'ts', allowedLatenessMs: 20, watermarkIntervalMs: 10,
    });
    const tuples = new TimeWindowState<number>(w);
    const panes = new EventPaneState<number[], string>(w, () => ({ agg: [], hold: 'hold' }), () => []);
    const add = (item: number, ts: number): void => {
      expect(tuples.add(item, ts)).toBe('added');
      const { pane, seg } = panes.slot(ts);
      seg.agg.push(item);
      panes.added(pane, seg);
    };
    const move = (t: number): string[][] => {
      tuples.advance(t);
      panes.advance(t);
      const a: string[] = [];
      const b: string[] = [];
      for (let f = tuples.next(); f !== undefined; f = tuples.next()) a.push(`${f.end - base} ${f.window.join()} evicts ${tuples.evict().join()}`);
      for (let f = panes.next(); f !== undefined; f = panes.next()) b.push(`${f.end - base} ${f.all.flat().join()} evicts ${panes.evict().flatMap((p) => p.segments.flatMap((s) => s.agg)).join()}`);
      return [a, b];
    };
    add(1, base + 5);
    add(2, base + 15);
    const [a1, b1] = move(base + 40);
    expect(a1).toEqual(['10 1 evicts ', '20 1,2 evicts ', '30 1,2 evicts ', '40 2 evicts ']);
    expect(b1).toEqual(a1);
    add(3, base + 7); // within lateness: its window ending 30 fires again
    const [a2, b2] = move(base + 100);
    expect(a2).toEqual(['30 1,3,2 evicts 1,3,2']);
    expect(b2).toEqual(a2);
  });
});
