import { HeldAcks } from '../../state/held-acks.js';
import { PANE_ACKS_TREES, paneAcks } from '../pane-acks.js';

/*
 * The ack table of a new pane (pane-acks.ts): small when new, grown as it fills, and an emptied
 * table reused at the size it grew to, with a generation of its own.
 */
describe('pane ack tables', () => {
  it('a new table is small, grows as trees arrive and keeps every entry', () => {
    const h = paneAcks([]);
    expect(h.capacity).toBeLessThanOrEqual(PANE_ACKS_TREES * 2);
    for (let i = 0; i < 5000; i++) h.add(i * 7919 + 1, i, -i);
    expect(h.size).toBe(5000);
    expect(h.capacity).toBeGreaterThanOrEqual(10_000);
    let sum = 0;
    h.forEach((_root, hi) => (sum += hi));
    expect(sum).toBe((4999 * 5000) / 2);
  });

  it('an emptied spare is reused at its grown size, renewed: it holds none of the generations it held before', () => {
    const h = new HeldAcks(PANE_ACKS_TREES);
    for (let i = 0; i < 3000; i++) h.add(i + 1, 1, 1);
    const cap = h.capacity;
    const oldGen = h.gen;
    h.clear();
    const spare = [h];
    const again = paneAcks(spare);
    expect(again).toBe(h);
    expect(spare).toEqual([]);
    expect(again.capacity).toBe(cap);
    expect(again.size).toBe(0);
    expect(again.gen).toBeGreaterThan(oldGen);
    expect(again.holdsGeneration(oldGen)).toBe(false);
    expect(again.holdsGeneration(again.gen)).toBe(true);
  });
});
