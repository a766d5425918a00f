import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { LineDecoder, type FileLineEncoding } from '../file/line-decoder.js';
import type { TailPosition } from './offsets-store.js';
import { TailSpoutError } from './tail-errors.js';

/** One complete line and where it ends (the resume point once it is acked). */
export interface TailLine {
  readonly text: string;
  /** Inode of the file it was read from. */
  readonly ino: string;
  /** Byte offset just past its `\n`. */
  readonly end: number;
}

/** One file being read: a rotation (rename) or a truncation starts the next generation. */
interface Generation {
  readonly handle: FileHandle;
  readonly ino: string;
  readonly decoder: LineDecoder;
  readPos: number;
}

/** What `read()` found at the end of the current file. */
export type TailSwitch = 'rotated' | 'truncated';

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/**
 * Follows one path as `tail -F` does: reads the current file to its end, then notices when the
 * path names another file (rename rotation) or the file got shorter than what was read
 * (copytruncate). It does not switch on its own: the owner calls {@link switchGeneration} once the
 * old file's lines are all done, so a resume point never points into a file it left.
 */
export class FileFollower {
  private gen: Generation | undefined;
  private buf: Buffer;
  /** Set when the end of the current file was reached and the path moved on. */
  pendingSwitch: TailSwitch | undefined;

  constructor(readonly path: string, private readonly encoding: FileLineEncoding, chunkBytes: number) {
    this.buf = Buffer.allocUnsafe(chunkBytes);
  }

  /**
   * Opens where `resume` points: the same inode at `path`, or — rotated away while stopped — the
   * file with that inode in the same directory, read to its end before `path`. Returns a warning
   * when the resume point could not be honoured exactly (the file was truncated, or the rotated
   * file is gone), so the owner can report it. Throws `GALE_ERR_TAIL_DIR_NOT_FOUND`.
   */
  async start(resume: TailPosition | undefined, atEnd: boolean): Promise<TailSpoutError | undefined> {
    const dir = path.dirname(this.path);
    await assertDir(dir, this.path);
    const st = await statOrUndefined(this.path);
    if (resume === undefined) {
      if (st !== undefined) await this.openGen(this.path, atEnd ? Number(st.size) : 0);
      return undefined;
    }
    if (st !== undefined && st.ino.toString() === resume.ino) {
      if (Number(st.size) >= resume.offset) {
        await this.openGen(this.path, resume.offset);
        return undefined;
      }
      await this.openGen(this.path, 0);
      return this.warn(`${this.path} is shorter (${st.size} bytes) than the saved offset ${resume.offset}: truncated while stopped, reading it from its start`);
    }
    const rotated = await findByInode(dir, resume.ino);
    if (rotated !== undefined) {
      await this.openGen(rotated, resume.offset);
      return undefined;
    }
    if (st !== undefined) await this.openGen(this.path, 0);
    return this.warn(`the file last read (inode ${resume.ino}) is no longer in ${dir}: lines after offset ${resume.offset} of it were not read; reading ${this.path} from its start`);
  }

  /**
   * Reads the next chunk and appends the lines it completes. Returns false when there was nothing
   * new: then `pendingSwitch` tells whether the path moved on. A last line without `\n` is held
   * until its newline arrives (the writer may be mid-line), or the file is rotated away.
   */
  async read(out: TailLine[]): Promise<boolean> {
    if (this.gen === undefined) {
      const st = await statOrUndefined(this.path);
      if (st === undefined) return false; // not created yet
      await this.openGen(this.path, 0);
    }
    const g = this.gen!;
    if (await this.readChunk(g, out)) return true;
    if (this.pendingSwitch !== undefined) return false;
    const st = await statOrUndefined(this.path);
    if (st === undefined) return false; // renamed away; the new file is not there yet
    if (st.ino.toString() !== g.ino) {
      // Lines may have landed in the old file between our last read and the stat: read again.
      if (await this.readChunk(g, out)) return true;
      const lines: string[] = [];
      const offsets: number[] = [];
      g.decoder.end(lines, offsets);
      this.pendingSwitch = 'rotated';
      if (lines.length > 0) {
        out.push({ text: lines[0]!, ino: g.ino, end: g.readPos });
        return true;
      }
      return false;
    }
    if (Number(st.size) < g.readPos) this.pendingSwitch = 'truncated';
    return false;
  }

