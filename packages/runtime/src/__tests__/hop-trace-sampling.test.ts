// The hop trace samples trees by root id. It took roots with their own low bits clear, but a
// spout in a cluster fixes `root mod ackers` (acker.ts ByRoot.localRoot): with 4 ackers, the
// spout tasks whose acker slot is 1, 2 or 3 had no root with clear low bits and were never traced.
// Now the root is mixed first: every slot is sampled at about the same rate, in every process alike.
import { Hop, hopTrace, sampledRoot, stampHop, startHopTrace, stopHopTrace } from '../hop-trace.js';
import { ByRoot } from '../engine/acker.js';
import { nextRootId, SeededIds } from '../engine/ids.js';

afterEach(() => {
  if (hopTrace.on) stopHopTrace();
});

/** Roots a spout task whose only local acker is `slot` (of `ackers`) gets: as ByRoot.localRoot moves them. */
function rootsOfSlot(ackers: number, slot: number, n: number): number[] {
  const byRoot = new ByRoot(Array.from({ length: ackers }, (_, i) => i));
  const ids = new SeededIds(7 + slot);
  return Array.from({ length: n }, () => byRoot.localRoot(nextRootId(ids), (task) => task === slot));
}

it.each([2, 3, 4, 8])('with %i ackers, the roots of every acker slot are sampled about 1 in 16', (ackers) => {
  startHopTrace(() => 0, 1, 15);
  for (let slot = 0; slot < ackers; slot++) {
    const roots = rootsOfSlot(ackers, slot, 16_000);
    expect(roots.every((r) => r % ackers === slot)).toBe(true);
    const sampled = roots.filter(sampledRoot).length;
    // 1000 expected; a binomial's sd here is ~31
    expect(sampled).toBeGreaterThan(850);
    expect(sampled).toBeLessThan(1150);
  }
});

it('stampHop stamps exactly the sampled roots, and the choice is a pure function of the root (every process agrees)', () => {
  const roots = Array.from({ length: 2000 }, (_, i) => i * 4 + 1);
  startHopTrace(() => 5, roots.length, 15);
  for (const r of roots) stampHop(Hop.EMIT, r);
  const stamped: number[] = [];
  for (let i = 0; i < hopTrace.n * 3; i += 3) stamped.push(hopTrace.buf[i + 1]!);
  expect(stamped).toEqual(roots.filter(sampledRoot));
  expect(stamped.length).toBeGreaterThan(60); // ~125 expected; none with the old low-bits test (roots = 1 mod 4)
  // Pinned: another process, another build must pick the same trees (murmur3 fmix32 of the low 32 bits).
  expect(Array.from({ length: 400 }, (_, r) => r).filter(sampledRoot)).toEqual(
    [0, 10, 28, 36, 82, 109, 119, 136, 145, 184, 189, 191, 235, 258, 265, 267, 286, 299, 300, 312, 326, 335, 354, 358, 362, 371, 375, 399],
  );
  startHopTrace(() => 5, 10, 0); // mask 0: every root
  expect(roots.slice(0, 50).every(sampledRoot)).toBe(true);
});
