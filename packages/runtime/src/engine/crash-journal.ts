import type { TopologyConfig } from '../config/topology-config.js';
import { BoltTask, type ExecuteWatch } from './bolt-task.js';
import type { CrashReport, CrashSuspect } from './crash-counts.js';
import { SuspectList } from './crash-suspects.js';
import type { Plan } from './plan.js';
import type { Clock, Scheduler } from './ports.js';
import type { SpoutTask } from './spout-task.js';
import type { TupleImpl } from './tuple.js';

/**
 * Crashes that leave no report. A dying worker charges what it was executing from its process's
 * 'exit' handler (crash-counts.ts), but a SIGKILL, the kernel's OOM killer or V8's heap-limit
 * abort runs no handler: nothing is charged, and a poison tuple that dies that way replayed for
 * ever (its timeouts are excused as crash bystanders, crash-reports.ts). Writing down what runs
 * before every execute would catch it, but costs a system call per tuple, always, for a rare
 * event. So a worker does it only after a death it cannot explain:
 *
 * - Each launch marks a small per-slot journal file `running`; the 'exit' handler marks it
 *   `clean` (whatever the exit code: a crash the handler saw was charged the usual way).
 * - A launch that finds `running` knows its predecessor died without its handler. The culprit is
 *   unknown (that crash is not charged), so it *watches*: for {@link watchWindowMs} it records, before
 *   each tracked execute and after it settles, the trees being executed ({@link ExecutionWatch}).
 * - A launch that finds a watched record knows what its predecessor was executing when it died:
 *   it charges those trees exactly as the 'exit' handler would have ({@link judgePreviousLaunch}),
 *   and watches again.
 *
 * A poison tuple that kills its worker that way therefore costs one uncharged crash per worker it
 * kills first, then one charged crash per attempt. Bystanders are never charged: only the trees
 * executing at the moment of death are recorded. The record outlives the process in the kernel's
 * page cache (a write(2) completes before a signal kills the writer), so no fsync is needed; a
 * machine crash loses it, as it loses the supervisor's other files.
 */

/** The trees a watched worker is executing (what it would report if it died now). */
export interface ExecutingTrees {
  readonly suspects: readonly CrashSuspect[];
  readonly remoteRoots: readonly number[];
}

/** Where a watching engine writes (cluster/crash-journal-file.ts: a file that survives a SIGKILL). */
export interface ExecutionJournal {
  /** Called before each tracked execute and when one settles, with everything executing then. */
  executing(now: ExecutingTrees): void;
  /** The watch window is over: the journal says `running` again. */
  stopped(): void;
}

/** What a launch left in its journal, read by the next launch. */
export type JournalState =
  /** No journal: the first launch in this slot. */
  | { readonly kind: 'none' }
  /** Its 'exit' handler ran: a crash was reported the usual way, or it stopped on purpose. */
  | { readonly kind: 'clean' }
  /** Died without its 'exit' handler, not watching: what killed it is unknown. */
  | { readonly kind: 'running' }
  /** Died without its 'exit' handler while watching, executing these trees. */
  | { readonly kind: 'watching'; readonly executing: ExecutingTrees };

export interface JournalVerdict {
  /** The crash to charge (crash-store.ts recordCrash), if the predecessor died watching an execute. */
  readonly charge: CrashReport | undefined;
  /** This launch watches its executions. */
  readonly watch: boolean;
}

/** What a launch does about how its predecessor ended. */
export function judgePreviousLaunch(prev: JournalState): JournalVerdict {
  if (prev.kind === 'none' || prev.kind === 'clean') return { charge: undefined, watch: false };
  if (prev.kind === 'running') return { charge: undefined, watch: true };
  const e = prev.executing;
  const charge = e.suspects.length + e.remoteRoots.length === 0 ? undefined : { suspects: e.suspects, remoteRoots: e.remoteRoots, counts: [] };
  return { charge, watch: true };
}

/** Shortest watch: the poison must come back before it ends, and a spout may queue its replay behind other work. */
export const MIN_WATCH_MS = 60_000;

