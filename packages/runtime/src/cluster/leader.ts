import { CLUSTER_CONFIG_DEFAULTS, type ClusterConfig } from '../config/cluster-config.js';
import type { LeaderElection, ReadAll, ZkClient, ZkError, ZkOp, ZkPaths } from '../coord/index.js';
import {
  AssignmentStore, EpochStore, ErrorsStore, SupervisorStore, TopologyStore, WorkerHeartbeatStore, isValidName,
} from '../coord/index.js';
import type { GaleError } from '../errors.js';
import type { Logger } from '../log.js';
import { TypedEmitter } from '../transport/events.js';
import { nodeClock } from '../local/node-ports.js';
import type { LeaderEvents } from './events.js';
import { LimitedLog, REPEATED_WARNING_WINDOW_MS } from './limited-log.js';
import type { Assignment, SupervisorInfo, WorkerHeartbeat } from './model.js';
import { deployOrder, executorsOf, freeSlots, scheduleTopology } from './scheduler.js';
import { SlotShortageLog, type Shortage } from './slot-shortage-log.js';
import { planSpread, RegistrationAges, type SpreadMove } from './spread.js';

/**
 * The scheduler role, run by whichever supervisor holds the election. It keeps every
 * topology's assignment valid for the live supervisors (even scheduler), and removes killed
 * topologies. Its only writes are assignments, in transactions fenced on its election znode,
 * so a deposed leader (paused, then resumed after losing its session) writes nothing.
 * Emits {@link LeaderEvents} once a write is committed.
 */
export class Leader extends TypedEmitter<LeaderEvents> {
  private timer: NodeJS.Timeout | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private active = false;
  /** Re-arm watches on the next reconcile (after a watch fired, or at start). Periodic runs read without watching, so watchers never pile up. */
  private rearm = true;
  private readonly topologies: TopologyStore;
  private readonly assignments: AssignmentStore;
  private readonly supervisors: SupervisorStore;
  private readonly heartbeats: WorkerHeartbeatStore;
  /** Znodes already reported as bad, so a corrupt record is logged once, not every period. */
  private readonly reported = new Set<string>();
  /** A failing reconcile repeats every period while ZooKeeper is unreachable. */
  private readonly repeated: LimitedLog;
  /** "No free worker slot", written when the shortage changes, not every period. */
  private readonly shortage: SlotShortageLog;
  /** How long each supervisor has been registered, as this leader saw it (spread cool-down). */
  private ages = new RegistrationAges();
  /** Monotonic time of the last spread moves: at most `spreadMaxMovesPerPeriod` per `leaderPeriodMs`. */
  private lastSpreadMs = -Infinity;

  constructor(
    private readonly zk: ZkClient,
    private readonly paths: ZkPaths,
    private readonly election: LeaderElection,
    private readonly log: Logger,
    private readonly cfg: ClusterConfig = CLUSTER_CONFIG_DEFAULTS,
  ) {
    super(log);
    this.repeated = new LimitedLog(log, nodeClock, { limit: 1, windowMs: REPEATED_WARNING_WINDOW_MS });
    this.shortage = new SlotShortageLog(log);
    this.topologies = new TopologyStore(zk, paths);
    this.assignments = new AssignmentStore(zk, paths);
    this.supervisors = new SupervisorStore(zk, paths);
    this.heartbeats = new WorkerHeartbeatStore(zk, paths);
  }

  start(): void {
    if (this.active) return;
    this.active = true;
    // A new term starts every supervisor's cool-down over: this leader has not watched them.
    this.ages = new RegistrationAges();
    this.lastSpreadMs = -Infinity;
    this.log.info({}, 'leader: scheduling');
    this.rearm = true;
    this.periodic = setInterval(() => this.schedule(), this.cfg.leaderPeriodMs);
    this.schedule();
  }

  stop(): void {
    this.active = false;
    clearTimeout(this.timer);
    clearInterval(this.periodic);
    this.repeated.close();
  }

  /** A watch fired: reconcile soon and re-arm watches. */
  private readonly poke = (): void => {
    this.rearm = true;
    this.schedule();
  };

