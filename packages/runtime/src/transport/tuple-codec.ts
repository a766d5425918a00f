/**
 * A hand-written msgpack encoder and decoder for the common TUPLES frame: records whose values are
 * strings, numbers, booleans and nulls, and whose anchors are numbers (docs/protocol.md "Frames").
 * The bytes are ordinary msgpack, the same a generic encoder writes for the same frame (so nothing
 * changes on the wire, and either end may use either codec); msgpackr's generic `pack`/`unpack` cost
 * ~85–100 ns a record, most of it per-value dispatch and (unpacking) its string machinery.
 *
 * Frames are subarrays of a 64 KiB slab shared by consecutive frames, as msgpackr's own buffer is (a
 * frame held for a peer pins its slab); a larger frame (up to 1 MiB) gets a buffer of its own size.
 *
 * Both directions are a fast path with a way out: the encoder returns null and the decoder
 * undefined as soon as a frame holds anything else (nested values, BigInt, bin, dates, undefined,
 * maps, float32, 64-bit integers), and the caller uses msgpackr for that frame. The decoder never
 * throws and never reads past the data: malformed input takes the msgpackr path, which reports it.
 * What it returns is not checked here: decodeFrame runs the same schema check on it as on msgpackr's.
 */
// FrameType.TUPLES (frame-codec.ts imports this file, so not imported from there).
const TUPLES = 1;

/** Frames are written into a shared slab, handed out as subarrays (as msgpackr does); a new slab when one is full. */
const SLAB_BYTES = 64 * 1024;
const MAX_FAST_FRAME = 1024 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabPos = 0;
/** Where a frame larger than a slab is written (lazily, once), then copied out at its own size. */
let large: Buffer | undefined;

const f64 = new Float64Array(1); // big-endian float64 through a scratch pair (no DataView per frame)
const f64Bytes = new Uint8Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The encoder ran out of room: it restarts the frame in a fresh slab, then once in `large`. */
const NO_ROOM = -1;
/** The encoder met a value it does not write: msgpackr takes the frame. */
const NOT_SIMPLE = -2;

/**
 * Encodes `[TUPLES, records]` when every record is `[int, int, int | string, simple[], number[] | null]`;
 * null otherwise (the caller encodes the frame with msgpackr, as it does on any surprise here).
 */
export function encodeTuples(records: readonly unknown[]): Buffer | null {
  try {
    let start = slabPos;
    let end = writeFrame(slab, start, records);
    if (end === NO_ROOM && start > 0) {
      // The rest of this slab was too small: a fresh one (the frame most often fits).
      slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      slabPos = start = 0;
      end = writeFrame(slab, 0, records);
    }
    if (end === NOT_SIMPLE) return null;
    if (end !== NO_ROOM) {
      slabPos = end;
      return slab.subarray(start, end);
    }
    // Larger than a slab: one try in a 1 MiB scratch, copied out at its own size, so a frame held
    // for a peer pins only its bytes and the slab stays 64 KiB; larger still, msgpackr's.
    large ??= Buffer.allocUnsafeSlow(MAX_FAST_FRAME);
    end = writeFrame(large, 0, records);
    return end < 0 ? null : Buffer.from(large.subarray(0, end));
  } catch {
    return null;
  }
}

