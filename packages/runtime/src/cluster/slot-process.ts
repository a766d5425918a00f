import { killAfterMs, type ClusterConfig } from '../config/cluster-config.js';
import type { TopologyConfig } from '../config/topology-config.js';
import type { Clock, Scheduler } from '../engine/ports.js';
import type { GaleError } from '../errors.js';
import type { Logger } from '../log.js';
import { backoffDelays } from '../retry.js';
import type { SlotEvents, WorkerCause } from './events.js';
import type { Assignment } from './model.js';

/** The part of a `ChildProcess` a slot uses (a test passes a fake). */
export interface WorkerChild {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal: NodeJS.Signals): boolean;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

/** What a launch needs that the slot does not know: the bundle on disk, the drain time, Node flags. */
export interface PreparedLaunch {
  bundlePath: string;
  /** The topology's drainTimeoutMs: how long a stop may take before SIGKILL (plus drainGraceMs). */
  drainTimeoutMs: number;
  /** Node/V8 flags for the worker after the supervisor's own (see {@link workerNodeFlags}). */
  nodeFlags: readonly string[];
}

/** The Node flags a topology's config asks its workers to start with (the later of two V8 flags wins). */
export function workerNodeFlags(cfg: Pick<TopologyConfig, 'workerParallelScavenge'>): string[] {
  return cfg.workerParallelScavenge ? [] : ['--no-parallel-scavenge'];
}

export interface SlotProcessOptions {
  port: number;
  cfg: ClusterConfig;
  /** A running worker without its heartbeat for this long is hung (4x that before its first one). */
  workerTimeoutMs: number;
  /** Until the first launch reads the topology's own value. */
  defaultDrainTimeoutMs: number;
  log: Logger;
  clock: Clock;
  scheduler: Scheduler;
  /** Jitter source of the restart backoff; default Math.random. */
  random?: () => number;
  /** Gets the bundle onto disk (and reads the drain timeout); rejects when the code cannot be had. */
  prepare(a: Assignment): Promise<PreparedLaunch>;
  /** Starts the worker process for `a` on this slot. */
  fork(a: Assignment, port: number, launch: PreparedLaunch): WorkerChild;
  emit<K extends keyof SlotEvents>(event: K, data: SlotEvents[K]): void;
}

/**
 * One slot (port) of a supervisor and the worker process it runs: launches it, relaunches it
 * with the shared backoff (retry.ts) when it dies, stops it with SIGTERM and a SIGKILL after the
 * topology's drain timeout plus `drainGraceMs`, and kills it when its heartbeat goes missing.
 * The supervisor decides what should run here ({@link assign}); the slot makes it so.
 */
export class SlotProcess {
  /** What runs here: topology + executors + parallelism + code (a change means relaunch). */
  private ident: string | undefined;
  private topo: string | undefined;
  private child: WorkerChild | undefined;
  private launchedAt = 0;
  /** Last time the worker's heartbeat was seen (clock ms); 0: not yet. */
  private seenAt = 0;
  /** Relaunch delays since the last clean start; undefined starts over. */
  private backoff: Generator<number, never, undefined> | undefined;
  private drainTimeoutMs: number;
  private cancelRetry: (() => void) | undefined;
  /** Set while the child is stopped on purpose (no restart). */
  private stopping = false;
  /** Set when the hang check killed the child, so its exit says why. */
  private hungKill = false;
  private closed = false;
  /** The stop of the current child in progress (stop() is idempotent per child). */
  private stopped: Promise<void> | undefined;
  /** What {@link moveTo} was last asked to run here, until it runs (or its predecessor's drain ends). */
  private target: { identity: string | undefined; a: Assignment | undefined } | undefined;
  /** The drain-then-launch in progress, if any. */
  private moving: Promise<void> | undefined;

  constructor(private readonly o: SlotProcessOptions) {
    this.drainTimeoutMs = o.defaultDrainTimeoutMs;
  }

