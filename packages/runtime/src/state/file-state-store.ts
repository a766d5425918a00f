import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StateError } from '../errors.js';
import { EMPTY_STORED_STATE, type StateNamespace, type StateSnapshot, type StateStore, type StateStoreProvider, type StoredState } from '../api/state/state-store.js';

/*
 * The file backend: one JSON file per task, `<stateDir>/<topology>/<component>/task-<index>.json`,
 * holding the committed snapshot and the prepared one. Every write goes to a temp file that is
 * fsynced, renamed over the old one, and the directory fsynced: a crash leaves the old file or the
 * new one, never half of one. The file is read at every load (never trusted from memory alone).
 */

const FORMAT = 'gale-state/1';

interface FileBody {
  readonly format: string;
  readonly committed: StateSnapshot;
  readonly prepared: StateSnapshot | null;
}

/** Characters safe in a path segment; anything else is %-escaped (names are already restricted). */
const segment = (s: string): string => encodeURIComponent(s).replace(/\./g, '%2E');

let tmpSeq = 0;

/** Writes `text` to `path` atomically and durably (temp + fsync + rename + fsync of the directory). */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${++tmpSeq}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

function isSnapshot(x: unknown): x is StateSnapshot {
  const s = x as Partial<StateSnapshot> | null;
  return typeof s === 'object' && s !== null && Number.isSafeInteger(s.txid) && (s.txid as number) >= 0 && Array.isArray(s.entries)
    && s.entries.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string');
}

function parseBody(path: string, text: string): FileBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw corrupt(path, `not JSON (${(err as Error).message})`, err);
  }
  const b = body as Partial<FileBody> | null;
  if (typeof b !== 'object' || b === null || b.format !== FORMAT) throw corrupt(path, `not a gale state file (expected "format": "${FORMAT}")`);
  if (!isSnapshot(b.committed)) throw corrupt(path, '"committed" is not a snapshot { txid, entries: [[key, value], ...] }');
  if (b.prepared !== null && !isSnapshot(b.prepared)) throw corrupt(path, '"prepared" is neither null nor a snapshot');
  return b as FileBody;
}

function corrupt(path: string, why: string, cause?: unknown): StateError {
  return new StateError('GALE_ERR_STATE_CORRUPT', `state file ${path} is corrupt: ${why}; restore it from a backup, or move it away to start this task from empty state`, { cause });
}

export class FileStateStore implements StateStore {
  constructor(readonly path: string) {}

  async load(): Promise<StoredState> {
    const b = await this.read();
    return b === undefined ? EMPTY_STORED_STATE : { committed: b.committed, prepared: b.prepared ?? undefined };
  }

  async prepare(snapshot: StateSnapshot): Promise<void> {
    const b = await this.read();
    await this.write({ format: FORMAT, committed: b?.committed ?? EMPTY_STORED_STATE.committed, prepared: snapshot });
  }

  async commit(txid: number): Promise<void> {
    const b = await this.read();
    if (b?.prepared === null || b?.prepared === undefined || b.prepared.txid !== txid) return;
    await this.write({ format: FORMAT, committed: b.prepared, prepared: null });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async read(): Promise<FileBody | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StateError('GALE_ERR_STATE_UNAVAILABLE', `cannot read state file ${this.path}: ${(err as Error).message}`, { cause: err, retriable: true });
    }
    return parseBody(this.path, text);
  }

  private async write(body: FileBody): Promise<void> {
    try {
      await writeFileAtomic(this.path, JSON.stringify(body));
    } catch (err) {
      throw new StateError('GALE_ERR_STATE_UNAVAILABLE', `cannot write state file ${this.path}: ${(err as Error).message}`, { cause: err, retriable: true });
    }
  }
}

export class FileStateStores implements StateStoreProvider {
  constructor(private readonly dir: string) {}
  /** The file of one task's state. */
  pathOf(ns: StateNamespace): string {
    return join(this.dir, segment(ns.topology), segment(ns.component), `task-${ns.taskIndex}.json`);
  }
  open(ns: StateNamespace): StateStore {
    return new FileStateStore(this.pathOf(ns));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
