import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileWriteError } from '../errors.js';

/** Text is written in pieces of about this many characters, so no single huge string is built. */
const PIECE_CHARS = 1 << 20;

/**
 * Writes `lines` (each followed by `\n`) to a temporary file next to `path`, then renames it
 * over `path`: readers see the old file or the complete new one, never a partial one.
 * Creates missing parent directories. Throws {@link FileWriteError}.
 */
export async function writeLinesAtomic(path: string, lines: Iterable<string>): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const fh = await open(tmp, 'w');
    try {
      let piece = '';
      for (const line of lines) {
        piece += line + '\n';
        if (piece.length >= PIECE_CHARS) {
          await fh.writeFile(piece, 'utf8');
          piece = '';
        }
      }
      if (piece.length > 0) await fh.writeFile(piece, 'utf8');
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw new FileWriteError(path, `cannot write output file ${path}: ${(err as Error).message}`, { cause: err });
  }
}
