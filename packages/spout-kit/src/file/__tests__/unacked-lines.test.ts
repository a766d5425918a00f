// gen-data's seeded PRNG: every run checks the same operations.
import { prng as rng } from '../../../../../topologies/gen-data.js';
import { UnackedLines } from '../unacked-lines.js';

describe('UnackedLines', () => {
  it('behaves as a Map under random pushes, deletes, lookups and a line that is never acked', () => {
    const rand = rng(7);
    const u = new UnackedLines();
    const ref = new Map<number, number>(); // offset -> end
    const keys: number[] = []; // ref's keys, for picking one at random (swap-remove)
    let offset = 0;
    let pinnedAt = -1; // pushed first and never deleted: holes pile up behind it
    for (let step = 0; step < 50_000; step++) {
      const r = rand();
      if (r < 0.5 || ref.size === 0) {
        offset += 1 + Math.floor(rand() * (rand() < 0.01 ? 10_000 : 80)); // skewed line lengths
        u.push(offset, offset + 1);
        ref.set(offset, offset + 1);
        keys.push(offset);
      } else if (rand() < 0.9) {
        const j = Math.floor(rand() * keys.length);
        const k = keys[j]!;
        if (k === pinnedAt) continue;
        keys[j] = keys[keys.length - 1]!;
        keys.pop();
        expect(u.delete(k)).toBe(ref.delete(k));
      } else {
        expect(u.delete(offset + 1)).toBe(false);
      }
      if (step === 0) {
        offset += 3; // one entry at a distinct offset, never deleted
        u.push(offset, offset + 2);
        ref.set(offset, offset + 2);
        pinnedAt = offset;
      }
      if (step % 4999 === 0) {
        expect(u.size).toBe(ref.size);
        for (const [k, v] of ref) {
          expect(u.endOf(k)).toBe(v);
          expect(u.has(k)).toBe(true);
        }
        expect(u.endOf(offset + 5)).toBe(-1);
        expect(u.has(-1)).toBe(false);
      }
    }
    expect(u.size).toBe(ref.size);
  });

  it('finds entries after the ring wrapped around and after acks in random order', () => {
    const u = new UnackedLines();
    for (let round = 0; round < 5; round++) {
      const base = round * 1_000_000;
      const offs = Array.from({ length: 5000 }, (_, i) => base + i * 13);
      for (const o of offs) u.push(o, o + 13);
      const rand = rng(round);
      for (let i = offs.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [offs[i], offs[j]] = [offs[j]!, offs[i]!];
      }
      for (const o of offs) {
        expect(u.endOf(o)).toBe(o + 13);
        expect(u.delete(o)).toBe(true);
        expect(u.delete(o)).toBe(false);
      }
      expect(u.size).toBe(0);
    }
  });

  it('refuses an offset that is not above the last one (offsets are file positions)', () => {
    const u = new UnackedLines();
    u.push(10, 12);
    expect(() => u.push(10, 12)).toThrow(RangeError);
    expect(() => u.push(5, 7)).toThrow(RangeError);
  });

  it('gives back the memory of a burst once its lines are acked in order, without thrashing at a steady rate', () => {
    const u = new UnackedLines();
    const n = 50_000;
    for (let i = 0; i < n; i++) u.push(i * 10, i * 10 + 10);
    expect(u.capacity).toBeGreaterThanOrEqual(n);
    for (let i = 0; i < n - 1000; i++) u.delete(i * 10);
    // 1000 left unacked: at most 8 slots per live entry (the shrink threshold)
    expect(u.capacity).toBeLessThanOrEqual(8 * 1000);
    for (let i = n - 1000; i < n; i++) u.delete(i * 10);
    expect(u.size).toBe(0);
    expect(u.capacity).toBe(64);
    // a steady 500 in flight: one push and one ack per line, the ring keeps one size
    let next = n;
    for (let i = 0; i < 500; i++) u.push(next++ * 10, next * 10);
    const steady = u.capacity;
    let changed = 0;
    for (let i = 0; i < 20_000; i++) {
      u.push(next * 10, next * 10 + 10);
      if (!u.delete((next - 500) * 10) || u.capacity !== steady) changed++;
      next++;
    }
    expect(changed).toBe(0);
    expect(u.size).toBe(500);
    for (let k = next - 500; k < next; k++) expect(u.endOf(k * 10)).toBe(k * 10 + 10);
  });
});