/**
 * How long a launch watches (`crashWatchMs` when set; 0: not at all): by default long enough for the poison to come back — its crashed tree times out
 * (up to about twice `messageTimeoutMs` with the timeout rotation), waits its replay backoff, and
 * is emitted again — with room to spare.
 */
export function watchWindowMs(config: Pick<TopologyConfig, 'messageTimeoutMs' | 'replayBackoffMaxMs' | 'crashWatchMs'>): number {
  if (config.crashWatchMs !== null && config.crashWatchMs !== undefined) return config.crashWatchMs;
  return Math.max(MIN_WATCH_MS, 3 * config.messageTimeoutMs + config.replayBackoffMaxMs);
}

/** Starts an {@link ExecutionWatch} over the user bolts among `tasks` (system bolts run no user code). */
export function watchExecutions(tasks: readonly (SpoutTask | BoltTask)[], plan: Plan, time: { clock: Clock; scheduler: Scheduler }, untilMs: number, journal: ExecutionJournal): ExecutionWatch {
  const isUser = (component: string): boolean => {
    const c = plan.components.get(component);
    return c?.kind === 'bolt' && c.system === undefined;
  };
  const bolts = tasks.filter((t): t is BoltTask => t instanceof BoltTask && isUser(t.component));
  const spouts = tasks.filter((t): t is SpoutTask => !(t instanceof BoltTask));
  const w = new ExecutionWatch(bolts, spouts, time, untilMs, journal);
  w.start();
  return w;
}

/**
 * Records the trees of every tracked execute of the given bolt tasks until `untilMs` (clock
 * time). It hooks the engine's own execution point (BoltTask.run, through the task's `watch`
 * field, set only while the watch lasts), so every input a bolt task executes is seen, whatever
 * the bolt instance is (a frozen or proxied one too), and the user's objects are never touched; a
 * worker that is not watching pays one field check per execute. While watching, each tracked
 * execute costs one write before it runs; that nothing executes any more is written once per
 * engine turn (deferred), not after every execute, which would double the system calls: a death
 * between an execute and that write (in the engine's own code during the same turn) charges the
 * tuple that ran last.
 */
export class ExecutionWatch implements ExecuteWatch {
  private readonly running = new Map<TupleImpl, BoltTask>();
  private on = false;
  /** A write of the executing set (now idle, or smaller) is deferred to the end of the turn. */
  private dirty = false;
  private deferred = false;

  constructor(
    private readonly bolts: readonly BoltTask[],
    private readonly spouts: readonly SpoutTask[],
    private readonly time: { clock: Clock; scheduler: Scheduler },
    private readonly untilMs: number,
    private readonly journal: ExecutionJournal,
  ) {}

  get watching(): boolean {
    return this.on;
  }

  start(): void {
    if (this.on) return;
    this.on = true;
    for (const b of this.bolts) b.watch = this;
    this.journal.executing({ suspects: [], remoteRoots: [] });
  }

  /** Unhooks the bolt tasks; the journal says `running`. Idempotent. */
  stop(): void {
    if (!this.on) return;
    this.on = false;
    for (const b of this.bolts) if (b.watch === this) b.watch = undefined;
    this.running.clear();
    this.journal.stopped();
  }

  /** Before an execute: false when it is not recorded (untracked, or the window is over). */
  begin(b: BoltTask, tuple: TupleImpl): boolean {
    if (!this.on) return false;
    if (this.time.clock.now() >= this.untilMs) {
      this.stop();
      return false;
    }
    if (!tuple.tracked) return false;
    this.running.set(tuple, b);
    this.write();
    return true;
  }

  end(tuple: TupleImpl): void {
    if (!this.running.delete(tuple) || !this.on) return;
    this.dirty = true;
    if (this.deferred) return;
    this.deferred = true;
    this.time.scheduler.defer(() => {
      this.deferred = false;
      if (this.dirty && this.on) this.write();
    });
  }

  private write(): void {
    this.dirty = false;
    const list = new SuspectList(this.spouts);
    for (const [tuple, b] of this.running) list.add(b, tuple);
    this.journal.executing({ suspects: list.suspects, remoteRoots: list.remoteRoots });
  }
}
