/**
 * Stable 32-bit hashes for fields and partial-key grouping. Stable across processes and
 * restarts (no per-process seed), so a key lands on the same task in every worker.
 */
/** The FNV-1a offset basis: the default seed of every hash here. */
export const FNV_SEED = 0x811c9dc5;

export function hashString(s: string, seed = FNV_SEED): number {
  let h = seed | 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix(h);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hashValue(v: unknown, seed = FNV_SEED): number {
  switch (typeof v) {
    case 'string':
      return hashString(v, seed);
    case 'number':
      return (v | 0) === v ? fmix(v ^ seed) : hashString(String(v), seed);
    case 'boolean':
      return fmix((v ? 1 : 2) ^ seed);
    case 'bigint':
      return hashString(v.toString(), seed);
    case 'undefined':
      return fmix(3 ^ seed);
    default:
      return v === null ? fmix(4 ^ seed) : hashString(stableStringify(v), seed);
  }
}

/** JSON with sorted object keys so equal objects hash equally whatever their key order. */
function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    if (v instanceof Uint8Array) return `b:${Array.from(v).join(',')}`;
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(',')}}`;
  }
  return typeof v === 'bigint' ? `${v}n` : (JSON.stringify(v) ?? 'undefined');
}

/**
 * `(h >>> 0) % n` for a 32-bit hash `h` and a task count `n` (1 ≤ n < 2^30), in int32
 * arithmetic. The plain `%` of a hash above 2^31 is a float remainder, which V8 compiles to the
 * x87 `fprem` loop: it was half of the fields grouping's time per tuple (the unacked word count).
 */
export function bucketOf(h: number, n: number): number {
  return ((h >>> 1) % n * 2 + (h & 1)) % n;
}

/** Hash of the values at `indexes` (one or more grouping fields). */
export function hashFields(values: readonly unknown[], indexes: readonly number[], seed = FNV_SEED): number {
  if (indexes.length === 1) return hashValue(values[indexes[0]!], seed);
  let h = seed;
  for (const i of indexes) h = Math.imul(h ^ hashValue(values[i], seed), 0x01000193);
  return fmix(h);
}
