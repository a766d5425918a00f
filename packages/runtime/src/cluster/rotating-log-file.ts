import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/** A worker's log file is rotated when it would pass this size. */
export const WORKER_LOG_MAX_BYTES = 10 * 1024 * 1024;
/** Rotated files kept beside the live one (`worker-6700.log.1` is the newest). */
export const WORKER_LOG_KEEP = 3;

export interface RotatingLogFileOptions {
  readonly maxBytes?: number;
  readonly keep?: number;
}

/**
 * A pino destination that appends to one file and rotates it by size: `f` → `f.1` → ... →
 * `f.<keep>` (dropped). Synchronous writes, as the stderr root logger's: a line logged just
 * before a crash is on disk. A write error (disk full) drops the line rather than failing the
 * worker; the next write tries again.
 */
export class RotatingLogFile {
  private fd: number | undefined;
  private size = 0;
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(readonly file: string, opts: RotatingLogFileOptions = {}) {
    this.maxBytes = opts.maxBytes ?? WORKER_LOG_MAX_BYTES;
    this.keep = opts.keep ?? WORKER_LOG_KEEP;
    mkdirSync(path.dirname(file), { recursive: true });
    this.open();
  }

  write(chunk: string): boolean {
    const bytes = Buffer.byteLength(chunk);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    try {
      if (this.fd === undefined) this.open();
      writeSync(this.fd!, chunk);
      this.size += bytes;
    } catch {
      this.closeFd();
    }
    return true;
  }

  /** Closes the file; later writes reopen it. Idempotent. */
  close(): void {
    this.closeFd();
  }

  private open(): void {
    this.fd = openSync(this.file, 'a', 0o640);
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    this.closeFd();
    try {
      rmSync(`${this.file}.${this.keep}`, { force: true });
      for (let i = this.keep - 1; i >= 1; i--) {
        try {
          renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
        } catch {
          // not there (yet)
        }
      }
      if (this.keep > 0) renameSync(this.file, `${this.file}.1`);
      else rmSync(this.file, { force: true });
    } catch {
      // Could not rotate: keep appending rather than lose lines.
    }
    this.size = 0;
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = undefined;
  }
}

/** `<dir>/logs/<topology>/worker-<port>.log`: where a supervisor's worker writes, and where `gale logs` reads. */
export function workerLogFile(dir: string, topology: string, port: number): string {
  return path.join(dir, 'logs', topology, `worker-${port}.log`);
}
