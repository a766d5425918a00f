/*
 * Open addressing keyed by root id, shared by the tables that hold one entry per tuple tree (the
 * acker's ledger, a spout task's pending trees, the router's anchored edges, a stateful bolt's
 * held acks): root ids are random 53-bit numbers, kept as doubles in a Float64Array, so a Map
 * would box every key. Below both engine/ and api/ in the layer table (eslint.config.js): the
 * held acks live in api/state.
 */

/** The key of a free slot (root ids are never negative). */
export const EMPTY_ROOT = -1;

/**
 * The slot a root hashes to in a table of `mask + 1` slots (a power of two). The product's high
 * half is folded in because the low bits of a product depend only on the low bits of the root, and
 * a spout in a cluster fixes `root mod ackers` (acker.ts ByRoot.localRoot): with 2 ackers every
 * root of that spout has the same low bit, which would leave half the slots never a home.
 */
export function rootHome(root: number, mask: number): number {
  const h = Math.imul(root >>> 0, 0x9e3779b1);
  return (h ^ (h >>> 16)) & mask;
}

/** The slot holding `root` (linear probing), or -1. */
export function findRootSlot(keys: Float64Array, mask: number, root: number, stride = 1): number {
  for (let i = rootHome(root, mask); ; i = (i + 1) & mask) {
    const k = keys[i * stride]!;
    if (k === root) return i;
    if (k === EMPTY_ROOT) return -1;
  }
}

/**
 * Empties `slot` by backward-shift deletion: later members of its probe run move back so lookups
 * stay correct. Keys move here; `move(from, to)` copies the table's other columns. Returns the
 * slot left empty at the end, whose values the caller may clear. `stride`: a slot's key is
 * `keys[slot * stride]` (a table keeping a slot's numbers side by side in one array).
 */
export function releaseRootSlot(keys: Float64Array, mask: number, slot: number, move: (from: number, to: number) => void, stride = 1): number {
  let hole = slot;
  for (let j = (slot + 1) & mask; ; j = (j + 1) & mask) {
    const k = keys[j * stride]!;
    if (k === EMPTY_ROOT) break;
    const h = rootHome(k, mask);
    // Move j into the hole if its home is not cyclically within (hole, j].
    if (hole <= j ? h <= hole || h > j : h <= hole && h > j) {
      keys[hole * stride] = k;
      move(j, hole);
      hole = j;
    }
  }
  keys[hole * stride] = EMPTY_ROOT;
  return hole;
}