function writeFrame(b: Buffer, start: number, records: readonly unknown[]): number {
  const limit = b.length;
  let p = start;
  const n = records.length;
  if (p + 7 > limit) return NO_ROOM; // 0x92, TUPLES and up to 5 header bytes
  b[p++] = 0x92;
  b[p++] = TUPLES;
  p = writeArrayHeader(b, p, n);
  for (let i = 0; i < n; i++) {
    const rec = records[i];
    if (!Array.isArray(rec) || rec.length !== 5) return NOT_SIMPLE;
    const r = rec as unknown[];
    if (p + 1 > limit) return NO_ROOM;
    b[p++] = 0x95;
    if ((p = writeValue(b, p, r[0])) < 0) return p;
    if ((p = writeValue(b, p, r[1])) < 0) return p;
    if ((p = writeValue(b, p, r[2])) < 0) return p;
    p = writeList(b, p, r[3]);
    if (p < 0) return p;
    const anchors = r[4];
    if (anchors === null) {
      if (p + 1 > limit) return NO_ROOM;
      b[p++] = 0xc0;
    } else {
      if (!Array.isArray(anchors)) return NOT_SIMPLE;
      const a = anchors as unknown[];
      for (let k = 0; k < a.length; k++) if (typeof a[k] !== 'number') return NOT_SIMPLE;
      p = writeList(b, p, a);
      if (p < 0) return p;
    }
  }
  return p;
}

function writeArrayHeader(b: Buffer, p: number, n: number): number {
  if (n < 16) {
    b[p++] = 0x90 | n;
  } else if (n < 0x10000) {
    b[p++] = 0xdc;
    b[p++] = n >>> 8;
    b[p++] = n & 0xff;
  } else {
    b[p++] = 0xdd;
    b.writeUInt32BE(n, p);
    p += 4;
  }
  return p;
}

function writeList(b: Buffer, p: number, list: unknown): number {
  if (!Array.isArray(list)) return NOT_SIMPLE;
  const v = list as unknown[];
  if (p + 5 > b.length) return NO_ROOM;
  p = writeArrayHeader(b, p, v.length);
  for (let i = 0; i < v.length; i++) {
    p = writeValue(b, p, v[i]);
    if (p < 0) return p;
  }
  return p;
}

/** One string, number, boolean or null, as msgpackr writes it (integers in the smallest form, others float64). */
function writeValue(b: Buffer, p: number, v: unknown): number {
  if (typeof v === 'string') return writeString(b, p, v);
  if (p + 9 > b.length) return NO_ROOM;
  if (typeof v === 'number') {
    if (v >>> 0 === v) {
      if (v < 0x80) {
        b[p++] = v;
      } else if (v < 0x100) {
        b[p++] = 0xcc;
        b[p++] = v;
      } else if (v < 0x10000) {
        b[p++] = 0xcd;
        b[p++] = v >>> 8;
        b[p++] = v & 0xff;
      } else {
        b[p++] = 0xce;
        b[p++] = v >>> 24;
        b[p++] = (v >>> 16) & 0xff;
        b[p++] = (v >>> 8) & 0xff;
        b[p++] = v & 0xff;
      }
    } else if (v >> 0 === v) {
      if (v >= -0x20) {
        b[p++] = 0x100 + v;
      } else if (v >= -0x80) {
        b[p++] = 0xd0;
        b[p++] = v + 0x100;
      } else if (v >= -0x8000) {
        b[p++] = 0xd1;
        b[p++] = (v >> 8) & 0xff;
        b[p++] = v & 0xff;
      } else {
        b[p++] = 0xd2;
        b[p++] = v >>> 24;
        b[p++] = (v >>> 16) & 0xff;
        b[p++] = (v >>> 8) & 0xff;
        b[p++] = v & 0xff;
      }
    } else {
      b[p++] = 0xcb;
      f64[0] = v;
      if (LITTLE_ENDIAN) for (let i = 7; i >= 0; i--) b[p++] = f64Bytes[i]!;
      else for (let i = 0; i < 8; i++) b[p++] = f64Bytes[i]!;
    }
    return p;
  }
  if (v === null || v === true || v === false) {
    b[p++] = v === null ? 0xc0 : v ? 0xc3 : 0xc2;
    return p;
  }
  return NOT_SIMPLE;
}

