import { Packr } from 'msgpackr';
import { randomBytes } from 'node:crypto';
import { FrameError } from '../errors.js';
import {
  checkTupleRecord, decodeFrame, encodeFrame, frameLimits, FrameType, PROTOCOL_VERSION, type Frame, type TupleRecord,
} from '../frame-codec.js';
import { prototypeKeys } from './helpers.js';

const plain = new Packr({ useRecords: false });
const clone = new Packr({ useRecords: false, structuredClone: true, moreTypes: true });

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof FrameError)) throw new Error(`expected a FrameError, got ${String(err)}`);
    return err.code;
  }
  throw new Error('expected a FrameError, nothing was thrown');
}

/** `[1, [[0, 0, 0, [<value bytes>], null]]]` with the value given as raw msgpack bytes. */
function tupleWithRawValue(value: number[]): Buffer {
  return Buffer.from([0x92, 0x01, 0x91, 0x95, 0x00, 0x00, 0x00, 0x91, ...value, 0xc0]);
}

const str = (s: string): number[] => [0xa0 + s.length, ...Buffer.from(s)];

describe('frame codec round trip', () => {
  it('keeps tuples of many value types, 53-bit roots and negative int32 edges', () => {
    const big = 'x'.repeat(100_000);
    const values = [
      'word', 'ünïcödé ✓ 🚀', '', big, 0, 1, -1, 255, 65_536, -2_147_483_648, 4_294_967_295, 2 ** 53 - 1, -(2 ** 53 - 1), 1.5, -0.25, 1e308,
      Number.NaN, Number.POSITIVE_INFINITY, true, false, null, undefined, [1, [2, [3]]], { a: 1, nested: { list: ['x', null], flag: true } },
      Object.assign(Object.create(null) as object, { k: 'v' }), Buffer.from([1, 2, 3]), new Uint8Array([9, 8]), new Date(1_700_000_000_123),
      5n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n, [],
    ];
    const anchors = [2 ** 53 - 1, -2_147_483_648, 2_147_483_647, 0, -1, 1, 123_456_789_012_345, -5, 0];
    const frame: Frame = [FrameType.TUPLES, [[7, 3, 0, values, anchors], [8, -1, 'errors', ['e'], null], [0, 0, 2_147_483_647, [], []]]];
    const out = decodeFrame(encodeFrame(frame));
    expect(out[0]).toBe(FrameType.TUPLES);
    const [rec, rec2, rec3] = (out as [1, TupleRecord[]])[1];
    expect(rec![0]).toBe(7);
    expect(rec![1]).toBe(3);
    expect(rec![4]).toEqual(anchors);
    const got = rec![3];
    expect(got).toHaveLength(values.length);
    for (let i = 0; i < values.length; i++) {
      const want = values[i];
      if (want instanceof Uint8Array) {
        expect(Buffer.isBuffer(got[i])).toBe(true);
        expect([...(got[i] as Buffer)]).toEqual([...want]);
      } else if (want instanceof Date) {
        expect(got[i]).toBeInstanceOf(Date);
        expect((got[i] as Date).getTime()).toBe(want.getTime());
      } else if (typeof want === 'object' && want !== null && Object.getPrototypeOf(want) === null) {
        expect({ ...(got[i] as object) }).toEqual({ ...want });
      } else {
        expect(got[i]).toEqual(want);
      }
    }
    expect(typeof got[values.indexOf(5n)]).toBe('bigint');
    expect(rec2).toEqual([8, -1, 'errors', ['e'], null]);
    expect(rec3).toEqual([0, 0, 2_147_483_647, [], []]);
  });

  it('bin values are copies, independent of the received frame buffer', () => {
    const bytes = encodeFrame([FrameType.TUPLES, [[1, 1, 0, [Buffer.from('abc')], null]]]);
    const copy = Buffer.from(bytes);
    const out = decodeFrame(copy) as [1, TupleRecord[]];
    copy.fill(0);
    expect((out[1][0]![3][0] as Buffer).toString()).toBe('abc');
  });

  it('round-trips control-stream tuples (acker messages, tree outcomes), credit, ping, pong and close-reason frames', () => {
    // acker traffic is ordinary tuples on system streams: numbers only, untracked (anchors null);
    // init/ack [root, hi, lo], fail/reset/forget [root], outcome [root, outcome]
    const frames: Frame[] = [
      [FrameType.TUPLES, [
        [0, 4, 3, [2 ** 53 - 1, -7, 2_147_483_647], null], [1, 6, 2, [1, -2_147_483_648, 0], null], [0, 6, 4, [9], null],
        [1, 6, 5, [9], null], [0, 4, 1, [9], null], [3, 0, 7, [2 ** 52, 1], null], [0, 1, 7, [0, 2], null],
      ]],
      [FrameType.CREDIT, 500],
      [FrameType.PING, 0],
      [FrameType.PONG, 2 ** 40],
      [FrameType.CLOSE_REASON, 'GALE_ERR_FRAME_SCHEMA', 'tuple 3: bad'],
    ];
    for (const f of frames) expect(decodeFrame(encodeFrame(f))).toEqual(f);
  });
});

