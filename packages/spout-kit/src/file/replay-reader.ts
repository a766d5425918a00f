import type { FileHandle } from 'node:fs/promises';
import { LineDecoder, type FileLineEncoding } from './line-decoder.js';

/**
 * Reads replayed lines back from the file (FileLineSpout keeps only their byte ranges). A read
 * takes a window of at least `windowBytes` from the range's start and keeps it, so replays served
 * in offset order — after a checkpoint rollback fails a whole interval of lines at once — cost one
 * read per window, not one per line. The window is dropped ({@link release}) once the spout's
 * replay queue is empty, so a spout that replayed once does not hold a chunk for the rest of its run.
 */
export class ReplayReader {
  private start = 0;
  private bytes: Buffer | undefined;

  constructor(private readonly handle: FileHandle, private readonly encoding: FileLineEncoding, private readonly windowBytes: number) {}

  /** The lines of `[offset, end)` when the last window holds them, else undefined ({@link read} them). */
  cached(offset: number, end: number): string[] | undefined {
    const b = this.bytes;
    if (b === undefined || offset < this.start || end > this.start + b.length) return undefined;
    return this.decode(b.subarray(offset - this.start, end - this.start), offset);
  }

  /**
   * Reads a window from `offset` and returns the lines of `[offset, end)`, or, when the file now
   * ends before `end` (it was truncated), the offset where it ends. Read errors reject.
   */
  async read(offset: number, end: number): Promise<string[] | number> {
    const size = Math.max(this.windowBytes, end - offset);
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const { bytesRead } = await this.handle.read(buf, got, size - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got < end - offset) return offset + got;
    this.start = offset;
    this.bytes = buf.subarray(0, got);
    return this.decode(buf.subarray(0, end - offset), offset);
  }

  /** Whether a window is held (for tests of its memory). */
  get holding(): boolean {
    return this.bytes !== undefined;
  }

  /** Drops the window: no replay is queued, so it would only hold memory. */
  release(): void {
    this.bytes = undefined;
  }

  private decode(range: Buffer, offset: number): string[] {
    const lines: string[] = [];
    const offsets: number[] = [];
    const decoder = new LineDecoder(this.encoding, offset);
    decoder.push(range, lines, offsets);
    decoder.end(lines, offsets);
    return lines;
  }
}
