import { Packr } from 'msgpackr';
import { isDeepStrictEqual } from 'node:util';
import { FrameError } from '../errors.js';
import { decodeFrame, encodeFrame, FrameType, type Frame, type TupleRecord } from '../frame-codec.js';
import { decodeTuples, encodeTuples } from '../tuple-codec.js';
import { SeededIds } from '../../engine/ids.js';

// The options frame-codec.ts gives msgpackr: what the hand-written codec must agree with byte for byte.
const packr = new Packr({
  useRecords: false, mapsAsObjects: true, structuredClone: false, moreTypes: false, copyBuffers: true, int64AsType: 'bigint', bundleStrings: false,
});

const NUMBERS = [
  0, 1, 31, 32, 127, 128, 255, 256, 65_535, 65_536, 4_294_967_295, 4_294_967_296, 2 ** 53 - 1, -1, -32, -33, -128, -129, -32_768, -32_769,
  -2_147_483_648, -2_147_483_649, -(2 ** 53 - 1), 1.5, -0.25, 1e308, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY,
];
const STRINGS = ['', 'a', 'word', 'abcdefgh', 'abcdefghi', 'x'.repeat(31), 'x'.repeat(32), 'y'.repeat(255), 'z'.repeat(256), 'w'.repeat(70_000), 'ünïcödé ✓ 🚀', 'é'.repeat(20), '\u0000\u007f'];

function simpleRecords(): TupleRecord[] {
  const recs: TupleRecord[] = [];
  for (const n of NUMBERS) recs.push([n >>> 0, 3, 5, [n], [2 ** 53 - 1, n | 0, -1]]);
  for (const s of STRINGS) recs.push([1, -1, s.length > 0 && s.length < 200 ? s : 'stream', [s, s.length, true, false, null], null]);
  recs.push([0, 0, 0, [], []]);
  recs.push([2_147_483_647, -2_147_483_648, 2_147_483_647, ['many', 'trees'], [1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  return recs;
}

describe('hand-written TUPLES codec', () => {
  it('writes the very bytes msgpackr writes, and reads them back as msgpackr does', () => {
    const recs = simpleRecords();
    for (const batch of [recs, recs.slice(0, 1), [...recs, ...recs, ...recs]]) {
      const fast = encodeTuples(batch);
      expect(fast).not.toBeNull();
      const generic = packr.pack([FrameType.TUPLES, batch]);
      expect(Buffer.compare(fast!, generic)).toBe(0);
      expect(decodeTuples(generic)).toEqual((packr.unpack(generic) as Frame)[1]);
    }
  });

  it('writes record counts past the fixarray and array16 headers', () => {
    for (const n of [15, 16, 65_535, 65_536]) {
      const batch: TupleRecord[] = Array.from({ length: n }, (_, i) => [i & 7, 1, 2, [i], null]);
      const fast = encodeTuples(batch)!;
      expect(Buffer.compare(fast, packr.pack([FrameType.TUPLES, batch]))).toBe(0);
      // (jest's toEqual takes seconds on 65,536 records)
      expect(isDeepStrictEqual(decodeTuples(fast), batch)).toBe(true);
    }
  });

  it('leaves frames with other values to msgpackr, and encodeFrame/decodeFrame still carry them', () => {
    const others: unknown[] = [undefined, 5n, new Date(1_700_000_000_000), Buffer.from([1]), [1, 2], { a: 1 }, Symbol('s')];
    for (const v of others) {
      const rec = [1, 2, 3, ['ok', v], null];
      expect(encodeTuples([rec])).toBeNull();
      if (typeof v === 'symbol') continue; // not encodable by either
      const bytes = packr.pack([FrameType.TUPLES, [rec]]);
      expect(decodeTuples(bytes)).toBeUndefined();
      expect(decodeFrame(encodeFrame([FrameType.TUPLES, [rec as TupleRecord]]))).toEqual(packr.unpack(bytes));
    }
    // Not a record of five, a non-number anchor, another frame type.
    expect(encodeTuples([[1, 2, 3, []]])).toBeNull();
    expect(encodeTuples([[1, 2, 3, [], ['x']]])).toBeNull();
    expect(decodeTuples(packr.pack([FrameType.PING, 1]))).toBeUndefined();
  });

  it('never reads past the data: every truncation and any trailing byte takes the msgpackr path, which refuses it', () => {
    const bytes = Buffer.from(encodeTuples(simpleRecords().slice(0, 12))!);
    for (let cut = 0; cut < bytes.length; cut++) {
      const part = bytes.subarray(0, cut);
      expect(decodeTuples(part)).toBeUndefined();
      if (cut > 0) expect(() => decodeFrame(part)).toThrow(FrameError);
    }
    expect(decodeTuples(Buffer.concat([bytes, Buffer.from([0xc0])]))).toBeUndefined();
    expect(() => decodeFrame(Buffer.concat([bytes, Buffer.from([0xc0])]))).toThrow(FrameError);
    // A record count larger than the bytes could hold.
    expect(decodeTuples(Buffer.from([0x92, 0x01, 0xdd, 0xff, 0xff, 0xff, 0xff]))).toBeUndefined();
  });

  it('agrees with msgpackr on corrupted frames: the same records, or it leaves the frame to msgpackr', () => {
    const ids = new SeededIds(7);
    const valid = Buffer.from(encodeTuples(simpleRecords().filter((r) => typeof r[2] === 'number' || (r[2] as string).length < 40))!);
    let decoded = 0;
    for (let round = 0; round < 1500; round++) {
      const bytes = Buffer.from(valid);
      for (let k = 0; k < 1 + (round % 3); k++) bytes[(ids.next32() >>> 0) % bytes.length] = ids.next32() & 0xff;
      const fast = decodeTuples(bytes);
      if (fast === undefined) continue;
      decoded++;
      // What the fast path returns is exactly what msgpackr reads (and then both go through the same check).
      let generic: unknown;
      packr.unpackMultiple(bytes, (v: unknown) => {
        generic = v;
        return false;
      });
      if (!isDeepStrictEqual(fast, (generic as Frame)[1])) expect(fast).toEqual((generic as Frame)[1]);
    }
    expect(decoded).toBeGreaterThan(50);
  });

  it('hands out frames that later frames never overwrite, also across a larger slab', () => {
    const first = encodeTuples([[1, 2, 3, ['first'], null]])!;
    const copy = Buffer.from(first);
    const big = 'b'.repeat(300_000);
    const large = encodeTuples([[1, 2, 3, [big], null], [1, 2, 3, [big], null]])!;
    expect(large).not.toBeNull();
    for (let i = 0; i < 2000; i++) encodeTuples([[i, 2, 3, ['filler', i], [i, i, i]]]);
    expect(Buffer.compare(first, copy)).toBe(0);
    expect(decodeTuples(large)).toEqual([[1, 2, 3, [big], null], [1, 2, 3, [big], null]]);
    // Beyond what it writes itself (1 MiB): msgpackr's.
    expect(encodeTuples([[1, 2, 3, ['h'.repeat(2_000_000)], null]])).toBeNull();
  });
});