function writeString(b: Buffer, p: number, s: string): number {
  const n = s.length;
  // Room for the longest header and three bytes a UTF-16 unit (UTF-8's worst case), else the exact size.
  if (p + 5 + n * 3 > b.length && p + 5 + Buffer.byteLength(s, 'utf8') > b.length) return NO_ROOM;
  if (n < 32) {
    // ASCII, written byte by byte (most words); a fixstr header, as msgpackr writes a short string.
    let q = p + 1;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      b[q++] = c;
    }
    if (i === n) {
      b[p] = 0xa0 | n;
      return q;
    }
  }
  const bytes = Buffer.byteLength(s, 'utf8');
  if (bytes < 32) {
    b[p++] = 0xa0 | bytes;
  } else if (bytes < 0x100) {
    b[p++] = 0xd9;
    b[p++] = bytes;
  } else if (bytes < 0x10000) {
    b[p++] = 0xda;
    b[p++] = bytes >>> 8;
    b[p++] = bytes & 0xff;
  } else {
    b[p++] = 0xdb;
    b.writeUInt32BE(bytes, p);
    p += 4;
  }
  return p + b.write(s, p, bytes, 'utf8');
}

// --- Decoding

/**
 * The records of a TUPLES frame in the fast grammar, decoded exactly as msgpackr would; undefined when
 * the bytes are anything else (another frame type, other value types, trailing or missing bytes).
 */
export function decodeTuples(bytes: Uint8Array): unknown[][] | undefined {
  const data = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (data.length < 3 || data[0] !== 0x92 || data[1] !== TUPLES) return undefined;
  return new Reader(data).records();
}

/** One frame's decoding: fields, not module variables (a module `let` is a slower context slot in a hot loop). */
class Reader {
  private pos = 2;
  private readonly end: number;
  /** Set when the bytes leave the fast grammar. */
  private bail = false;

  constructor(private readonly data: Buffer) {
    this.end = data.length;
  }

  records(): unknown[][] | undefined {
    const data = this.data;
    const n = this.arrayHeader();
    // Each record takes at least 6 bytes: a larger count is malformed (msgpackr says how).
    if (this.bail || n * 6 > this.end - this.pos) return undefined;
    const records = new Array<unknown[]>(n);
    for (let i = 0; i < n; i++) {
      if (this.pos >= this.end || data[this.pos] !== 0x95) return undefined;
      this.pos++;
      const target = this.value();
      const source = this.value();
      const stream = this.value();
      const values = this.list();
      let anchors: unknown[] | null = null;
      if (this.pos < this.end && data[this.pos] === 0xc0) this.pos++;
      else anchors = this.list();
      if (this.bail) return undefined;
      records[i] = [target, source, stream, values, anchors];
    }
    return this.pos === this.end ? records : undefined;
  }

  private fail(): 0 {
    this.bail = true;
    return 0;
  }

  private arrayHeader(): number {
    const data = this.data;
    let p = this.pos;
    if (p >= this.end) return this.fail();
    const t = data[p++]!;
    let n: number;
    if ((t & 0xf0) === 0x90) {
      n = t & 0x0f;
    } else if (t === 0xdc) {
      if (p + 2 > this.end) return this.fail();
      n = (data[p]! << 8) | data[p + 1]!;
      p += 2;
    } else if (t === 0xdd) {
      if (p + 4 > this.end) return this.fail();
      n = data.readUInt32BE(p);
      p += 4;
    } else {
      return this.fail();
    }
    this.pos = p;
    return n;
  }

  private list(): unknown[] {
    const n = this.arrayHeader();
    // Each value takes at least a byte.
    if (this.bail || n > this.end - this.pos) {
      this.bail = true;
      return [];
    }
    // Sized up front: `push` on `[]` would give a one-value list a backing store of 17.
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = this.value();
    return out;
  }

