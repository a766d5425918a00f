import { Packr } from 'msgpackr';
import { encodeFrame, FrameType, type TupleRecord } from '../frame-codec.js';
import { encodeTuples } from '../tuple-codec.js';

// The options frame-codec.ts gives msgpackr (as tuple-codec.test.ts): the fast path must write its bytes.
const packr = new Packr({
  useRecords: false, mapsAsObjects: true, structuredClone: false, moreTypes: false, copyBuffers: true, int64AsType: 'bigint', bundleStrings: false,
});

/** Bytes left in the slab after `frame` (frames are subarrays of a shared slab). */
function left(frame: Buffer): number {
  return frame.buffer.byteLength - (frame.byteOffset + frame.length);
}

/** Encodes one small frame; returns the bytes left in the slab after it. */
function one(value: unknown): number {
  return left(encodeTuples([[0, 0, 0, [value], null]])!);
}

/**
 * Fills the shared slab so that exactly 6 bytes are left: to 16 with frames of 10 to 18 bytes, then a
 * 10-byte frame (its room checks need 12; the pessimistic checks of larger frames need more).
 */
function positionSlab(): void {
  const want = 16;
  let rem = one('x'.repeat(100));
  while (rem > 400) rem = one('x'.repeat(100));
  while (rem > 60) rem = one(0.5);
  // Frame sizes for one value: '' 10, 200 11, 300 12, 70000 14, 0.5 18.
  const bySize = new Map<number, unknown>([[18, 0.5], [14, 70_000], [12, 300], [11, 200], [10, '']]);
  while (rem > want) {
    const need = rem - want;
    const size = [...bySize.keys()].find((s) => s === need || need - s >= 10);
    if (size === undefined) throw new Error(`cannot position the slab: ${rem} bytes left`);
    rem = one(bySize.get(size));
  }
  if (rem !== want || one('') !== 6) throw new Error('could not leave 6 bytes in the slab');
}

describe('TUPLES fast path and its slab', () => {
  it('writes a 65,536+ record frame (a 7-byte header) when exactly 6 bytes are left in the slab', () => {
    positionSlab();
    const batch: TupleRecord[] = Array.from({ length: 70_000 }, () => [0, 0, 0, [], null]);
    const fast = encodeTuples(batch);
    expect(fast).not.toBeNull();
    expect(Buffer.compare(fast!, packr.pack([FrameType.TUPLES, batch]))).toBe(0);
    // And through encodeFrame (before: a raw RangeError out of it).
    positionSlab();
    expect(Buffer.compare(encodeFrame([FrameType.TUPLES, batch]), fast!)).toBe(0);
  });

  it('copies a frame larger than a slab out at its own size, and later frames go back to a 64 KiB slab', () => {
    const batch: TupleRecord[] = Array.from({ length: 20_000 }, (_, i) => [i & 7, 1, 2, ['word', i], null]);
    const big = encodeTuples(batch)!;
    expect(big.length).toBeGreaterThan(64 * 1024);
    expect(Buffer.compare(big, packr.pack([FrameType.TUPLES, batch]))).toBe(0);
    // A frame held for a peer pins only its own bytes, not a 1 MiB buffer.
    expect(big.buffer.byteLength).toBe(big.length);
    const small = encodeTuples([[0, 0, 0, ['word'], null]])!;
    expect(small.buffer.byteLength).toBe(64 * 1024);
    // A later large frame does not overwrite the first.
    const copy = Buffer.from(big);
    encodeTuples(batch.map(([t, s, st]) => [t, s, st, ['other', 1], null]));
    expect(Buffer.compare(big, copy)).toBe(0);
  });

  it('writes an ASCII string of 500,000 characters (under 1 MiB) itself, byte for byte as msgpackr', () => {
    const rec: TupleRecord = [1, 2, 3, ['a'.repeat(500_000)], null];
    const fast = encodeTuples([rec]);
    expect(fast).not.toBeNull();
    expect(Buffer.compare(fast!, packr.pack([FrameType.TUPLES, [rec]]))).toBe(0);
    // Over 1 MiB: msgpackr's, as before.
    expect(encodeTuples([[1, 2, 3, ['a'.repeat(1_100_000)], null]])).toBeNull();
  });

  it('leaves a frame to msgpackr (null) on any exception while writing it, never throws', () => {
    const rec: unknown[] = [1, 2, 3, [], null];
    Object.defineProperty(rec, 3, { get: () => { throw new Error('a getter that throws'); } });
    expect(encodeTuples([rec])).toBeNull();
    // The slab is still usable.
    expect(encodeTuples([[1, 2, 3, ['ok'], null]])).not.toBeNull();
  });
});
