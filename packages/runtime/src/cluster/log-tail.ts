import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

const CHUNK_BYTES = 1024 * 1024;

/**
 * Reads a growing log file line by line: each {@link read} hands over the complete lines added
 * since the last one (all of them the first time). A file that was replaced or shrank (rotated)
 * is read again from its start.
 */
export class LogTail {
  private offset = 0;
  private ino: number | undefined;
  private decoder = new StringDecoder('utf8');
  private carry = '';

  constructor(readonly file: string) {}

  async read(onLine: (line: string) => void | Promise<void>): Promise<void> {
    let st;
    try {
      st = await stat(this.file);
    } catch {
      return; // not there (yet, or rotated away this instant)
    }
    if (this.ino !== undefined && (st.ino !== this.ino || st.size < this.offset)) {
      this.offset = 0;
      this.carry = '';
      this.decoder = new StringDecoder('utf8');
    }
    this.ino = st.ino;
    if (st.size <= this.offset) return;
    const fh = await open(this.file, 'r');
    try {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, st.size - this.offset));
      while (this.offset < st.size) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, st.size - this.offset), this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const parts = (this.carry + this.decoder.write(buf.subarray(0, bytesRead))).split('\n');
        this.carry = parts.pop()!;
        for (const line of parts) if (line !== '') await onLine(line);
      }
    } finally {
      await fh.close();
    }
  }
}
