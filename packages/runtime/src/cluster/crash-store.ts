/**
 * The worker side of crash-counted retries (engine/crash-counts.ts): a small JSON file per
 * topology and worker slot in the supervisor's directory, `<dir>/<topology>@<slot>.json`, mapping each spout task
 * (`component#task`) to the crash counts of its message keys. It outlives the worker process
 * (a crash cannot erase it) and is written synchronously from the process's 'exit' handler, the
 * one moment a dying worker still runs code. The next launch on this machine reads it; counts
 * for executors that moved to another machine stay behind (those messages count from zero there).
 * It also keeps the roots of trees the dying worker was executing whose spout runs elsewhere: the
 * next launches report them to the spouts (engine/crash-reports.ts).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CrashCounts, CrashReport } from '../engine/crash-counts.js';
import type { Logger } from '../log.js';

/** Most keys kept per spout task: a bounded file even if a spout never replays what it was told failed. */
const MAX_KEYS_PER_TASK = 10_000;
/** Settled keys are written out at most this often (an ack must never wait for the disk). */
const SAVE_DELAY_MS = 1000;
/** Most roots kept for reports (a crash executes a few trees; a crash loop adds a few per crash). */
const MAX_ROOTS = 256;
/**
 * Launches that report a root before it is dropped: a launch may die before its report leaves
 * (the poison tuple can be the first thing it runs); a repeated report charges nothing twice.
 */
const REPORTS_PER_ROOT = 3;

type Tasks = Map<string, Map<string, number>>;

/** Parses the file at the boundary: anything malformed is dropped (best effort, like the errors store). */
function parse(text: string): { tasks: Tasks; roots: Map<number, number> } {
  const out: Tasks = new Map();
  const roots = new Map<number, number>();
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { tasks: out, roots };
  }
  const r: unknown = typeof v === 'object' && v !== null ? (v as { roots?: unknown }).roots : undefined;
  if (Array.isArray(r)) {
    for (const e of r) {
      if (Array.isArray(e) && Number.isSafeInteger(e[0]) && Number.isSafeInteger(e[1])) roots.set(e[0] as number, e[1] as number);
    }
  }
  const tasks: unknown = typeof v === 'object' && v !== null ? (v as { tasks?: unknown }).tasks : undefined;
  if (typeof tasks !== 'object' || tasks === null) return { tasks: out, roots };
  for (const [task, counts] of Object.entries(tasks as Record<string, unknown>)) {
    if (typeof counts !== 'object' || counts === null) continue;
    const m = new Map<string, number>();
    for (const [key, n] of Object.entries(counts as Record<string, unknown>)) if (Number.isSafeInteger(n) && (n as number) > 0) m.set(key, n as number);
    if (m.size > 0) out.set(task, m);
  }
  return { tasks: out, roots };
}

export class CrashStore implements CrashCounts {
  private readonly tasks: Tasks;
  /** Roots to report → launches that reported them already. */
  private readonly roots: Map<number, number>;
  private saveTimer: NodeJS.Timeout | undefined;
  private chargeSave = false;

  private constructor(private readonly file: string, private readonly log: Logger, legacy?: string) {
    let text = '';
    for (const f of legacy === undefined ? [file] : [file, legacy]) {
      try {
        text = readFileSync(f, 'utf8');
        break;
      } catch {
        // none yet
      }
    }
    ({ tasks: this.tasks, roots: this.roots } = parse(text));
  }

  /**
   * The store of `topology` under `dir` (created when first written): one file per worker slot
   * (`<topology>@<slot>.json`), so two workers of a topology on one supervisor never write over
   * each other's counts and roots (each saves its whole copy). A slot without its file yet starts
   * from the per-topology file of older versions, `<topology>.json`, which is also what `open`
   * without a slot uses.
   */
  static open(dir: string, topology: string, log: Logger, slot?: number): CrashStore {
    const legacy = path.join(dir, `${topology}.json`);
    return slot === undefined ? new CrashStore(legacy, log) : new CrashStore(path.join(dir, `${topology}@${slot}.json`), log, legacy);
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

  /**
   * Saved on the next turn, once for all the charges of this one: a relaunch reports up to
   * MAX_ROOTS roots at once, and each save rewrites the whole file.
   */
  charged(): void {
    if (this.chargeSave) return;
    this.chargeSave = true;
    setImmediate(() => {
      this.chargeSave = false;
      this.save();
    });
  }

  /**
   * From the process's 'exit' handler: synchronous. Counts the crash against each suspect, keeps
   * the other messages' failure counts, and the roots to report to spouts in other workers.
   */
  recordCrash(report: CrashReport): void {
    for (const c of [...report.counts, ...report.suspects.map((s) => ({ ...s, count: s.crashes }))]) {
      const m = this.of(c.spout, c.spoutTask);
      m.set(c.key, Math.max(m.get(c.key) ?? 0, c.count));
      while (m.size > MAX_KEYS_PER_TASK) m.delete(m.keys().next().value!);
    }
    for (const root of report.remoteRoots) this.roots.set(root, 0);
    while (this.roots.size > MAX_ROOTS) this.roots.delete(this.roots.keys().next().value!);
    this.save();
  }

  /** The roots this launch reports (engine/crash-reports.ts); each is dropped after REPORTS_PER_ROOT launches. */
  rootsToReport(): number[] {
    const out = [...this.roots.keys()];
    for (const root of out) {
      const n = this.roots.get(root)! + 1;
      if (n >= REPORTS_PER_ROOT) this.roots.delete(root);
      else this.roots.set(root, n);
    }
    if (out.length > 0) this.save();
    return out;
  }

  /** Writes the file now (atomically: a crash mid-write leaves the old one). */
  save(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const tasks: Record<string, Record<string, number>> = {};
    for (const [task, m] of this.tasks) if (m.size > 0) tasks[task] = Object.fromEntries(m);
    const roots = [...this.roots];
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ version: 1, tasks, ...(roots.length > 0 ? { roots } : {}) }));
      renameSync(tmp, this.file);
    } catch (err) {
      this.log.error({ file: this.file, err: (err as Error).message }, 'cannot write crash counts; a tuple that crashes its worker may replay more than maxRetries times');
    }
  }
}
