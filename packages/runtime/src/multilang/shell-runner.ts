import type { TopologyContext } from '../api/types.js';
import type { Logger } from '../log.js';
import { rootLog } from '../log.js';
import { backoffDelays } from '../retry.js';
import { ShellError, quoteLine } from './shell-errors.js';
import { parseShellCommand, ProtocolViolation, type ShellCommand } from './shell-messages.js';
import { handshakeContext, type ShellComponentOptions } from './shell-options.js';
import { ShellProcess } from './shell-process.js';

/**
 * Restart backoff of a failed subprocess (the shared policy of retry.ts): 100 ms, doubling, ±20%
 * jitter, at most 30 s. A subprocess that ran this long before failing starts the backoff over.
 */
export const SHELL_RESTART_BACKOFF = Object.freeze({ initialMs: 100, maxMs: 30_000 });

/**
 * The handshake (spawn to pid reply) gets at least this long, whatever shellHeartbeatTimeoutMs
 * says: an interpreter starting on a loaded machine takes seconds.
 */
export const SHELL_HANDSHAKE_MIN_MS = 10_000;

/** How long a closing component waits for its subprocess to exit after stdin is closed, before SIGKILL. */
const STOP_GRACE_MS = 2000;

/** Where a shell component reports errors (its collector: they show in `gale status`). */
export interface ErrorReporter {
  reportError(error: unknown): void;
}

/**
 * What ShellBolt and ShellSpout share: the subprocess's life (first start, liveness, restart with
 * backoff after a failure, stop), the commands both roles send (`log`, `error`, `metrics`), and
 * turning a broken message into an error that names the component, the task and the line.
 */
export abstract class ShellRunner {
  protected proc: ShellProcess | undefined;
  protected log!: Logger;
  /**
   * The subprocess owes an answer (a heartbeat's or a command's `sync`) and was last heard from
   * at this time; null: it owes nothing. Any message counts as a sign of life, as in Storm: a
   * bolt busy with a backlog answers its heartbeat late but keeps acking and emitting.
   */
  protected awaitingSince: number | null = null; // performance.now(): a wall-clock step must not fake a hang or hide one
  private reporter!: ErrorReporter;
  private ctx!: TopologyContext;
  /** The topology's shellHeartbeatTimeoutMs. */
  protected timeoutMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  // Created in startFirst, not here: instances are deep-copied per task, and a generator cannot be.
  private delays!: Generator<number, never, undefined>;
  private upSince = 0;
  private closed = false;
  private upWaiters: ((up: boolean) => void)[] = [];
  /** Subprocess starts so far (1 after the first), for tests and logs. */
  starts = 0;

  protected constructor(protected readonly opts: ShellComponentOptions, private readonly kind: 'bolt' | 'spout') {}

  /** Up: the current subprocess answered the handshake and has not failed. */
  get up(): boolean {
    return this.proc !== undefined;
  }

  /** First start, from `open`/`prepare`: a failure here is thrown (the topology does not start). */
  protected async startFirst(ctx: TopologyContext, reporter: ErrorReporter): Promise<void> {
    this.ctx = ctx;
    this.reporter = reporter;
    this.timeoutMs = ctx.config.shellHeartbeatTimeoutMs;
    this.delays = backoffDelays(SHELL_RESTART_BACKOFF);
    this.log = rootLog.child({ topology: ctx.topologyName, component: ctx.thisComponentId, task: ctx.thisTaskId });
    await this.spawn();
    const tickMs = Math.max(10, Math.min(1000, Math.floor(this.timeoutMs / 4)));
    this.timer = setInterval(() => this.tick(performance.now()), tickMs);
    this.timer.unref();
  }

