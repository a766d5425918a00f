/**
 * Retry counts that survive a worker crash. A spout counts the failures of each message id in
 * memory (spout-task.ts), so a tuple that kills its worker (process.exit, an uncaught exception
 * in a bolt) would reset its own count with every crash and replay for ever. The engine cannot
 * write anything at the moment of death, but the worker can, synchronously, from its process
 * 'exit' handler: it asks the engine which spout messages were being executed
 * ({@link CrashSuspect}, Engine.crashSuspects) and stores their counts where the next launch
 * reads them (cluster/crash-store.ts). The spout task then seeds its count from there, and
 * dead-letters the message (reason `worker-crashed`) instead of emitting it once the count is
 * past maxRetries. Only messages one of whose tuples was *executing* are counted: the other trees
 * in flight at the crash are innocent and replay as usual. The failure counts of the other
 * messages are written as they are, so a crash does not hand them their retries back. A spout in
 * another worker learns of the crash from the next launch of the crashed one (crash-reports.ts).
 */

/** The crash counts a spout task starts with, and how it gives them back when they are over. */
export interface CrashCounts {
  /** Crashes so far per message key of this spout task; the task removes keys (see {@link settled}). */
  of(component: string, taskId: number): Map<string, number>;
  /** A key was removed from a task's map (acked, dead-lettered): persist that eventually. */
  settled(): void;
  /**
   * A crash reported by another worker was charged to a key of a task's map: persist it now (a
   * rare event), so a later death of this worker without an 'exit' handler does not hand the
   * message its retries back (crash-journal.ts).
   */
  charged(): void;
}

/** A spout message whose tuple was executing when the worker died. */
export interface CrashSuspect {
  readonly spout: string;
  readonly spoutTask: number;
  /** {@link messageKey} of the message id. */
  readonly key: string;
  /** The crashes this one included: the count to store. */
  readonly crashes: number;
  /** The bolt task that was executing it. */
  readonly bolt: string;
  readonly boltTask: number;
}

/** A failure count of a spout message to keep across a crash (not a suspect: counted as it was). */
export interface KeptCount {
  readonly spout: string;
  readonly spoutTask: number;
  readonly key: string;
  readonly count: number;
}

/** What a dying worker records (crash-suspects.ts findCrashReport). */
export interface CrashReport {
  readonly suspects: readonly CrashSuspect[];
  /** Roots of executing trees whose spout is in another worker: reported to it by the next launch (crash-reports.ts). */
  readonly remoteRoots: readonly number[];
  readonly counts: readonly KeptCount[];
}

/**
 * A message id as a durable key: strings and finite numbers only (other ids are compared by
 * identity in memory and have no meaning in another process: their crashes are not counted).
 */
export function messageKey(messageId: unknown): string | undefined {
  if (typeof messageId === 'string') return `s:${messageId}`;
  if (typeof messageId === 'number' && Number.isFinite(messageId)) return `n:${messageId}`;
  return undefined;
}