  private value(): unknown {
    const data = this.data;
    const end = this.end;
    let p = this.pos;
    if (p >= end) return this.fail();
    const t = data[p++]!;
    let v: unknown;
    if (t < 0x80) {
      v = t;
    } else if (t >= 0xe0) {
      v = t - 0x100;
    } else if ((t & 0xe0) === 0xa0) {
      this.pos = p;
      return this.string(t & 0x1f);
    } else {
      switch (t) {
        case 0xc0: v = null; break; case 0xc2: v = false; break; case 0xc3: v = true; break;
        case 0xcc:
          if (p + 1 > end) return this.fail();
          v = data[p++]!;
          break;
        case 0xcd:
          if (p + 2 > end) return this.fail();
          v = (data[p]! << 8) | data[p + 1]!;
          p += 2;
          break;
        case 0xce:
          if (p + 4 > end) return this.fail();
          v = ((data[p]! << 24) | (data[p + 1]! << 16) | (data[p + 2]! << 8) | data[p + 3]!) >>> 0;
          p += 4;
          break;
        case 0xd0:
          if (p + 1 > end) return this.fail();
          v = (data[p++]! << 24) >> 24;
          break;
        case 0xd1:
          if (p + 2 > end) return this.fail();
          v = ((data[p]! << 24) >> 16) | data[p + 1]!;
          p += 2;
          break;
        case 0xd2:
          if (p + 4 > end) return this.fail();
          v = (data[p]! << 24) | (data[p + 1]! << 16) | (data[p + 2]! << 8) | data[p + 3]!;
          p += 4;
          break;
        case 0xcb:
          if (p + 8 > end) return this.fail();
          if (LITTLE_ENDIAN) for (let i = 7; i >= 0; i--) f64Bytes[i] = data[p++]!;
          else for (let i = 0; i < 8; i++) f64Bytes[i] = data[p++]!;
          v = f64[0];
          break;
        case 0xd9:
          if (p + 1 > end) return this.fail();
          this.pos = p + 1;
          return this.string(data[p]!);
        case 0xda:
          if (p + 2 > end) return this.fail();
          this.pos = p + 2;
          return this.string((data[p]! << 8) | data[p + 1]!);
        case 0xdb:
          if (p + 4 > end) return this.fail();
          this.pos = p + 4;
          return this.string(data.readUInt32BE(p));
        default:
          // bin, ext (dates, undefined), maps, nested arrays, float32, 64-bit integers: msgpackr's.
          return this.fail();
      }
    }
    this.pos = p;
    return v;
  }

  private string(n: number): string {
    const data = this.data;
    const p = this.pos;
    if (n > this.end - p) return (this.fail(), '');
    this.pos = p + n;
    if (n <= 8) {
      // Short ASCII (most words) without a call into C++; anything else through the UTF-8 decoder.
      let ascii = true;
      for (let i = p; i < p + n; i++) if (data[i]! >= 0x80) ascii = false;
      if (ascii) {
        switch (n) {
          case 0: return '';
          case 1: return String.fromCharCode(data[p]!);
          case 2: return String.fromCharCode(data[p]!, data[p + 1]!);
          case 3: return String.fromCharCode(data[p]!, data[p + 1]!, data[p + 2]!);
          case 4: return String.fromCharCode(data[p]!, data[p + 1]!, data[p + 2]!, data[p + 3]!);
          case 5: return String.fromCharCode(data[p]!, data[p + 1]!, data[p + 2]!, data[p + 3]!, data[p + 4]!);
          case 6: return String.fromCharCode(data[p]!, data[p + 1]!, data[p + 2]!, data[p + 3]!, data[p + 4]!, data[p + 5]!);
          case 7: return String.fromCharCode(data[p]!, data[p + 1]!, data[p + 2]!, data[p + 3]!, data[p + 4]!, data[p + 5]!, data[p + 6]!);
          default: return String.fromCharCode(data[p]!, data[p + 1]!, data[p + 2]!, data[p + 3]!, data[p + 4]!, data[p + 5]!, data[p + 6]!, data[p + 7]!);
        }
      }
    }
    return data.toString('utf8', p, p + n);
  }
}
