// Spawns the real `gale` CLI (packages/runtime/bin/gale.js) as a subprocess, from the repo root.
// Needs `npm run build` first (npm test runs it in pretest).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(REPO_ROOT, 'packages', 'runtime', 'bin', 'gale.js');
const BUILT = path.join(REPO_ROOT, 'packages', 'runtime', 'dist', 'cli', 'run.js');

/** Fixture path as typed on the command line (relative to the repo root). */
export function fixture(name: string): string {
  return `test/cli/fixtures/${name}`;
}

export interface GaleResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `gale` process with its output so far. */
export class GaleProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  private readonly done: Promise<GaleResult>;

  constructor(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run "npm run build" before these tests`);
    const base = { ...process.env };
    // Hermetic: the child must not inherit jest's or the developer's log settings.
    delete base.GALE_LOG_LEVEL;
    delete base.JEST_WORKER_ID;
    // Tests do not fill the user's ~/.cache: tests of the compile cache pass their own directory.
    base.GALE_TOPOLOGY_CACHE = 'off';
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...base, ...env } });
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.done = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }));
    });
  }

  /** Resolves once `pattern` matches the stream's output so far; rejects after `timeoutMs` or on exit. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (!pattern.test(this[stream])) return false;
        cleanup();
        resolve();
        return true;
      };
      const onExit = (): void => {
        if (check()) return;
        cleanup();
        reject(new Error(`gale exited before ${stream} matched ${pattern}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${stream} did not match ${pattern} within ${timeoutMs} ms\nstdout: ${this.stdout}\nstderr: ${this.stderr}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.child[stream].off('data', onData);
        this.child.off('close', onExit);
      };
      // Listeners run after the accumulating listener registered in the constructor.
      const onData = (): void => void check();
      this.child[stream].on('data', onData);
      this.child.on('close', onExit);
      check();
    });
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** The exit; the process is SIGKILLed (and the promise rejects) after `timeoutMs`. */
  async exit(timeoutMs = 15_000): Promise<GaleResult> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        reject(new Error(`gale did not exit within ${timeoutMs} ms\nstdout: ${this.stdout}\nstderr: ${this.stderr}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.done, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs `gale ...args` to completion (with a deadline). */
export function gale(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<GaleResult> {
  return new GaleProcess(args, opts.env).exit(opts.timeoutMs);
}

/** Non-empty stderr lines. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

/**
 * Exit code 2, nothing on stdout, and on stderr one `gale: ...` line containing `phrase`, at most
 * one hint line after it, and no stack trace.
 */
export function expectUsageError(r: GaleResult, phrase: string): void {
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
  const err = lines(r.stderr);
  expect(err[0]).toMatch(/^gale: /);
  expect(err[0]).toContain(phrase);
  expect(err.length).toBeLessThanOrEqual(2);
  if (err.length === 2) expect(err[1]).not.toMatch(/^gale: /);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}
