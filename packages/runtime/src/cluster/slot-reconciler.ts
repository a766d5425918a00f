import type { AssignmentStore } from '../coord/index.js';
import type { Clock } from '../engine/ports.js';
import type { Logger } from '../log.js';
import { appliesInPlace, workerIdentity } from './assignment-diff.js';
import type { CrashSweep } from './crash-files.js';
import type { SupervisorEvents } from './events.js';
import { LimitedLog, REPEATED_WARNING_WINDOW_MS } from './limited-log.js';
import type { Assignment, WorkerAssignment } from './model.js';
import type { SlotProcess } from './slot-process.js';

/** What a {@link SlotReconciler} works with: the supervisor's slots and where their assignments are. */
export interface SlotReconcilerOptions {
  /** The supervisor's id (its workers in an assignment are those with this `supervisor`). */
  id: string;
  slots: ReadonlyMap<number, SlotProcess>;
  assignments: AssignmentStore;
  log: Logger;
  clock: Clock;
  /** Told after every reconcile, and after a slot moved off a topology (its crash files may go). */
  sweep: CrashSweep;
  emit: (event: 'assignment.changed', data: SupervisorEvents['assignment.changed']) => void;
}

/**
 * A supervisor's reconcile loop: reads the assignments (arming a watch that runs it again), and
 * moves each slot whose worker is not the one assigned to it. One runs at a time; a call during
 * one runs it again after.
 */
export class SlotReconciler {
  /** Per slot, the assignment its worker last followed: a change it applies in place keeps its identity. */
  private readonly following = new Map<number, Assignment>();
  private reconciling = false;
  private again = false;
  private stopped = false;
  /** Re-arm the assignment watches on the next reconcile (see Leader.rearm). */
  private rearm = true;
  /** Warnings of the reconcile loop, repeated every period while their cause lasts. */
  private readonly repeated: LimitedLog;

  constructor(private readonly opts: SlotReconcilerOptions) {
    this.repeated = new LimitedLog(opts.log, opts.clock, { limit: 1, windowMs: REPEATED_WARNING_WINDOW_MS });
  }

  /** A watch fired: reconcile and re-arm watches. */
  readonly poke = (): void => {
    this.rearm = true;
    void this.reconcile();
  };

  /** No reconcile starts from now on (the supervisor is closing). */
  stop(): void {
    this.stopped = true;
    this.repeated.close();
  }

  /** The topologies the slots are assigned (as of the last reconcile). */
  followed(): string[] {
    return [...this.following.values()].map((a) => a.topology);
  }

  async reconcile(): Promise<void> {
    if (this.stopped) return;
    if (this.reconciling) {
      this.again = true;
      return;
    }
    this.reconciling = true;
    const { slots, sweep } = this.opts;
    try {
      const desired = await this.desiredSlots();
      const changed: SlotProcess[] = [];
      for (const slot of slots.values()) {
        const want = desired.get(slot.port);
        const wantId = this.identityFor(slot, want?.a);
        if (wantId !== slot.targetIdentity) changed.push(slot);
        else if (want !== undefined && slot.idle && wantId === slot.identity) void slot.launch(want.a);
      }
      this.announce(changed, desired);
      // Each changed slot drains its worker and then launches the new one on its own: a worker
      // draining for its topology's drainTimeoutMs must not hold up the other slots (an unrelated
      // deploy waited 30 s for it before).
      for (const slot of changed) {
        const want = desired.get(slot.port);
        const was = slot.topology;
        void slot.moveTo(this.identityFor(slot, want?.a), want?.a)
          .then(() => sweep.poke(was !== undefined))
          .catch((err: unknown) => this.opts.log.warn({ port: slot.port, topology: was, err: (err as Error).message }, 'supervisor: slot move failed'));
      }
      for (const slot of slots.values()) {
        const a = desired.get(slot.port)?.a;
        if (a === undefined) this.following.delete(slot.port);
        else this.following.set(slot.port, a);
      }
      sweep.poke(); // the first reconcile sweeps at start; then every CRASH_SWEEP_INTERVAL_MS
    } catch (err) {
      this.rearm = true;
      this.repeated.warn({ err: (err as Error).message }, 'supervisor: cannot read assignments; will retry');
    } finally {
      this.reconciling = false;
      if (this.again) {
        this.again = false;
        void this.reconcile();
      }
    }
  }

  /**
   * The identity the slot must run for `a`: the one it runs (or heads for) when its worker applies
   * `a` in place (a rebalance of parallelism over the same slots: assignment-diff.ts), so the
   * worker is not restarted; else `a`'s own.
   */
  private identityFor(slot: SlotProcess, a: Assignment | undefined): string | undefined {
    if (a === undefined) return undefined;
    const w = a.workers.find((x) => x.supervisor === this.opts.id && x.port === slot.port)!;
    const prev = this.following.get(slot.port);
    const keep = prev !== undefined && slot.targetIdentity !== undefined && a.version >= prev.version && appliesInPlace(prev, a);
    return keep ? slot.targetIdentity : workerIdentity(a, w);
  }

  /** One `assignment.changed` per topology whose workers here change. */
  private announce(changed: readonly SlotProcess[], desired: Map<number, { a: Assignment }>): void {
    const versions = new Map<string, number | null>();
    for (const slot of changed) {
      const a = desired.get(slot.port)?.a;
      if (slot.topology !== undefined && !versions.has(slot.topology)) versions.set(slot.topology, null);
      if (a !== undefined) versions.set(a.topology, a.version);
    }
    for (const [topology, version] of versions) this.opts.emit('assignment.changed', { topology, version });
  }

  private async desiredSlots(): Promise<Map<number, { a: Assignment; w: WorkerAssignment }>> {
    const out = new Map<number, { a: Assignment; w: WorkerAssignment }>();
    const watcher = this.rearm ? this.poke : undefined;
    this.rearm = false;
    // A vanished or unreadable assignment means "not wanted"; a ZooKeeper hiccup must not stop
    // healthy workers: it aborts this reconcile instead (the caller retries).
    const { entries, bad } = await this.opts.assignments.list(watcher);
    for (const err of bad) this.repeated.warn({ path: err.path, err: err.message }, 'supervisor: unreadable assignment skipped', err.path);
    for (const { value: a } of entries.values()) {
      for (const w of a.workers) if (w.supervisor === this.opts.id && this.opts.slots.has(w.port)) out.set(w.port, { a, w });
    }
    return out;
  }
}
