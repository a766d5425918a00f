/**
 * Source of random ids for the acker. Edge ids are 64-bit (two int32 halves, XORed);
 * root ids are 53-bit safe integers (only compared, never XORed), so they key a Map directly.
 */
export interface IdSource {
  /** A uniformly random int32. */
  next32(): number;
}

export function nextRootId(ids: IdSource): number {
  return (ids.next32() & 0x1fffff) * 4294967296 + (ids.next32() >>> 0);
}

/** Deterministic xorshift128 for tests and simulations; not for production ids. */
export class SeededIds implements IdSource {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed = 1) {
    this.a = seed | 0 || 1;
    this.b = 0x9e3779b9;
    this.c = 0x243f6a88;
    this.d = 0xb7e15162;
  }
  next32(): number {
    let t = this.d;
    const s = this.a;
    this.d = this.c;
    this.c = this.b;
    this.b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.a = t ^ s ^ (s >>> 19);
    return this.a | 0;
  }
  /** Uniform in [0, 1). */
  random(): number {
    return (this.next32() >>> 0) / 4294967296;
  }
}