  /**
   * Moves to the next generation after `pendingSwitch`; returns its start position (the new
   * resume point), or undefined when the new file does not exist yet.
   */
  async switchGeneration(): Promise<TailPosition | undefined> {
    const g = this.gen;
    const kind = this.pendingSwitch;
    this.pendingSwitch = undefined;
    if (g === undefined || kind === undefined) return undefined;
    if (kind === 'truncated') {
      this.gen = { handle: g.handle, ino: g.ino, decoder: new LineDecoder(this.encoding, 0), readPos: 0 };
      return { ino: g.ino, offset: 0 };
    }
    this.gen = undefined;
    await g.handle.close();
    if ((await statOrUndefined(this.path)) === undefined) return undefined;
    await this.openGen(this.path, 0);
    return { ino: this.gen!.ino, offset: 0 };
  }

  /** Where reading continues in the current file (undefined before the file exists). */
  position(): TailPosition | undefined {
    const g = this.gen;
    return g === undefined ? undefined : { ino: g.ino, offset: g.decoder.offset };
  }

  /** Closes the current file. Idempotent; call once no read is in flight. */
  async close(): Promise<void> {
    const g = this.gen;
    this.gen = undefined;
    await g?.handle.close();
  }

  private async readChunk(g: Generation, out: TailLine[]): Promise<boolean> {
    let bytesRead: number;
    try {
      ({ bytesRead } = await g.handle.read(this.buf, 0, this.buf.length, g.readPos));
    } catch (err) {
      throw new TailSpoutError('GALE_ERR_TAIL_READ', this.path, `reading ${this.path} at byte ${g.readPos} failed: ${(err as Error).message}`, { cause: err, retriable: true });
    }
    if (bytesRead === 0) return false;
    g.readPos += bytesRead;
    const lines: string[] = [];
    const offsets: number[] = [];
    g.decoder.push(this.buf.subarray(0, bytesRead), lines, offsets);
    // The decoder keeps a slice of an unfinished last line: the next read must not overwrite it.
    if (g.decoder.pendingBytes > 0) this.buf = Buffer.allocUnsafe(this.buf.length);
    for (let i = 0; i < lines.length; i++) {
      const end = i + 1 < offsets.length ? offsets[i + 1]! : g.decoder.offset;
      out.push({ text: lines[i]!, ino: g.ino, end });
    }
    return true;
  }

  private async openGen(file: string, offset: number): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (err) {
      throw new TailSpoutError('GALE_ERR_TAIL_READ', this.path, `cannot open ${file}: ${(err as Error).message}`, { cause: err, retriable: true });
    }
    const st = await handle.stat({ bigint: true });
    this.gen = { handle, ino: st.ino.toString(), decoder: new LineDecoder(this.encoding, offset), readPos: offset };
  }

  private warn(message: string): TailSpoutError {
    return new TailSpoutError('GALE_ERR_TAIL_RESUME', this.path, message);
  }
}

async function statOrUndefined(file: string): Promise<{ ino: bigint; size: bigint } | undefined> {
  try {
    return await stat(file, { bigint: true });
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** Throws `GALE_ERR_TAIL_DIR_NOT_FOUND` unless `dir` is a directory. */
export async function assertDir(dir: string, followed: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch (err) {
    if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR') throw err;
  }
  if (!isDir) {
    // Name the directory looked in (a relative path is the cwd's), and the fix.
    const abs = path.resolve(dir);
    const where = path.isAbsolute(dir) ? '' : `; a relative path is resolved from the directory gale runs in, ${process.cwd()}`;
    throw new TailSpoutError('GALE_ERR_TAIL_DIR_NOT_FOUND', followed, `directory ${abs} does not exist (needed for ${followed}${where}); create it (mkdir -p ${abs}) or give the spout a path in an existing directory`);
  }
}

/** The path of a regular file in `dir` with inode `ino`: where a rotation renamed the old file. */
async function findByInode(dir: string, ino: string): Promise<string | undefined> {
  for (const name of await readdir(dir)) {
    const p = path.join(dir, name);
    const st = await stat(p, { bigint: true }).catch(() => undefined);
    if (st !== undefined && st.isFile() && st.ino.toString() === ino) return p;
  }
  return undefined;
}
