import type { Logger } from '../log.js';
import type { Slot } from './scheduler.js';

/** A topology the leader could not give all the workers it asks for. */
export interface Shortage {
  readonly topology: string;
  /** Workers assigned (0 while it waits for its first slot). */
  readonly assigned: number;
  /** Workers it would use (its `workers`, capped by its executor count). */
  readonly wanted: number;
}

/**
 * The leader's "no free worker slot" line. The leader runs every period, and a cluster that is
 * full stays full for hours: the line is written when the situation changes (which topologies
 * wait or run short, how many workers each has, which slots are free), not on every run, and a
 * cluster that stops being short logs once that it recovered.
 */
export class SlotShortageLog {
  private last = '';

  constructor(private readonly log: Logger) {}

  /** Called after every reconcile with the topologies short of workers and the slots left free. */
  report(short: readonly Shortage[], free: readonly Slot[]): void {
    const sorted = [...short].sort((a, b) => (a.topology < b.topology ? -1 : a.topology > b.topology ? 1 : 0));
    const slots = free.map((s) => `${s.supervisor}:${s.port}`).sort();
    const key = sorted.length === 0 ? '' : JSON.stringify([sorted.map((s) => [s.topology, s.assigned, s.wanted]), slots]);
    if (key === this.last) return;
    const had = this.last !== '';
    this.last = key;
    if (sorted.length === 0) {
      if (had) this.log.info({}, 'leader: every topology has its workers');
      return;
    }
    this.log.warn(
      {
        waiting: sorted.filter((s) => s.assigned === 0).map((s) => s.topology),
        short: sorted.filter((s) => s.assigned > 0).map((s) => `${s.topology} ${s.assigned}/${s.wanted}`),
        freeSlots: slots.length,
      },
      'leader: no free worker slot',
    );
  }
}
