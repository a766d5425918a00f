import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileWriteError } from '../errors.js';

/** Text is written in pieces of about this many characters, so no single huge string is built. */
const PIECE_CHARS = 1 << 20;

/**
 * Writes `lines` (each followed by `\n`) to a temporary file next to `path`, then renames it
 * over `path`: readers see the old file or the complete new one, never a partial one.
 * Creates missing parent directories. Throws {@link FileWriteError}.
 * The directory and the file are made while the first piece of text is built: `lines` is often
 * a lazy sort (CountsFileSinkBolt), and the open's round trip through libuv's thread pool
 * (slow on a busy machine) then overlaps it instead of preceding it.
 */
export async function writeLinesAtomic(path: string, lines: Iterable<string>): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const opening = mkdir(dir, { recursive: true }).then(() => open(tmp, 'w'));
  // Awaited below on every path; this only keeps a rejection from counting as unhandled meanwhile.
  opening.catch(() => {});
  let fh: FileHandle | undefined;
  try {
    let piece = '';
    for (const line of lines) {
      piece += line + '\n';
      if (piece.length >= PIECE_CHARS) {
        fh ??= await opening;
        await fh.writeFile(piece, 'utf8');
        piece = '';
      }
    }
    fh ??= await opening;
    if (piece.length > 0) await fh.writeFile(piece, 'utf8');
    const written = fh;
    fh = undefined;
    await written.close();
    await rename(tmp, path);
  } catch (err) {
    // The file may have been opened (or be opening) when building or writing a piece failed.
    fh ??= await opening.catch(() => undefined);
    await fh?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw new FileWriteError(path, `cannot write output file ${path}: ${(err as Error).message}`, { cause: err });
  }
}
