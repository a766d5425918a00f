/** One entry of a ranking: a key and its count. */
export type Ranked = readonly [key: unknown, count: number];

/**
 * The `n` largest counts, largest first; ties broken by the key's string form so the result
 * does not depend on arrival order. O(k log k) for k keys.
 */
export function topN(counts: ReadonlyMap<unknown, number>, n: number): Ranked[] {
  return [...counts]
    .sort((a, b) => b[1] - a[1] || (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0))
    .slice(0, n);
}
