import type { PaneAggregator, PaneWindow, Tuple, WindowedOutputCollector } from '@gale/runtime';
import type { FieldReader } from '../field-reader.js';

/** One pane: inputs per key, boxed so that an input of a key already in the pane costs one hash lookup (as CountBolt). */
export type PaneCount = Map<unknown, { n: number }>;

/*
 * WindowedCountBolt's counts when its window runs in panes (anchor 'none', docs/windowing.md
 * "Panes"): a pane counts its inputs per key; the window's counts are kept running across
 * evaluations (add the panes that entered, subtract those that left), so an evaluation costs the
 * keys of two panes, not the window's inputs. The rows are those of the tuple-buffering modes.
 * `regroup`: an event-time window with allowed lateness fires windows again (an older one after a
 * newer), which are not "previous + entered - left": each evaluation sums all its panes instead
 * (the keys of length / slide panes, still no input kept).
 */
export class PaneCounts implements PaneAggregator<PaneCount> {
  /** Per key present in the window, its count (> 0), in the order keys entered it. */
  private readonly totals = new Map<unknown, number>();
  /** An evaluation threw: its panes were dropped, so start over from all(). */
  private stale = false;

  constructor(private readonly key: FieldReader, private readonly regroup = false) {}

  createPane(): PaneCount {
    return new Map();
  }

  add(pane: PaneCount, tuple: Tuple): void {
    // Read first: a tuple without the key field throws with the pane unchanged.
    const k = this.key.read(tuple);
    const c = pane.get(k);
    if (c !== undefined) c.n++;
    else pane.set(k, { n: 1 });
  }

  execute(w: PaneWindow<PaneCount>, collector: WindowedOutputCollector): void {
    const totals = this.totals;
    try {
      if (this.stale || this.regroup) {
        totals.clear();
        for (const p of w.all()) this.addPane(p);
      } else {
        // Expired first, so a key that empties and comes back moves to the end (as RunningCounts).
        for (const p of w.expired()) {
          for (const [k, { n }] of p) {
            const left = (totals.get(k) ?? 0) - n;
            if (left > 0) totals.set(k, left);
            else totals.delete(k);
          }
        }
        for (const p of w.fresh()) this.addPane(p);
      }
      this.stale = false;
      for (const [k, n] of totals) collector.emit([k, n, w.startTimestamp, w.endTimestamp]);
    } catch (err) {
      this.stale = true;
      throw err;
    }
  }

  private addPane(p: PaneCount): void {
    for (const [k, { n }] of p) this.totals.set(k, (this.totals.get(k) ?? 0) + n);
  }
}
