import { PendingTrees, type PendingTree } from '../pending-trees.js';
import { seededRandom as rng } from '../testing/counter-ids.js';

const tree = (n: number, epoch: number, extra: Partial<PendingTree> = {}): PendingTree =>
  ({ messageId: `m${n}`, startedAt: n * 10, epoch, stream: 'default', values: [n], ...extra });

function sameTree(a: PendingTree | undefined, b: PendingTree): boolean {
  const av = a?.values as readonly unknown[];
  const bv = b.values as readonly unknown[];
  return a !== undefined && a.messageId === b.messageId && a.startedAt === b.startedAt && a.epoch === b.epoch
    && a.stream === b.stream && av.length === bv.length && av.every((v, i) => v === bv[i])
    && a.exposed === b.exposed && a.crashes === b.crashes;
}

describe('PendingTrees', () => {
  it('keeps what a Map would under random adds, replaces and deletes, through growth and trims', () => {
    const rand = rng(3);
    const p = new PendingTrees();
    const ref = new Map<number, PendingTree>();
    const roots: number[] = [];
    for (let step = 0; step < 40_000; step++) {
      const r = rand();
      if (r < 0.55 || roots.length === 0) {
        // 53-bit roots with bit 0 fixed, as ByRoot.localRoot makes them for a spout whose one
        // local acker of 2 is the even one; the other low bits random, as nextRootId's are. One
        // in 50 shares its low 32 bits (so its home slot: rootHome hashes them) with an earlier root.
        const low = roots.length > 0 && rand() < 0.02 ? roots[Math.floor(rand() * roots.length)]! % 2 ** 32 : Math.floor(rand() * 2 ** 31) * 2;
        const root = Math.floor(rand() * 2 ** 20) * 2 ** 32 + low;
        const t = tree(step, step % 7, rand() < 0.05 ? { exposed: true } : {});
        if (!ref.has(root)) roots.push(root);
        p.set(root, t);
        ref.set(root, t);
      } else {
        const j = Math.floor(rand() * roots.length);
        const root = roots[j]!;
        roots[j] = roots[roots.length - 1]!;
        roots.pop();
        expect(p.delete(root)).toBe(ref.delete(root));
        expect(p.delete(root)).toBe(false);
      }
      if (step % 5000 === 0) p.trim();
      if (step % 3999 === 0) {
        expect(p.size).toBe(ref.size);
        // one expect per check, not per tree: jest's matchers would cost more than the table
        const wrong: number[] = [];
        for (const [root, t] of ref) {
          const s = p.slotOf(root);
          const got = p.get(root);
          if (s < 0 || p.messageIdAt(s) !== t.messageId || p.startedAtAt(s) !== t.startedAt || !sameTree(got, t)) wrong.push(root);
        }
        expect(wrong).toEqual([]);
      }
    }
    // Deleting down to a few trees and trimming keeps them.
    for (const root of roots.slice(10)) p.delete(root);
    p.trim();
    expect(p.size).toBe(10);
    for (const root of roots.slice(0, 10)) expect(p.get(root)).toEqual(ref.get(root));
  });

  it('lists the expired trees in insertion order; a replace keeps its place; touch and exposeAll change the columns', () => {
    const p = new PendingTrees();
    const roots = [9 * 2 ** 32, 5, 2 ** 40 + 1, 77, 3 * 2 ** 32];
    roots.forEach((r, i) => p.set(r, tree(i, 0)));
    p.set(roots[1]!, tree(100, 0)); // replaced: still second
    expect(p.touch(roots[3]!, 5)).toBe(true);
    expect(p.touch(12345, 5)).toBe(false);
    expect(p.expired(5, 2)).toEqual([roots[0], roots[1], roots[2], roots[4]]);
    expect(p.get(roots[1]!)!.messageId).toBe('m100');
    expect(p.get(roots[3]!)!.epoch).toBe(5);
    expect(p.get(roots[0]!)!.exposed).toBeUndefined();
    p.exposeAll();
    p.exposeAll(); // idempotent: the order stays
    for (const r of roots) expect(p.get(r)!.exposed).toBe(true);
    expect(p.expired(5, 2)).toEqual([roots[0], roots[1], roots[2], roots[4]]);
    p.set(roots[2]!, tree(2, 0, { crashes: 3 }));
    expect(p.get(roots[2]!)!.crashes).toBe(3);
    p.delete(roots[2]!);
    expect(p.get(roots[2]!)).toBeUndefined();
  });
});
