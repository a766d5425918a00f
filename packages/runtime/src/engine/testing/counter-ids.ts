import type { IdSource } from '../ids.js';

/**
 * Deterministic ids for tests: the n-th id is a fixed bijective scramble of n, so ids never
 * repeat within 2^32 draws (no accidental XOR collisions completing a tree early, as plain
 * 1, 2, 3 would: 1 ^ 2 ^ 3 === 0) and a run is reproducible. Test-only.
 */
export class CounterIds implements IdSource {
  private n: number;
  constructor(start = 0) {
    this.n = start | 0;
  }
  next32(): number {
    this.n = (this.n + 1) | 0;
    return fmix32(this.n);
  }
}

/** Deterministic uniform [0, 1) from a seed (mulberry32), for the engine's `random` port. */
export function seededRandom(seed = 1): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** MurmurHash3's finaliser: a bijection on int32, so distinct inputs give distinct ids. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
