/*
 * Per-key counts of a sliding window kept up to date from one evaluation to the next: add the
 * new tuples, subtract the expired ones, O(1) per tuple and window instead of regrouping the
 * whole window every slide. Valid while every window equals the previous one plus its new
 * tuples minus its expired ones, which the window executor guarantees except for event-time
 * windows with allowed lateness (a window fires again, and tuples leave `get()` before they
 * expire) and for tuples failed out of the window (an execute that threw): WindowedCountBolt
 * regroups in the first case and rebuilds from `get()` after the second.
 */

/*
 * T is what the window hands out: entry numbers (the window's `entries`, no Tuple objects kept)
 * or Tuples (a window without them).
 */

const NO_TUPLES: readonly never[] = Object.freeze([]);

/** One key in the window. */
export interface KeyRun<T> {
  count: number;
  /** The key's tuples in the window, oldest first (kept only to anchor to them). */
  tuples: T[] | undefined;
  /** How many of `tuples` have expired but are not yet cut off (cut once per evaluation). */
  dead: number;
  /** The key's tuples new in evaluation `stamp`. */
  fresh: T[];
  stamp: number;
}

export class RunningCounts<T> {
  /** Keys in the window with their count (> 0), in the order they entered it. */
  readonly runs = new Map<unknown, KeyRun<T>>();
  private evaluation = 0;

  constructor(private readonly keepTuples: boolean, private readonly keyOf: (t: T) => unknown) {}

  /** Applies one evaluation's expired (first, so a key that empties and comes back moves to the end) and new tuples. */
  update(expired: readonly T[], fresh: readonly T[]): void {
    this.evaluation++;
    for (const t of expired) this.expire(t);
    for (const t of fresh) this.add(t);
    if (this.keepTuples) this.cutDead();
  }

  /** Starts over from a whole window (after tuples were failed out of it). */
  rebuild(window: readonly T[], fresh: readonly T[]): void {
    this.runs.clear();
    this.evaluation++;
    for (const t of window) this.add(t);
    if (this.keepTuples) return;
    // `add` marked every tuple new: only `fresh` are.
    for (const run of this.runs.values()) run.stamp = -1;
    for (const t of fresh) {
      const run = this.runs.get(this.keyOf(t));
      if (run !== undefined) this.markFresh(run, t);
    }
  }

  /** The key's tuples new in the latest evaluation (empty when none; always empty when keeping all tuples). */
  freshOf(run: KeyRun<T>): readonly T[] {
    return run.stamp === this.evaluation ? run.fresh : NO_TUPLES;
  }

  private add(t: T): void {
    const k = this.keyOf(t);
    let run = this.runs.get(k);
    if (run === undefined) {
      run = { count: 0, tuples: this.keepTuples ? [] : undefined, dead: 0, fresh: [], stamp: -1 };
      this.runs.set(k, run);
    }
    run.count++;
    // Anchoring to the key's tuples needs them all; anchoring to the new ones, only those.
    if (run.tuples !== undefined) run.tuples.push(t);
    else this.markFresh(run, t);
  }

  private markFresh(run: KeyRun<T>, t: T): void {
    if (run.stamp !== this.evaluation) {
      run.stamp = this.evaluation;
      run.fresh = [t];
    } else run.fresh.push(t);
  }

  private expire(t: T): void {
    const k = this.keyOf(t);
    const run = this.runs.get(k);
    if (run === undefined) return;
    if (--run.count === 0) {
      this.runs.delete(k);
      return;
    }
    const ts = run.tuples;
    if (ts === undefined) return;
    // Tuples expire oldest first; only an out-of-order event-time tuple can break that.
    if (ts[run.dead] === t) run.dead++;
    else {
      const i = ts.indexOf(t, run.dead);
      if (i >= 0) {
        ts.splice(i, 1);
      }
    }
  }

  private cutDead(): void {
    for (const run of this.runs.values()) {
      if (run.dead > 0) {
        run.tuples!.splice(0, run.dead);
        run.dead = 0;
      }
    }
  }
}