describe('frame codec rejects', () => {
  const cases: Array<[string, unknown, string]> = [
    ['a map instead of an array', { type: 1 }, 'GALE_ERR_FRAME_SCHEMA'],
    ['an empty array', [], 'GALE_ERR_FRAME_SCHEMA'],
    ['an unknown type', [99, []], 'GALE_ERR_FRAME_TYPE'],
    ['a string type', ['1', []], 'GALE_ERR_FRAME_TYPE'],
    ['a missing payload', [1], 'GALE_ERR_FRAME_SCHEMA'],
    ['an extra payload field', [5, 1, 2], 'GALE_ERR_FRAME_SCHEMA'],
    ['records that are not an array', [1, { 0: 1 }], 'GALE_ERR_FRAME_SCHEMA'],
    ['a short tuple', [1, [[1, 2, 0, []]]], 'GALE_ERR_FRAME_SCHEMA'],
    ['a negative target task', [1, [[-1, 0, 0, [], null]]], 'GALE_ERR_FRAME_SCHEMA'],
    ['a fractional source task', [1, [[1, 0.5, 0, [], null]]], 'GALE_ERR_FRAME_SCHEMA'],
    ['an empty stream id', [1, [[1, 0, '', [], null]]], 'GALE_ERR_FRAME_SCHEMA'],
    ['values that are not an array', [1, [[1, 0, 0, 'v', null]]], 'GALE_ERR_FRAME_SCHEMA'],
    ['anchors not a multiple of 3', [1, [[1, 0, 0, [], [1, 2]]]], 'GALE_ERR_FRAME_SCHEMA'],
    ['a root above 2^53', [1, [[1, 0, 0, [], [2 ** 53 + 2, 0, 0]]]], 'GALE_ERR_FRAME_SCHEMA'],
    ['a negative root', [1, [[1, 0, 0, [], [-1, 0, 0]]]], 'GALE_ERR_FRAME_SCHEMA'],
    ['an edge half beyond int32', [1, [[1, 0, 0, [], [1, 2 ** 31, 0]]]], 'GALE_ERR_FRAME_SCHEMA'],
    ['a BigInt root', [1, [[1, 0, 0, [], [5n, 0, 0]]]], 'GALE_ERR_FRAME_SCHEMA'],
    ['the retired ACKER type (2), even with a protocol-1 record', [2, [[0, 1, 0, 0, 0]]], 'GALE_ERR_FRAME_TYPE'],
    ['the retired ACKER type (2) with a bad record', [2, [[0, '1', 0, 0, 0]]], 'GALE_ERR_FRAME_TYPE'],
    ['the retired SPOUT_NOTIFY type (3)', [3, [[0, 0, 1]]], 'GALE_ERR_FRAME_TYPE'],
    ['a negative ping seq', [5, -1], 'GALE_ERR_FRAME_SCHEMA'],
    ['a close reason with a numeric code', [7, 1, 'x'], 'GALE_ERR_FRAME_SCHEMA'],
  ];
  it.each(cases)('%s', (_name, value, code) => {
    expect(codeOf(() => decodeFrame(clone.pack(value)))).toBe(code);
  });

  it('rejects the retired codes 2 and 3 exactly like a never-used type code', () => {
    const messageOf = (value: unknown[]): string => {
      try {
        decodeFrame(plain.pack(value));
      } catch (err) {
        if (err instanceof FrameError) return `${err.code}: ${err.message}`;
        throw err;
      }
      throw new Error('expected a FrameError, nothing was thrown');
    };
    const unknown = (type: number) => `GALE_ERR_FRAME_TYPE: unknown frame type ${type} (protocol version ${PROTOCOL_VERSION})`;
    expect(messageOf([99, [[0, 1, 0, 0, 0]]])).toBe(unknown(99));
    expect(messageOf([2, [[0, 1, 0, 0, 0]]])).toBe(unknown(2));
    expect(messageOf([3, [[0, 0, 1]]])).toBe(unknown(3));
    expect(Object.values(FrameType)).toEqual([1, 4, 5, 6, 7]); // codes are never renumbered or reused
  });

  // msgpackr's own encodings of values we do not accept (captured outside jest: under jest a value
  // from the test realm is not instanceof msgpackr's Set/RegExp/..., so it would be packed as a map)
  const extCases: Array<[string, string]> = [
    ['Set (ext 0x73)', 'd473009101'],
    ['RegExp (ext 0x78)', 'd4780092a2612ba167'],
    ['Error (ext 0x65)', 'd4650093a54572726f72a178d40000'],
    ['Float32Array (ext 0x74)', 'c70574070000803f'],
  ];
  it.each(extCases)('a %s value', (_name, hex) => {
    expect(codeOf(() => decodeFrame(tupleWithRawValue([...Buffer.from(hex, 'hex')])))).toMatch(/GALE_ERR_FRAME_(SCHEMA|DECODE)/);
  });

  it('structured-clone references (ext 0x69/0x70, cycles) do not decode', () => {
    // {a: 1, self: <pointer to itself>} as msgpackr's structuredClone writes it
    expect(codeOf(() => decodeFrame(tupleWithRawValue([...Buffer.from('d66900000001de0002a16101a473656c66d67000000001', 'hex')])))).toBe('GALE_ERR_FRAME_DECODE');
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const bytes = clone.pack([1, [[1, 0, 0, [cyclic], null]]]);
    expect(bytes.includes(0x69)).toBe(true);
    expect(codeOf(() => decodeFrame(bytes))).toBe('GALE_ERR_FRAME_DECODE');
    // a bare pointer (0x70) without its target
    expect(codeOf(() => decodeFrame(tupleWithRawValue([0xd6, 0x70, 0, 0, 0, 1])))).toBe('GALE_ERR_FRAME_DECODE');
    expect(codeOf(() => decodeFrame(tupleWithRawValue([0xd4, 0x10, 0x00])))).toBe('GALE_ERR_FRAME_DECODE'); // unknown ext
  });

  it('__proto__, constructor and prototype keys are refused and never touch Object.prototype', () => {
    const before = prototypeKeys();
    const polluted = [0x81, ...str('polluted'), 0xc3];
    const frames = [
      tupleWithRawValue([0x81, ...str('__proto__'), ...polluted]),
      tupleWithRawValue([0x81, ...str('constructor'), 0x81, ...str('prototype'), ...polluted]),
      tupleWithRawValue([0x91, 0x81, ...str('prototype'), ...polluted]),
      Buffer.from([0x81, ...str('__proto__'), ...polluted]), // the whole frame a map
    ];
    for (const f of frames) expect(codeOf(() => decodeFrame(f))).toMatch(/GALE_ERR_FRAME_(SCHEMA|DECODE)/);
    // the same keys through a record definition (msgpackr decodes records even with useRecords: false)
    const rec = new Packr({ useRecords: true }).pack([1, [[1, 0, 0, [JSON.parse('{"__proto__":{"polluted":true}}'), { constructor: 1 }], null]]]);
    expect(codeOf(() => decodeFrame(rec))).toMatch(/GALE_ERR_FRAME_(SCHEMA|DECODE)/);
    expect(prototypeKeys()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('truncated, trailing, empty, deeply nested and huge-length inputs', () => {
    const good = encodeFrame([FrameType.TUPLES, [[1, 0, 0, ['hello', 'world'], null]]]);
    for (let cut = 1; cut < good.length; cut++) expect(codeOf(() => decodeFrame(good.subarray(0, cut)))).toBe('GALE_ERR_FRAME_DECODE');
    expect(codeOf(() => decodeFrame(Buffer.concat([good, Buffer.from([0xc0])])))).toBe('GALE_ERR_FRAME_DECODE');
    expect(codeOf(() => decodeFrame(Buffer.alloc(0)))).toBe('GALE_ERR_FRAME_DECODE');
    expect(codeOf(() => decodeFrame(Buffer.alloc(200_000, 0x91)))).toBe('GALE_ERR_FRAME_DECODE');
    expect(codeOf(() => decodeFrame(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01])))).toBe('GALE_ERR_FRAME_DECODE');
    expect(codeOf(() => decodeFrame(Buffer.from([0xdf, 0xff, 0xff, 0xff, 0xff, 0x01])))).toBe('GALE_ERR_FRAME_DECODE');
    expect(codeOf(() => decodeFrame(Buffer.from([0xc6, 0xff, 0xff, 0xff, 0xff, 0x01])))).toBe('GALE_ERR_FRAME_DECODE');
    // nesting that msgpackr can decode but that exceeds maxValueDepth
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(codeOf(() => decodeFrame(plain.pack([1, [[1, 0, 0, [deep], null]]])))).toBe('GALE_ERR_FRAME_SCHEMA');
  });

  it('enforces count limits and the frame size', () => {
    const limits = frameLimits({ maxRecordsPerFrame: 10, maxValuesPerTuple: 4, maxAnchorTrees: 2, maxFrameBytes: 1024 });
    const recs = Array.from({ length: 11 }, (): TupleRecord => [1, 0, 0, [], null]);
    expect(codeOf(() => decodeFrame(encodeFrame([FrameType.TUPLES, recs]), limits))).toBe('GALE_ERR_FRAME_SCHEMA');
    expect(codeOf(() => decodeFrame(encodeFrame([FrameType.TUPLES, [[1, 0, 0, [1, 2, 3, 4, 5], null]]]), limits))).toBe('GALE_ERR_FRAME_SCHEMA');
    expect(codeOf(() => decodeFrame(encodeFrame([FrameType.TUPLES, [[1, 0, 0, [], [1, 0, 0, 2, 0, 0, 3, 0, 0]]]]), limits))).toBe('GALE_ERR_FRAME_SCHEMA');
    expect(codeOf(() => decodeFrame(encodeFrame([FrameType.TUPLES, [[1, 0, 0, ['x'.repeat(2000)], null]]]), limits))).toBe('GALE_ERR_FRAME_TOO_LARGE');
  });

  it("by default a tuple may carry a big window's anchors (thousands of trees), and over the limit the sender says how to fix it", () => {
    const anchorsOf = (trees: number): number[] => Array.from({ length: trees * 3 }, (_, i) => (i % 3 === 0 ? 1000 + i : -(i % 7)));
    const rec: TupleRecord = [1, 0, 0, ['w', 3], anchorsOf(5000)];
    expect((decodeFrame(encodeFrame([FrameType.TUPLES, [rec]])) as [1, TupleRecord[]])[1][0]![4]).toHaveLength(15_000);
    expect(() => checkTupleRecord([1, 0, 0, [], anchorsOf(65_537)])).toThrow(/65537 trees exceed the limit of 65536 \(anchor the tuple to fewer inputs: a windowed bolt's rows with anchor 'none'/);
  });

  it('outgoing records with values that cannot cross the wire fail at the sender', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const bad: unknown[] = [
      new Map([[1, 2]]), new Set([1]), () => 1, Symbol('s'), new Point(1), new Float64Array(2), 2n ** 64n, -(2n ** 63n) - 1n, /x/, new Error('e'),
      JSON.parse('{"__proto__": 1}'), { a: { constructor: 2 } }, { ['__proto_']: 1 }, new WeakMap(), Promise.resolve(1),
    ];
    for (const v of bad) expect(codeOf(() => checkTupleRecord([1, 0, 0, [v], null]))).toBe('GALE_ERR_FRAME_SCHEMA');
    expect(() => checkTupleRecord([1, 0, 0, [{ ok: [1, 'two', null, { three: 3n }] }], [1, -1, -1]])).not.toThrow();
  });
});

describe('frame codec fuzz', () => {
  it('random and mutated bytes only ever raise FrameError and never change Object.prototype', () => {
    const before = prototypeKeys();
    const seeds = [
      encodeFrame([FrameType.TUPLES, [[1, 2, 0, ['word', 1, { a: [1, 2] }], [2 ** 50, -3, 4]], [3, 4, 'side', [null, true], null]]]),
      encodeFrame([FrameType.TUPLES, [[0, 2, 3, [12345, -1, 1], null], [1, 4, 7, [12345, 4], null]]]),
      plain.pack([2, [[0, 12345, -1, 1, 2], [1, 12345, 5, 6, 0]]]), // a protocol-1 ACKER frame
      clone.pack([1, [[1, 0, 0, [new Set([1]), /re/, new Date(0), 7n], null]]]),
    ];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      let buf: Buffer;
      if (i % 2 === 0) {
        buf = randomBytes(1 + (i % 97));
      } else {
        buf = Buffer.from(seeds[i % seeds.length]!);
        const flips = 1 + (i % 4);
        for (let f = 0; f < flips; f++) buf[(i * 31 + f * 17) % buf.length] = (i * 7 + f) & 0xff;
      }
      try {
        decodeFrame(buf);
        accepted++;
      } catch (err) {
        if (!(err instanceof FrameError)) throw err;
      }
    }
    expect(accepted).toBeLessThan(20_000);
    expect(prototypeKeys()).toEqual(before);
  });
});
