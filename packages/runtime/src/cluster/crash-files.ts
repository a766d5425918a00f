import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ReadAll, TopologyRecord, TopologyStatus, ZkWatcher } from '../coord/index.js';
import type { Clock } from '../engine/ports.js';
import type { Logger } from '../log.js';

/*
 * A supervisor's `crash-counts/` holds, per topology, each slot's crash counts
 * `<topology>@<port>.json` (crash-store.ts), its journal `<topology>@<port>.journal`
 * (crash-journal-file.ts), the per-topology counts of older versions, `<topology>.json`, and what a
 * save cut short left of them (`<file>.<pid>.tmp`). Once the topology is killed they describe a run
 * that is over: a later deploy of the same name must not start with its messages' crash counts, or
 * charge what its last launch was executing.
 */

/** How often a supervisor sweeps its `crash-counts/` besides when a slot of it leaves a topology. */
export const CRASH_SWEEP_INTERVAL_MS = 30_000;

/**
 * The topology a file of `crash-counts/` belongs to; undefined for a name that is no crash file.
 * Names have no '@' (coord/names.ts), so `<topology>@` is that topology's alone; they may hold dots,
 * so `a.b.json` is topology `a.b`'s, never `a`'s.
 */
export function crashFileTopology(name: string): string | undefined {
  const m = /^([^@]+)@\d+\.(?:json|journal)(?:\.\d+\.tmp)?$/.exec(name) ?? /^([^@]+)\.json(?:\.\d+\.tmp)?$/.exec(name);
  return m?.[1];
}

/**
 * Which of `files` (the names in `crash-counts/`) to delete: those of a topology no slot here runs
 * (`running`) whose record is missing or killed. `records` holds the status of every topology
 * record read, `'unreadable'` for one that exists but could not be read (kept: it may be active).
 * Only call it with a complete listing (ZooKeeper reachable): a missing record must mean deleted.
 */
export function crashFilesToSweep(
  files: readonly string[], records: ReadonlyMap<string, TopologyStatus | 'unreadable'>, running: ReadonlySet<string>,
): string[] {
  return files.filter((f) => {
    const t = crashFileTopology(f);
    if (t === undefined || running.has(t)) return false;
    const s = records.get(t);
    return s === undefined || s === 'killed';
  });
}

/** Every record's status; an unreadable record is `'unreadable'`, by its znode's last path segment. */
export function recordStatuses(all: ReadAll<TopologyRecord>): Map<string, TopologyStatus | 'unreadable'> {
  const out = new Map<string, TopologyStatus | 'unreadable'>();
  for (const [name, r] of all.entries) out.set(name, r.value.status);
  for (const err of all.bad) if (err.path !== undefined) out.set(path.posix.basename(err.path), 'unreadable');
  return out;
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

export interface CrashSweepOptions {
  /** The supervisor's `crash-counts/`. */
  dir: string;
  clock: Clock;
  log: Logger;
  /**
   * Every topology record, watching the set of them when given `watcher`; throws when ZooKeeper
   * cannot be read (nothing is deleted then).
   */
  records: (watcher?: ZkWatcher) => Promise<ReadAll<TopologyRecord>>;
  /** The topologies a slot here runs, drains or heads for. */
  running: () => ReadonlySet<string>;
  intervalMs?: number;
}

/**
 * Deletes the crash files of topologies that are killed or gone and that no slot here runs — also
 * those of a topology that moved to another supervisor before it was killed, which no slot here
 * left at the kill. Runs at start, when a slot leaves a topology, when a topology record appears
 * or goes (a watch: a killed record is removed before its name can be deployed again), and at
 * most every {@link CRASH_SWEEP_INTERVAL_MS} otherwise; never two at once; never while ZooKeeper
 * is unreachable. Failures (an EACCES from `rm`) are logged, never thrown.
 */
export class CrashSweep {
  private lastMs = -Infinity;
  /** The sweep running, and those it triggers. */
  private busy: Promise<void> | undefined;
  private again = false;
  /** A watch on the set of records is set (one at a time: a sweep every interval must not pile them up). */
  private watching = false;
  private readonly onRecords: ZkWatcher = () => {
    this.watching = false;
    this.poke(true);
  };

  constructor(private readonly o: CrashSweepOptions) {}

  private stopped = false;

  /** Sweeps now when `force`, or when the last sweep was an interval ago. */
  poke(force = false): void {
    if (this.stopped) return;
    if (!force && this.o.clock.now() - this.lastMs < (this.o.intervalMs ?? CRASH_SWEEP_INTERVAL_MS)) return;
    if (this.busy !== undefined) {
      this.again ||= force;
      return;
    }
    this.lastMs = this.o.clock.now();
    this.busy = this.sweep().then(() => {
      this.busy = undefined;
      if (this.again) {
        this.again = false;
        this.poke(true);
      }
    });
  }

  /** Resolves once no sweep runs (nor one that a sweep triggered). */
  async idle(): Promise<void> {
    while (this.busy !== undefined) await this.busy;
  }

  /** No sweep starts any more (the supervisor closes). */
  stop(): void {
    this.stopped = true;
  }

  /** One sweep; the names deleted (none when ZooKeeper or the directory cannot be read). */
  async sweep(): Promise<string[]> {
    try {
      const watcher = this.watching ? undefined : this.onRecords;
      const all = await this.o.records(watcher);
      if (watcher !== undefined) this.watching = true;
      const records = recordStatuses(all);
      const files = await list(this.o.dir);
      // `running` read last: a slot that started meanwhile keeps its files.
      const gone = crashFilesToSweep(files, records, this.o.running());
      await Promise.all(gone.map((n) => rm(path.join(this.o.dir, n), { force: true })));
      if (gone.length > 0) this.o.log.info({ dir: this.o.dir, files: gone }, 'supervisor: removed the crash files of killed topologies');
      return gone;
    } catch (err) {
      this.o.log.warn({ dir: this.o.dir, err: (err as Error).message }, 'supervisor: cannot sweep crash files; will retry');
      return [];
    }
  }
}
