/**
 * The worker side of engine/crash-journal.ts: one small file per worker slot,
 * `<crashDir>/<topology>@<port>.journal`, that tells the next launch in the slot how this one
 * ended. Line 1 is the state (`running`, `watching`, `clean`); while watching, line 2 is the JSON
 * of the trees executing now. Every write is one positional write(2) at offset 0 of a descriptor
 * kept open: it is in the kernel when the call returns, so a SIGKILL right after cannot lose it
 * (no fsync: a machine crash loses the supervisor's other files too). A shorter record leaves
 * stale bytes after its last newline; the reader stops at line 2.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { CrashSuspect } from '../engine/crash-counts.js';
import type { ExecutingTrees, ExecutionJournal, JournalState } from '../engine/crash-journal.js';
import type { Logger } from '../log.js';

/** Parses the journal at the boundary: anything malformed reads as a death without a record. */
export function parseJournal(text: string | undefined): JournalState {
  if (text === undefined) return { kind: 'none' };
  const [state, json] = text.split('\n', 2);
  if (state === 'clean') return { kind: 'clean' };
  if (state !== 'watching' || json === undefined) return { kind: 'running' };
  try {
    const v = JSON.parse(json) as { suspects?: unknown; remoteRoots?: unknown };
    const suspects = Array.isArray(v.suspects) ? v.suspects.filter(isSuspect) : [];
    const remoteRoots = Array.isArray(v.remoteRoots) ? v.remoteRoots.filter((r): r is number => Number.isSafeInteger(r)) : [];
    return { kind: 'watching', executing: { suspects, remoteRoots } };
  } catch {
    return { kind: 'running' };
  }
}

function isSuspect(s: unknown): s is CrashSuspect {
  if (typeof s !== 'object' || s === null) return false;
  const o = s as Record<string, unknown>;
  return typeof o.spout === 'string' && Number.isSafeInteger(o.spoutTask) && typeof o.key === 'string'
    && Number.isSafeInteger(o.crashes) && (o.crashes as number) > 0 && typeof o.bolt === 'string' && Number.isSafeInteger(o.boltTask);
}

export class CrashJournalFile implements ExecutionJournal {
  /** How the previous launch in this slot ended. */
  readonly previous: JournalState;
  private fd: number | undefined;
  private failed = false;
  /** Reused for every write: most records are a few hundred bytes. */
  private readonly buf = Buffer.allocUnsafe(4096);

  private constructor(private readonly file: string, private readonly log: Logger) {
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // the first launch here
    }
    this.previous = parseJournal(text);
  }

  /** The journal of worker slot `port` for `topology` under `dir` (not written until {@link running}). */
  static open(dir: string, topology: string, port: number, log: Logger): CrashJournalFile {
    return new CrashJournalFile(path.join(dir, `${topology}@${port}.journal`), log);
  }

  /** This launch runs: a death without the 'exit' handler will read as such. */
  running(): void {
    this.write('running\n');
  }

  executing(now: ExecutingTrees): void {
    this.write(`watching\n${JSON.stringify({ suspects: now.suspects, remoteRoots: now.remoteRoots })}\n`);
  }

  stopped(): void {
    this.write('running\n');
  }

  /** From the process's 'exit' handler (synchronous): this launch's end was seen. */
  clean(): void {
    if (this.fd === undefined) return;
    this.failed = false; // a write that failed earlier (a full disk) may succeed now: try once more
    this.write('clean\n');
    try {
      closeSync(this.fd);
    } catch {
      // exiting anyway
    }
    this.fd = undefined;
  }

  private write(text: string): void {
    if (this.failed) return;
    try {
      if (this.fd === undefined) {
        mkdirSync(path.dirname(this.file), { recursive: true });
        this.fd = openSync(this.file, 'w');
      }
      // A UTF-16 unit takes at most 3 bytes in UTF-8: such a record always fits the reused buffer.
      const bytes = text.length * 3 > this.buf.length ? Buffer.from(text) : this.buf.subarray(0, this.buf.write(text, 0));
      // write(2) may write less than asked (a file size limit, a nearly full disk): a record cut
      // short must not stand as the journal, so finish it or fail (and empty the file) below.
      for (let off = 0; off < bytes.length;) {
        const n = writeSync(this.fd, bytes, off, bytes.length - off, off);
        if (n <= 0) throw new Error(`short write: ${off} of ${bytes.length} bytes`);
        off += n;
      }
    } catch (err) {
      // Best effort, like the crash counts: without it a SIGKILL-class crash is not charged.
      this.failed = true;
      this.log.error({ file: this.file, err: (err as Error).message }, 'cannot write the crash journal; a tuple that kills its worker without an exit handler may replay for ever');
      // What the file still says (e.g. `watching` a tree that finished long ago) must not be
      // charged by the next launch: empty it (read as a death without a record, `running`: nothing
      // charged, the next launch watches), or remove it (read as no journal). No more writes
      // but the exit handler's `clean` (test/cluster/crash-journal-file.test.ts).
      try {
        if (this.fd !== undefined) ftruncateSync(this.fd, 0);
        else rmSync(this.file, { force: true });
      } catch {
        // nothing more to do: the next launch may charge what the stale record names once
      }
    }
  }
}