  get port(): number {
    return this.o.port;
  }

  get identity(): string | undefined {
    return this.ident;
  }

  get topology(): string | undefined {
    return this.topo;
  }

  /** The live worker process, if any. */
  get worker(): { topology: string; pid: number } | undefined {
    const c = this.child;
    return c?.pid !== undefined && c.exitCode === null ? { topology: this.topo!, pid: c.pid } : undefined;
  }

  /** No worker process, no relaunch and no move pending. */
  get idle(): boolean {
    return this.child === undefined && this.cancelRetry === undefined && this.moving === undefined;
  }

  /** The identity this slot is heading for: the pending move's, else what runs here. */
  get targetIdentity(): string | undefined {
    return this.target !== undefined ? this.target.identity : this.ident;
  }

  /**
   * Stops what runs here (the worker drains) and then runs `a` (identity `identity`), or nothing,
   * without making the caller wait: the supervisor's reconcile loop must go on serving other
   * topologies while one worker drains for up to its drainTimeoutMs. A newer move while one is
   * draining replaces its target; the drain is not started over.
   */
  moveTo(identity: string | undefined, a: Assignment | undefined): Promise<void> {
    this.target = { identity, a };
    this.moving ??= this.runMoves();
    return this.moving;
  }

  private async runMoves(): Promise<void> {
    try {
      while (this.target !== undefined && !this.closed) {
        const t = this.target;
        await this.stop();
        if (this.target !== t) continue; // retargeted while draining: the newest wins
        this.target = undefined;
        this.assign(t.identity, t.a);
      }
    } finally {
      this.moving = undefined;
    }
  }

  /**
   * Makes `a` (identity `identity`) what runs here, or nothing: call after {@link stop} when the
   * identity changed. Starts the backoff over and launches.
   */
  assign(identity: string | undefined, a: Assignment | undefined): void {
    this.clearRetry();
    this.ident = identity;
    this.topo = a?.topology;
    this.backoff = undefined;
    if (a !== undefined) void this.launch(a);
  }

  /** Downloads (and verifies) the bundle once, then forks the worker process. */
  async launch(a: Assignment): Promise<void> {
    const identity = this.ident;
    let prepared: PreparedLaunch;
    try {
      prepared = await this.o.prepare(a);
    } catch (err) {
      const restartInMs = this.scheduleRetry(a);
      const e = err as GaleError;
      const cause: WorkerCause = { ...(typeof e.code === 'string' ? { code: e.code } : {}), message: String(e.message) };
      this.o.emit('worker.crashed', { topology: a.topology, port: this.o.port, code: null, signal: null, cause, restartInMs });
      return;
    }
    this.drainTimeoutMs = prepared.drainTimeoutMs;
    if (this.ident !== identity || this.closed || this.child !== undefined) return;
    const child = this.o.fork(a, this.o.port, prepared);
    this.child = child;
    this.launchedAt = this.o.clock.now();
    this.seenAt = 0;
    this.stopping = false;
    this.hungKill = false;
    this.o.log.info({ topology: a.topology, port: this.o.port, pid: child.pid, version: a.version }, 'worker launched');
    this.o.emit('worker.started', { topology: a.topology, port: this.o.port, pid: child.pid ?? 0 });
    child.once('exit', (code, signal) => this.onExit(child, a, code, signal));
  }

