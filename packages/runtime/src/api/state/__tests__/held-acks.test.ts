import { HeldAcks } from '../held-acks.js';

function entries(h: HeldAcks): [number, number, number][] {
  const out: [number, number, number][] = [];
  h.forEach((root, hi, lo) => out.push([root, hi, lo]));
  return out.sort((a, b) => a[0] - b[0]);
}

describe('held acks (one XOR record per tree)', () => {
  it('XORs the ack values of one tree into one entry, counting the inputs', () => {
    const h = new HeldAcks(4);
    const big = 2 ** 52 + 7; // root ids are 53-bit
    h.add(big, 0x0f, -1);
    h.add(5, 1, 2);
    h.add(big, 0xf0, -1);
    h.tuples += 3;
    expect(h.size).toBe(2);
    expect(entries(h)).toEqual([[5, 1, 2], [big, 0xff, 0]]);
  });

  it('addSplit takes the root in halves, as tuples carry it, and agrees with add and kill in any order', () => {
    const h = new HeldAcks(4);
    const big = 2 ** 52 + 7;
    const hi = Math.floor(big / 2 ** 32);
    const lo = big % 2 ** 32 | 0;
    h.addSplit(hi, lo, 1, 1);
    h.add(5, 2, 2); // another tree between two addSplits of one: the cached slot must not be reused
    h.addSplit(hi, lo, 4, 4);
    h.addSplit(0, 5, 8, 8);
    h.kill(5);
    h.addSplit(0, 5, 16, 16); // killed stays killed
    for (let i = 0; i < 100; i++) h.add(1000 + i, 0, 0); // grows: slots move
    h.addSplit(hi, lo, 32, 32);
    expect(h.holds(5)).toBe(2);
    expect(entries(h).filter(([r]) => r === big || r === 5)).toEqual([[big, 37, 37]]);
    h.clear();
    h.renew();
    h.addSplit(hi, lo, 64, 64); // after a clear the cached slot is gone too
    expect(entries(h)).toEqual([[big, 64, 64]]);
  });

  it('grows past its initial capacity and keeps every entry', () => {
    const h = new HeldAcks(4);
    for (let i = 0; i < 10_000; i++) h.add(i * 1_000_003 + 2 ** 40, i, -i);
    expect(h.size).toBe(10_000);
    const seen = entries(h);
    expect(seen).toHaveLength(10_000);
    expect(seen[123]).toEqual([123 * 1_000_003 + 2 ** 40, 123, -123]);
  });

  it('reserve sizes an empty table for an interval of trees, and leaves a table holding entries alone', () => {
    const h = new HeldAcks(4);
    h.reserve(5000);
    for (let i = 0; i < 5000; i++) h.add(i * 7 + 2 ** 45, i, 1);
    expect(h.size).toBe(5000);
    h.reserve(1_000_000); // holds entries: no-op, nothing lost
    expect(entries(h)).toHaveLength(5000);
    expect(entries(h)[42]).toEqual([42 * 7 + 2 ** 45, 42, 1]);
  });

  it('a killed tree is skipped, and stays killed when acks of it come later', () => {
    const h = new HeldAcks();
    h.add(1, 1, 1);
    h.add(2, 2, 2);
    h.kill(1);
    h.add(1, 4, 4);
    h.kill(3); // killed before any ack of it
    h.add(3, 3, 3);
    expect(entries(h)).toEqual([[2, 2, 2]]);
    // holds: 1 held, 2 held killed, 0 not held (and asking inserts nothing).
    expect([h.holds(2), h.holds(1), h.holds(3), h.holds(99)]).toEqual([1, 2, 2, 0]);
    expect(h.size).toBe(3);
  });

  it('moveInto XORs into the other table, carries kills and counts, and clears', () => {
    const a = new HeldAcks();
    const b = new HeldAcks();
    a.add(1, 1, 0);
    a.add(2, 2, 0);
    a.kill(2);
    a.tuples = 2;
    b.add(1, 3, 0);
    b.add(2, 5, 0);
    b.tuples = 4;
    a.moveInto(b);
    expect(entries(b)).toEqual([[1, 2, 0]]);
    expect(b.tuples).toBe(6);
    expect(a.size).toBe(0);
    expect(a.tuples).toBe(0);
    expect(entries(a)).toEqual([]);
  });

  it('clear empties the table; it is reusable, also after a burst shrank it', () => {
    const h = new HeldAcks();
    for (let i = 0; i < 200_000; i++) h.add(i, 1, 1);
    h.clear();
    expect(h.size).toBe(0);
    h.add(7, 1, 1);
    h.clear(); // 1 entry in a table sized for 200k: shrinks
    h.add(9, 2, 3);
    expect(entries(h)).toEqual([[9, 2, 3]]);
  });

  it('gives a burst\'s memory back through idle intervals, and keeps its size at a steady rate', () => {
    // StatefulBoltExecutor's PREPARE (swap the tables, reserve for the last interval's trees) and COMMIT
    let acked = new HeldAcks();
    let prepared = new HeldAcks();
    const interval = (trees: number, base: number): void => {
      for (let i = 0; i < trees; i++) acked.add(base + i * 3, i, 1);
      const taken = acked;
      const n = taken.size;
      acked = prepared;
      acked.renew();
      prepared = taken;
      acked.reserve(n);
      prepared.clear();
    };
    interval(200_000, 2 ** 40); // a burst
    expect(acked.capacity + prepared.capacity).toBeGreaterThanOrEqual(800_000);
    for (let k = 0; k < 6; k++) interval(0, 0); // the input stopped
    expect(acked.capacity).toBeLessThanOrEqual(65_536);
    expect(prepared.capacity).toBeLessThanOrEqual(65_536);
    interval(100_000, 2 ** 41);
    interval(100_000, 2 ** 42);
    const caps = [acked.capacity, prepared.capacity];
    for (let k = 0; k < 4; k++) {
      interval(100_000, 2 ** 43 + k * 2 ** 20); // a steady rate: reserved, never regrown nor shrunk
      expect([acked.capacity, prepared.capacity].sort()).toEqual([...caps].sort());
      expect(Math.min(...caps)).toBeGreaterThanOrEqual(200_000);
    }
  });

  it('tells by generation whose acks a table holds: renew, moveInto and clear', () => {
    const prepared = new HeldAcks();
    const acked = new HeldAcks();
    const g1 = acked.gen;
    expect(acked.holdsGeneration(g1)).toBe(true);
    expect(prepared.holdsGeneration(g1)).toBe(false);
    expect(acked.holdsGeneration(0)).toBe(false); // 0: a tuple no table held
    acked.moveInto(prepared); // a PREPARE while the prepared table still holds acks
    expect(prepared.holdsGeneration(g1)).toBe(true);
    expect(acked.holdsGeneration(g1)).toBe(false);
    acked.renew();
    const g2 = acked.gen;
    expect(g2).toBeGreaterThan(g1);
    acked.moveInto(prepared);
    expect([prepared.holdsGeneration(g1), prepared.holdsGeneration(g2)]).toEqual([true, true]);
    prepared.clear(); // COMMIT: applied
    expect([prepared.holdsGeneration(g1), prepared.holdsGeneration(g2)]).toEqual([false, false]);
    prepared.renew();
    expect(prepared.holdsGeneration(g2)).toBe(false);
    expect(prepared.gen).toBeGreaterThan(g2);
  });
});