  /** Schedules a reconcile soon (debounced; never two at once). */
  private schedule(): void {
    if (!this.active) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reconcile(), this.cfg.leaderDebounceMs);
  }

  private async reconcile(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      await this.reconcileOnce();
    } catch (err) {
      this.rearm = true;
      this.repeated.warn({ err: (err as Error).message, code: (err as GaleError).code }, 'leader: reconcile failed; will retry');
    } finally {
      this.running = false;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }
  }

  /** Logs each bad znode once (until it is fixed or removed); returns the names of the bad children. */
  private reportBad<T>(read: ReadAll<T>, what: string): Set<string> {
    const names = new Set<string>();
    for (const err of read.bad) {
      const name = (err.path ?? '').slice((err.path ?? '').lastIndexOf('/') + 1);
      names.add(name);
      if (!this.reported.has(err.path ?? '')) {
        this.reported.add(err.path ?? '');
        this.log.error({ path: err.path, code: err.code, err: err.message }, `leader: unreadable ${what} skipped`);
      }
    }
    return names;
  }

  private async reconcileOnce(): Promise<void> {
    if (!this.active || !this.election.isLeader) return;
    const watch = this.rearm;
    this.rearm = false;
    const watcher = watch ? this.poke : undefined;
    const supervisorsRead = await this.supervisors.list(watcher);
    this.reportBad(supervisorsRead, 'supervisor registration');
    const supervisors = [...supervisorsRead.entries.values()].map((v) => v.value);
    const eligible = this.ages.observe(supervisors, nodeClock.now(), this.cfg.spreadCoolDownMs);
    const recordsRead = await this.topologies.list(watcher);
    // A corrupt record is neither scheduled nor taken for deleted: its workers keep running as assigned.
    const corrupt = this.reportBad(recordsRead, 'topology record');
    const records = recordsRead.entries;
    const assignmentsRead = await this.assignments.list();
    // A corrupt assignment is replaced (or removed) like a missing one: only the leader writes them.
    const badAssignments = this.reportBad(assignmentsRead, 'assignment');
    const assignments = assignmentsRead.entries;
    if (this.reported.size > 0) this.forgetFixed([...recordsRead.bad, ...supervisorsRead.bad, ...assignmentsRead.bad]);
    const ops: ZkOp[] = [];
    const cleanups: string[] = [];
    for (const name of badAssignments) {
      if (!corrupt.has(name) && isValidName(name)) ops.push(this.assignments.removeOp(name, -1));
    }
    // Assignments of topologies that no longer exist or were killed go first.
    for (const [name, a] of assignments) {
      const r = records.get(name)?.value;
      if ((r === undefined && !corrupt.has(name)) || r?.status === 'killed') {
        ops.push(this.assignments.removeOp(name, a.version));
        assignments.delete(name);
      }
    }
    for (const [name, { value: r }] of records) {
      if (r.status === 'killed') {
        // Once no worker heartbeats remain, the topology is gone.
        const workers = await this.heartbeats.slots(name, watcher).catch(() => [] as string[]);
        if (workers.length === 0) cleanups.push(name);
      }
    }
    const settled = new Map<string, Assignment>();
    const written: Assignment[] = [];
    const short: Shortage[] = [];
    // Deploy order: a topology that waited longest for a slot gets the next one freed.
    const names = deployOrder([...records].filter(([, e]) => e.value.status !== 'killed').map(([name, e]) => ({ name, deployedAt: e.value.deployedAt })));
    for (const name of names) {
      const record = records.get(name)!.value;
      const current = assignments.get(name);
      // Slots of corrupt topologies' assignments stay taken.
      const others = [...names.filter((n) => n !== name), ...corrupt].map((n) => settled.get(n) ?? assignments.get(n)?.value).filter((a): a is Assignment => a !== undefined);
      const next = scheduleTopology(record, current?.value, supervisors, others);
      const wanted = Math.min(record.workers, Math.max(1, executorsOf(record).length));
      if (next === undefined) {
        short.push({ topology: name, assigned: 0, wanted });
        continue;
      }
      if (next.workers.length < wanted) short.push({ topology: name, assigned: next.workers.length, wanted });
      settled.set(name, next);
      if (next === current?.value) continue;
      ops.push(current === undefined ? this.assignments.createOp(next) : this.assignments.setOp(next, current.version));
      written.push(next);
      this.log.info({ topology: name, version: next.version, workers: next.workers.map((w) => `${w.supervisor}:${w.port}`) }, 'leader: assigned');
    }
    const moves = await this.spread(names, corrupt, settled, assignments, supervisors, eligible, written);
    for (const a of moves.assignments) {
      ops.push(this.assignments.setOp(a, assignments.get(a.topology)!.version));
      settled.set(a.topology, a);
      written.push(a);
    }
    if (ops.length > 0) await this.election.fencedTransaction(ops);
    for (const m of moves.moves) {
      const version = settled.get(m.topology)!.version;
      this.log.info({ topology: m.topology, version, from: `${m.from.supervisor}:${m.from.port}`, to: `${m.to.supervisor}:${m.to.port}` }, 'leader: worker moved to even out the spread');
      this.emit('worker.moved', { topology: m.topology, version, from: { ...m.from }, to: { ...m.to } });
    }
    const held = [...names, ...corrupt].map((n) => settled.get(n) ?? assignments.get(n)?.value).filter((a): a is Assignment => a !== undefined);
    this.shortage.report(short, freeSlots(supervisors, held));
    for (const a of written) {
      this.emit('assignment.written', { topology: a.topology, version: a.version, workers: a.workers.map((w) => ({ supervisor: w.supervisor, port: w.port })) });
    }
    for (const name of cleanups) {
      await this.heartbeats.removeTopology(name).catch(() => {});
      await new ErrorsStore(this.zk, this.paths).removeTopology(name).catch(() => {});
      await new EpochStore(this.zk, this.paths).removeTopology(name).catch(() => {});
      await this.topologies.remove(name).catch(() => {});
      this.log.info({ topology: name }, 'leader: killed topology removed');
    }
  }

  /**
   * Worker moves toward an even spread (cluster/spread.ts), at most `spreadMaxMovesPerPeriod` per
   * `leaderPeriodMs`, only to supervisors past their cool-down, and only of topologies that are
   * settled: kept as they were this round, every worker running the current version, no worker
   * of an earlier move still draining. Heartbeats are read only for topologies a plan would move.
   */
  private async spread(
    names: readonly string[], corrupt: ReadonlySet<string>, settled: ReadonlyMap<string, Assignment>,
    current: ReadonlyMap<string, { value: Assignment }>, supervisors: readonly SupervisorInfo[],
    eligible: ReadonlySet<string>, written: readonly Assignment[],
  ): Promise<{ moves: SpreadMove[]; assignments: Assignment[] }> {
    const none = { moves: [], assignments: [] };
    const now = nodeClock.now();
    if (this.cfg.spreadMaxMovesPerPeriod === 0 || eligible.size === 0 || now - this.lastSpreadMs < this.cfg.leaderPeriodMs) return none;
    const fresh = new Set(written.map((a) => a.topology));
    const all = [...names, ...corrupt].map((n) => settled.get(n) ?? current.get(n)?.value).filter((a): a is Assignment => a !== undefined);
    const movable = new Set(names.filter((n) => settled.has(n) && !fresh.has(n)));
    const checked = new Set<string>();
    for (;;) {
      const plan = planSpread({ assignments: all, supervisors, eligible, movable, maxMoves: this.cfg.spreadMaxMovesPerPeriod });
      const unchecked = [...new Set(plan.moves.map((m) => m.topology))].filter((t) => !checked.has(t));
      if (unchecked.length === 0) {
        if (plan.moves.length > 0) this.lastSpreadMs = now;
        return plan;
      }
      for (const t of unchecked) {
        checked.add(t);
        const beats = await this.heartbeats.list(t).then((r) => r.beats, () => undefined);
        if (beats === undefined || !isSettled(settled.get(t)!, beats)) movable.delete(t);
      }
    }
  }

  /** Bad znodes that are no longer bad (fixed or removed) may be reported again if they break again. */
  private forgetFixed(stillBad: readonly ZkError[]): void {
    const now = new Set(stillBad.map((e) => e.path ?? ''));
    for (const p of this.reported) if (!now.has(p)) this.reported.delete(p);
  }
}

/** Every worker of `a` runs its version, and no other worker of the topology still beats (one draining after a move). */
function isSettled(a: Assignment, beats: readonly WorkerHeartbeat[]): boolean {
  const mine = (b: WorkerHeartbeat): boolean => a.workers.some((w) => w.supervisor === b.supervisor && w.port === b.port);
  return beats.every(mine) && a.workers.every((w) => beats.some((b) => b.supervisor === w.supervisor && b.port === w.port && b.state === 'running' && b.assignmentVersion === a.version));
}
