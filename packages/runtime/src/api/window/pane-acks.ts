import { HeldAcks } from '../state/held-acks.js';

/*
 * The held-acks table of a new pane, shared by the processing-time (pane-window-executor.ts) and
 * the event-time panes (event-pane-window-executor.ts). A pane holds the trees of one slide: often
 * a handful (an event-time pane of a sparse key, or 10k panes of a long window over few events),
 * sometimes thousands. HeldAcks' default (1024 trees, 2048 slots, ~34 KB) made 10k live panes of
 * one tree each cost ~350 MB; a table starts small and doubles as it fills instead, and an emptied
 * table is reused at the size it grew to, so a busy pane stream stops growing after its first panes.
 */

/** Trees a new pane's table has room for before it first grows (16 slots, ~270 bytes). */
export const PANE_ACKS_TREES = 8;

/** An emptied table from `spare`, renewed, else a new small one. */
export function paneAcks(spare: HeldAcks[]): HeldAcks {
  const acks = spare.pop();
  if (acks === undefined) return new HeldAcks(PANE_ACKS_TREES);
  // A reused table must stamp its inputs with a generation of its own (HeldAcks.renew).
  acks.renew();
  return acks;
}