  /** Resolves true once a subprocess is up, false if the component closes first. */
  protected whenUp(): Promise<boolean> {
    if (this.proc !== undefined) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => this.upWaiters.push(resolve));
  }

  private async spawn(): Promise<void> {
    const p = new ShellProcess(this.opts, this.log, this.kind, this.ctx.thisComponentId, this.ctx.thisTaskId, {
      onMessage: (value, text) => this.onMessage(p, value, text),
      onFailure: (err) => this.failed(p, err),
    });
    this.starts++;
    await p.start(this.ctx.config, handshakeContext(this.ctx, this.opts.outputs), Math.max(this.timeoutMs, SHELL_HANDSHAKE_MIN_MS));
    if (this.closed) {
      p.kill();
      return;
    }
    this.proc = p;
    this.upSince = performance.now();
    this.awaitingSince = null;
    this.log.info({ pid: p.pid, starts: this.starts }, 'shell subprocess started');
    this.onUp();
    for (const w of this.upWaiters.splice(0)) w(true);
  }

  private onMessage(p: ShellProcess, value: unknown, text: string): void {
    if (p !== this.proc) return;
    if (this.awaitingSince !== null) this.awaitingSince = performance.now();
    let cmd: ShellCommand;
    try {
      cmd = parseShellCommand(value, this.kind);
      switch (cmd.command) {
        case 'log':
          this.log[cmd.level]({ pid: p.pid, line: cmd.msg }, 'shell subprocess log');
          return;
        case 'error':
          this.reporter.reportError(new ShellError('GALE_ERR_SHELL_REPORTED', `${p.who} reported: ${cmd.msg}`));
          return;
        case 'metrics':
          this.log.debug({ pid: p.pid, metric: cmd.name, params: cmd.params }, 'shell subprocess metric');
          return;
        default:
          this.handle(cmd, p);
      }
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.failed(p, new ShellError('GALE_ERR_SHELL_PROTOCOL', `${p.who} broke the protocol: ${why}; offending message: ${quoteLine(text)}`, { retriable: true, cause: err }));
    }
  }

  /** Liveness: a subprocess that owes an answer and is silent longer than shellHeartbeatTimeoutMs is hung. */
  private tick(now: number): void {
    const p = this.proc;
    if (p === undefined) return;
    if (this.awaitingSince !== null && now - this.awaitingSince > this.timeoutMs) {
      this.failed(p, new ShellError('GALE_ERR_SHELL_HANG',
        `${p.who}, pid ${p.pid}, owed an answer and sent nothing for ${Math.round(now - this.awaitingSince)} ms (shellHeartbeatTimeoutMs ${this.timeoutMs}); killed it`, { retriable: true }));
      return;
    }
    this.heartbeat(p, now);
  }

  /** The subprocess failed: report, kill, let the role clean up (fail in-flight tuples), restart after a backoff. */
  protected failed(p: ShellProcess, err: ShellError): void {
    if (this.closed) return;
    if (p === this.proc) {
      this.proc = undefined;
      if (performance.now() - this.upSince >= SHELL_RESTART_BACKOFF.maxMs) this.delays = backoffDelays(SHELL_RESTART_BACKOFF);
    }
    p.kill();
    this.awaitingSince = null;
    this.reporter.reportError(err);
    this.onDown();
    const delayMs = this.delays.next().value;
    this.log.warn({ code: err.code, err: err.message, restartInMs: delayMs }, 'shell subprocess failed; restarting');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.spawn().catch((e: unknown) => {
        const se = e instanceof ShellError ? e : new ShellError('GALE_ERR_SHELL_SPAWN', `${p.who}: ${String(e)}`, { cause: e });
        this.failedStart(p, se);
      });
    }, delayMs);
    this.restartTimer.unref();
  }

  private failedStart(previous: ShellProcess, err: ShellError): void {
    if (this.closed) return;
    this.failed(previous, err);
  }

  /** Stops the subprocess (stdin closed, then SIGKILL after a grace) and the timers; idempotent. */
  protected async stopShell(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    clearTimeout(this.restartTimer);
    for (const w of this.upWaiters.splice(0)) w(false);
    const p = this.proc;
    this.proc = undefined;
    this.onDown();
    await p?.stop(STOP_GRACE_MS);
  }

  /** A command for the role (emit, ack, fail, sync); throws ProtocolViolation (or a ComponentError) when it is wrong. */
  protected abstract handle(cmd: ShellCommand, p: ShellProcess): void;
  /** A subprocess is up (after the handshake): start feeding it. */
  protected abstract onUp(): void;
  /** The subprocess is gone: fail or forget what it had in flight. */
  protected abstract onDown(): void;
  /** Called on each liveness tick while up (a bolt sends its heartbeat tuple). */
  protected abstract heartbeat(p: ShellProcess, now: number): void;
}

export { ProtocolViolation };
