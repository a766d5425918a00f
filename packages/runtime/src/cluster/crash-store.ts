/**
 * The worker side of crash-counted retries (engine/crash-counts.ts): a small JSON file per
 * topology in the supervisor's directory, `<dir>/<topology>.json`, mapping each spout task
 * (`component#task`) to the crash counts of its message keys. It outlives the worker process
 * (a crash cannot erase it) and is written synchronously from the process's 'exit' handler, the
 * one moment a dying worker still runs code. The next launch on this machine reads it; counts
 * for executors that moved to another machine stay behind (those messages count from zero there).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CrashCounts, CrashSuspect } from '../engine/crash-counts.js';
import type { Logger } from '../log.js';

/** Most keys kept per spout task: a bounded file even if a spout never replays what it was told failed. */
const MAX_KEYS_PER_TASK = 10_000;
/** Settled keys are written out at most this often (an ack must never wait for the disk). */
const SAVE_DELAY_MS = 1000;

type Tasks = Map<string, Map<string, number>>;

/** Parses the file at the boundary: anything malformed is dropped (best effort, like the errors store). */
function parse(text: string): Tasks {
  const out: Tasks = new Map();
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return out;
  }
  const tasks: unknown = typeof v === 'object' && v !== null ? (v as { tasks?: unknown }).tasks : undefined;
  if (typeof tasks !== 'object' || tasks === null) return out;
  for (const [task, counts] of Object.entries(tasks as Record<string, unknown>)) {
    if (typeof counts !== 'object' || counts === null) continue;
    const m = new Map<string, number>();
    for (const [key, n] of Object.entries(counts as Record<string, unknown>)) if (Number.isSafeInteger(n) && (n as number) > 0) m.set(key, n as number);
    if (m.size > 0) out.set(task, m);
  }
  return out;
}

export class CrashStore implements CrashCounts {
  private readonly tasks: Tasks;
  private saveTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly file: string, private readonly log: Logger) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // none yet
    }
    this.tasks = parse(text);
  }

  /** The store of `topology` under `dir` (created when first written). */
  static open(dir: string, topology: string, log: Logger): CrashStore {
    return new CrashStore(path.join(dir, `${topology}.json`), log);
  }

  of(component: string, taskId: number): Map<string, number> {
    const k = `${component}#${taskId}`;
    let m = this.tasks.get(k);
    if (m === undefined) {
      m = new Map();
      this.tasks.set(k, m);
    }
    return m;
  }

  settled(): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save();
    }, SAVE_DELAY_MS);
    this.saveTimer.unref();
  }

  /** From the process's 'exit' handler: synchronous. Counts the crash against each suspect. */
  recordCrash(suspects: readonly CrashSuspect[]): void {
    for (const s of suspects) {
      const m = this.of(s.spout, s.spoutTask);
      m.set(s.key, Math.max(m.get(s.key) ?? 0, s.crashes));
      while (m.size > MAX_KEYS_PER_TASK) m.delete(m.keys().next().value!);
    }
    this.save();
  }

  /** Writes the file now (atomically: a crash mid-write leaves the old one). */
  save(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const tasks: Record<string, Record<string, number>> = {};
    for (const [task, m] of this.tasks) if (m.size > 0) tasks[task] = Object.fromEntries(m);
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ version: 1, tasks }));
      renameSync(tmp, this.file);
    } catch (err) {
      this.log.error({ file: this.file, err: (err as Error).message }, 'cannot write crash counts; a tuple that crashes its worker may replay more than maxRetries times');
    }
  }
}
