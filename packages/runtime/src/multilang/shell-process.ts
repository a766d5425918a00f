import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log.js';
import { encodeMessage, MessageReader, type ReadResult } from './multilang-codec.js';
import { ShellError, quoteLine } from './shell-errors.js';
import { parsePidReply, ProtocolViolation } from './shell-messages.js';
import { commandLine, type ShellComponentOptions } from './shell-options.js';

/** Stderr lines kept to explain an exit (the last few say why, e.g. a Python traceback). */
const STDERR_TAIL = 5;

export interface ShellProcessHooks {
  /** A message after the handshake (parsed JSON, with its text for error messages). */
  onMessage(value: unknown, text: string): void;
  /** The subprocess failed (exit, bad JSON, pipe error); called at most once, and never after kill(). */
  onFailure(err: ShellError): void;
}

/**
 * One run of a shell component's subprocess: spawn, Storm's handshake (`conf`, `pidDir`,
 * `context`; the pid file and `{"pid": n}` reply), framed messages both ways, stderr to the log.
 * It reports failures and never restarts itself: the runner decides.
 */
export class ShellProcess {
  private child!: ChildProcess;
  private readonly reader = new MessageReader();
  private readonly stderrTail: string[] = [];
  private stderrPartial = '';
  private pidDir: string | undefined;
  private handshake: { resolve: () => void; reject: (e: ShellError) => void } | undefined;
  private done = false;
  pid = 0;
  /** Who the messages are about: `shell bolt "split" task 3 (python3 split.py)`. */
  readonly who: string;

  constructor(
    private readonly opts: ShellComponentOptions,
    private readonly log: Logger,
    kind: 'bolt' | 'spout',
    component: string,
    task: number,
    private readonly hooks: ShellProcessHooks,
  ) {
    this.who = `shell ${kind} "${component}" task ${task} (${commandLine(opts)})`;
  }

  /** Spawns and handshakes; rejects with a {@link ShellError} if there is no pid reply within `timeoutMs`. */
  async start(conf: unknown, context: Record<string, unknown>, timeoutMs: number): Promise<void> {
    // Loaded here, not at the top: the runtime barrel reaches this module, and node:child_process
    // (with net and dgram under it) was ~3% of every `gale local` start-up, multilang or not.
    const { spawn } = await import('node:child_process');
    this.pidDir = mkdtempSync(path.join(os.tmpdir(), 'gale-multilang-'));
    const o = this.opts;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.failHandshake(new ShellError('GALE_ERR_SHELL_HANDSHAKE',
        `${this.who} sent no pid within ${timeoutMs} ms of the handshake; a multilang program must answer {"pid": <pid>} first`,
        { retriable: true })), timeoutMs);
      this.handshake = {
        resolve: () => { clearTimeout(timer); this.handshake = undefined; resolve(); },
        reject: (e) => { clearTimeout(timer); this.handshake = undefined; reject(e); },
      };
      const child = spawn(o.command, [...(o.args ?? [])], {
        cwd: o.cwd, env: { ...process.env, ...(o.env ?? {}) }, stdio: ['pipe', 'pipe', 'pipe'],
      });
      this.child = child;
      child.on('error', (err: NodeJS.ErrnoException) => {
        const missing = err.code === 'ENOENT';
        this.fail(new ShellError('GALE_ERR_SHELL_SPAWN', missing
          ? `${this.who}: cannot run "${o.command}"${o.cwd === undefined ? '' : ` in ${o.cwd}`}: no such command or directory`
          : `${this.who}: cannot start: ${err.message}`, { cause: err, retriable: !missing }));
      });
      child.stdin!.on('error', () => {}); // EPIPE after an exit: the exit handler reports it
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.onStdout(chunk));
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => this.onStderr(chunk));
      child.on('close', (code, signal) => this.onExit(code, signal));
      if (child.pid === undefined) return; // 'error' follows
      child.stdin!.write(encodeMessage({ conf, pidDir: this.pidDir, context }));
    });
  }

  /** Writes one message; false when the pipe is full (wait for {@link drained}). */
  write(message: unknown): boolean {
    if (this.done) return true;
    return this.child.stdin!.write(encodeMessage(message));
  }

  /** Resolves when the pipe to the subprocess has room again (or the process is gone). */
  drained(): Promise<void> {
    if (this.done || !this.child.stdin!.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const stdin = this.child.stdin!;
      const off = (): void => {
        stdin.off('drain', off);
        stdin.off('close', off);
        resolve();
      };
      stdin.on('drain', off);
      stdin.on('close', off);
    });
  }

  /** Kills the subprocess (SIGKILL: a hung one ignores gentler signals) and forgets it; idempotent. */
  kill(): void {
    if (this.done) return;
    this.done = true;
    this.handshake?.reject(new ShellError('GALE_ERR_SHELL_EXIT', `${this.who} was stopped during the handshake`));
    try {
      this.child?.kill('SIGKILL');
    } catch {
      // already gone
    }
    this.cleanup();
  }

  /** Closes stdin (a well-behaved subprocess exits on EOF), then kills it after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (this.done) return;
    const child = this.child;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('close', () => resolve());
    });
    this.done = true;
    child.stdin!.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
    this.cleanup();
  }

  private cleanup(): void {
    if (this.pidDir !== undefined) rmSync(this.pidDir, { recursive: true, force: true });
    this.pidDir = undefined;
  }

  private failHandshake(err: ShellError): void {
    this.fail(err);
  }

  private fail(err: ShellError): void {
    if (this.done) return;
    const hs = this.handshake;
    this.handshake = undefined;
    this.kill();
    if (hs !== undefined) hs.reject(err);
    else this.hooks.onFailure(err);
  }

  private onStdout(chunk: string): void {
    for (const r of this.reader.push(chunk)) {
      if (this.done) return;
      this.onRead(r);
    }
  }

  private onRead(r: ReadResult): void {
    if (!r.ok) {
      this.fail(new ShellError('GALE_ERR_SHELL_BAD_JSON', `${this.who} wrote ${r.reason}: ${quoteLine(r.text)}`, { retriable: true }));
      return;
    }
    if (this.handshake !== undefined) {
      try {
        this.pid = parsePidReply(r.value);
      } catch (err) {
        this.fail(new ShellError('GALE_ERR_SHELL_HANDSHAKE', `${this.who} broke the protocol: ${(err as ProtocolViolation).message}; got ${quoteLine(r.text)}`, { retriable: true }));
        return;
      }
      this.handshake.resolve();
      return;
    }
    this.hooks.onMessage(r.value, r.text);
  }

  private onStderr(chunk: string): void {
    const lines = (this.stderrPartial + chunk).split('\n');
    this.stderrPartial = lines.pop()!;
    for (const line of lines) this.stderrLine(line);
  }

  private stderrLine(line: string): void {
    if (line === '') return;
    this.stderrTail.push(line);
    if (this.stderrTail.length > STDERR_TAIL) this.stderrTail.shift();
    this.log.warn({ pid: this.child.pid, line }, 'shell subprocess stderr');
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stderrPartial !== '') this.stderrLine(this.stderrPartial);
    this.stderrPartial = '';
    if (this.done) return;
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    const last = this.stderrTail.at(-1);
    const unread = this.reader.pending.trim();
    const detail = last !== undefined ? `; last stderr line: ${quoteLine(last)}` : unread !== '' ? `; unfinished output: ${quoteLine(unread)}` : '';
    this.fail(new ShellError('GALE_ERR_SHELL_EXIT', `${this.who} ${how}${this.handshake !== undefined ? ' before sending its pid' : ''}${detail}`, { retriable: true }));
  }
}
