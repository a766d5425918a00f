/** Encodings FileLineSpout accepts: ASCII-compatible, so a `\n` byte always ends a line. */
export type FileLineEncoding = 'utf8' | 'utf-8' | 'latin1' | 'ascii';

export const FILE_LINE_ENCODINGS: readonly FileLineEncoding[] = Object.freeze(['utf8', 'utf-8', 'latin1', 'ascii']);

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream, fed in chunks, into lines and the byte offset of each line's start.
 * `\n` ends a line; one `\r` before it is dropped (CRLF); a last line without `\n` is
 * returned by `end()`. Bytes of an unfinished line are kept as a list of slices and joined
 * once its `\n` arrives, so a line spanning many chunks costs linear time.
 * Scanning bytes (not decoded text) is what makes offsets exact and chunk edges safe: a
 * multi-byte character can be cut by a chunk edge, but never by a `\n`.
 */
export class LineDecoder {
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** File offset of the first byte not yet returned as part of a line. */
  private next: number;

  constructor(private readonly encoding: FileLineEncoding = 'utf8', startOffset = 0) {
    this.next = startOffset;
  }

  /** Offset just past the last complete line returned. */
  get offset(): number {
    return this.next;
  }

  /** Bytes of the unfinished last line held so far. */
  get pendingBytes(): number {
    return this.carryBytes;
  }

  /** Appends the lines completed by `chunk` (and their start offsets) to `lines` / `offsets`. */
  push(chunk: Buffer, lines: string[], offsets: number[]): void {
    let nl = chunk.indexOf(LF);
    if (nl < 0) {
      if (chunk.length > 0) this.keep(chunk);
      return;
    }
    let start = 0;
    if (this.carryBytes > 0) {
      // The first line began in an earlier chunk.
      this.carry.push(chunk.subarray(0, nl));
      const joined = Buffer.concat(this.carry, this.carryBytes + nl);
      this.emit(joined, 0, joined.length, lines, offsets);
      this.carry = [];
      this.carryBytes = 0;
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }
    while (nl >= 0) {
      this.emit(chunk, start, nl, lines, offsets);
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) this.keep(chunk.subarray(start));
  }

  /** At end of input: appends the last line if it had no trailing `\n`. */
  end(lines: string[], offsets: number[]): void {
    if (this.carryBytes === 0) return;
    const joined = this.carry.length === 1 ? this.carry[0]! : Buffer.concat(this.carry, this.carryBytes);
    this.carry = [];
    this.carryBytes = 0;
    // No newline follows, so a trailing `\r` here is content; strip it anyway for symmetry
    // with CRLF files whose last line lost its `\n`.
    this.emit(joined, 0, joined.length, lines, offsets, true);
  }

  private keep(bytes: Buffer): void {
    this.carry.push(bytes);
    this.carryBytes += bytes.length;
  }

  /** `buf[from, to)` is one line; `to` is the index of its `\n` (or the end of the data). */
  private emit(buf: Buffer, from: number, to: number, lines: string[], offsets: number[], last = false): void {
    const length = to - from;
    const end = to > from && buf[to - 1] === CR ? to - 1 : to;
    lines.push(buf.toString(this.encoding, from, end));
    offsets.push(this.next);
    this.next += length + (last ? 0 : 1);
  }
}
