import { open, readFile, rename } from 'node:fs/promises';
import { TailSpoutError } from './tail-errors.js';

/** Where to resume: a file by inode (it may have been renamed by a rotation) and a byte offset. */
export interface TailPosition {
  /** Inode number, as a decimal string (64-bit inodes do not fit a JSON number exactly). */
  readonly ino: string;
  /** Byte offset of the first line not known to be acked. */
  readonly offset: number;
}

/** On-disk shape, version 1. `file` ties the offsets to the followed path. */
interface OffsetsFileV1 {
  readonly version: 1;
  readonly file: string;
  readonly ino: string;
  readonly offset: number;
}

/**
 * The small file where a {@link FileTailSpout} keeps its resume point. Written atomically (a temp
 * file, fsync, rename over the old one), so a crash leaves the old or the new content, never a mix;
 * writes are coalesced: while one is in flight, only the newest position is kept for the next.
 */
export class OffsetsStore {
  private latest: TailPosition | undefined;
  private written: TailPosition | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly offsetsPath: string,
    private readonly followed: string,
    private readonly onError: (err: TailSpoutError) => void,
  ) {}

  /**
   * The position saved for `followed`, or undefined when there is no offsets file yet. Throws
   * `GALE_ERR_TAIL_OFFSETS_CORRUPT` for content this store did not write and
   * `GALE_ERR_TAIL_OFFSETS_MISMATCH` for the offsets of another followed path.
   */
  async load(): Promise<TailPosition | undefined> {
    let text: string;
    try {
      text = await readFile(this.offsetsPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new TailSpoutError('GALE_ERR_TAIL_OFFSETS_CORRUPT', this.followed, `cannot read offsets file ${this.offsetsPath}: ${(err as Error).message}`, { cause: err });
    }
    const parsed = parseOffsets(text);
    if (typeof parsed === 'string') {
      throw new TailSpoutError(
        'GALE_ERR_TAIL_OFFSETS_CORRUPT', this.followed,
        `offsets file ${this.offsetsPath} is corrupt (${parsed}); delete it to read ${this.followed} from its start again`,
      );
    }
    if (parsed.file !== this.followed) {
      throw new TailSpoutError(
        'GALE_ERR_TAIL_OFFSETS_MISMATCH', this.followed,
        `offsets file ${this.offsetsPath} belongs to ${JSON.stringify(parsed.file)}, not ${JSON.stringify(this.followed)}; give each followed file its own offsets file`,
      );
    }
    this.written = { ino: parsed.ino, offset: parsed.offset };
    return this.written;
  }

  /** Records a new resume point; it reaches the disk after any write in flight. */
  save(position: TailPosition): void {
    this.latest = position;
    if (this.writing === undefined) this.writing = this.drain();
  }

  /** Resolves once every saved position is on disk (or its write failed and was reported). */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.latest !== undefined && !samePosition(this.latest, this.written)) {
        const pos = this.latest;
        try {
          await this.write(pos);
          this.written = pos;
        } catch (err) {
          this.onError(new TailSpoutError('GALE_ERR_TAIL_OFFSETS_WRITE', this.followed, `cannot write offsets file ${this.offsetsPath}: ${(err as Error).message}`, { cause: err, retriable: true }));
          return; // the next save() tries again
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async write(pos: TailPosition): Promise<void> {
    const body: OffsetsFileV1 = { version: 1, file: this.followed, ino: pos.ino, offset: pos.offset };
    const tmp = `${this.offsetsPath}.tmp`;
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(body) + '\n', 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.offsetsPath);
  }
}

function samePosition(a: TailPosition, b: TailPosition | undefined): boolean {
  return b !== undefined && a.ino === b.ino && a.offset === b.offset;
}

/** The parsed file, or what is wrong with it. */
function parseOffsets(text: string): OffsetsFileV1 | string {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  if (o.version !== 1) return `unknown version ${JSON.stringify(o.version)}`;
  if (typeof o.file !== 'string' || o.file.length === 0) return 'no "file"';
  if (typeof o.ino !== 'string' || !/^\d+$/.test(o.ino)) return `bad "ino" ${JSON.stringify(o.ino)}`;
  if (!Number.isSafeInteger(o.offset) || (o.offset as number) < 0) return `bad "offset" ${JSON.stringify(o.offset)}`;
  return { version: 1, file: o.file, ino: o.ino, offset: o.offset as number };
}