  private onExit(child: WorkerChild, a: Assignment, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    const port = this.o.port;
    if (this.stopping || this.closed) {
      this.o.emit('worker.stopped', { topology: a.topology, port, code, signal });
      return;
    }
    // Exit 0 is a worker stopping on purpose (its assignment or topology changed): the next
    // reconcile decides; relaunching it is only a fallback, after the usual backoff.
    if (code === 0) this.o.log.info({ topology: a.topology, port }, 'worker stopped');
    else this.o.log.warn({ topology: a.topology, port, code, signal }, 'worker exited; restarting');
    // A worker that ran for longer than the longest backoff starts the backoff over.
    if (this.o.clock.now() - this.launchedAt > this.o.cfg.restartBackoffMaxMs) this.backoff = undefined;
    const restartInMs = this.scheduleRetry(a);
    if (code === 0) {
      this.o.emit('worker.stopped', { topology: a.topology, port, code, signal });
    } else {
      const cause: WorkerCause | undefined = this.hungKill ? { message: 'heartbeat missing' } : undefined;
      this.o.emit('worker.crashed', { topology: a.topology, port, code, signal, ...(cause !== undefined ? { cause } : {}), restartInMs });
    }
  }

  /** Arms the next relaunch; returns its delay. */
  private scheduleRetry(a: Assignment): number {
    this.backoff ??= backoffDelays({
      initialMs: this.o.cfg.restartBackoffInitialMs, maxMs: this.o.cfg.restartBackoffMaxMs,
      ...(this.o.random !== undefined ? { random: this.o.random } : {}),
    });
    const delay = this.backoff.next().value;
    const identity = this.ident;
    this.clearRetry();
    this.cancelRetry = this.o.scheduler.after(delay, () => {
      this.cancelRetry = undefined;
      if (this.ident === identity && !this.closed) void this.launch(a);
    }, true);
    return delay;
  }

  private clearRetry(): void {
    this.cancelRetry?.();
    this.cancelRetry = undefined;
  }

  /** What the hang check must look up: the running worker's topology and pid; undefined: nothing to judge. */
  heartbeatTarget(): { topology: string; pid: number | undefined } | undefined {
    if (this.child === undefined || this.topo === undefined || this.stopping) return undefined;
    return { topology: this.topo, pid: this.child.pid };
  }

  /**
   * The hang check's finding for the worker `pid` (as of `now`): a worker whose heartbeat has
   * been missing for the worker timeout (4x before its first beat) is hung, e.g. SIGSTOPped:
   * TCP still accepts, so only the heartbeat tells. It is SIGKILLed and relaunched.
   */
  observeHeartbeat(pid: number | undefined, present: boolean, now: number): void {
    const child = this.child;
    if (child === undefined || child.pid !== pid || this.stopping) return;
    if (present) this.seenAt = now;
    const since = this.seenAt === 0 ? this.launchedAt : this.seenAt;
    const limit = this.seenAt === 0 ? this.o.workerTimeoutMs * 4 : this.o.workerTimeoutMs;
    if (!present && now - since > limit) {
      this.o.log.warn({ topology: this.topo, port: this.o.port, pid: child.pid }, 'worker heartbeat missing; killing it');
      this.hungKill = true;
      this.o.emit('worker.hung', { topology: this.topo!, port: this.o.port, pid: child.pid ?? 0, silentMs: Math.round(now - since) });
      child.kill('SIGKILL');
    }
  }

  /** SIGTERM; the worker drains for its topology's drainTimeoutMs, then closes; past the grace it is stuck (SIGKILL). */
  stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
      this.child = undefined;
      return Promise.resolve();
    }
    // A second SIGTERM would hit Node's default handler (the worker's handler is `once`) and end
    // the drain abruptly: a stop already under way is joined instead.
    if (this.stopping && this.stopped !== undefined) return this.stopped;
    this.stopping = true;
    this.stopped = new Promise((resolve) => {
      const cancelKill = this.o.scheduler.after(killAfterMs(this.drainTimeoutMs, this.o.cfg), () => child.kill('SIGKILL'), true);
      child.once('exit', () => {
        cancelKill();
        if (this.child === child) this.child = undefined;
        this.stopped = undefined;
        resolve();
      });
      child.kill('SIGTERM');
    });
    return this.stopped;
  }

  /** No more relaunches; stops the worker (draining). Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    this.clearRetry();
    return this.stop();
  }
}
