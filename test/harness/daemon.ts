/**
 * A throwaway server process for integration tests (Redis, nats-server, ...): a free loopback
 * port, a fresh temp dir, a readiness probe, and crash/restart on the same port and dir.
 *
 * The package is installed first when missing (zk-install.ts, as `deploy/zookeeper.sh` does for
 * ZooKeeper). Servers still running when the test process exits are SIGKILLed, so a crashed run
 * leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { ensureDebInstalled, nodeInstallEnv, type DebPackage } from './zk-install.js';

export interface DaemonSpec {
  /** For messages and the temp dir's name, e.g. `redis`. */
  readonly name: string;
  readonly pkg: DebPackage;
  /** argv (after the binary) for a server on `port` keeping its files in `dir`. */
  args(port: number, dir: string): string[];
  /** Resolves true once the server answers on `port`. */
  ready(port: number): Promise<boolean>;
  /** Whether a log tail says the port was taken (the start is retried on another port). */
  portInUse(logTail: string): boolean;
  /** Deadline for {@link ready}; default 15 000 ms. */
  readonly startTimeoutMs?: number;
}

export interface Daemon {
  readonly port: number;
  /** The server's temp dir (data, config, log). */
  readonly dir: string;
  readonly logPath: string;
  /** Current pid, or undefined while killed. */
  readonly pid: number | undefined;
  /** SIGKILL, as a crash: dir and port are kept for {@link restart}. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a server that hangs without closing its sockets. */
  pause(): void;
  resume(): void;
  /** Starts again on the same port and dir (kills first if running); resolves once ready. */
  restart(): Promise<void>;
  /** Kills the server and removes its dir. Idempotent. */
  stop(): Promise<void>;
}

const installs = new Map<string, Promise<void>>();
const live = new Set<ChildProcess>();
let exitHook = false;

function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const c of live) signal(c, 'SIGKILL');
  });
}

function signal(c: ChildProcess, sig: NodeJS.Signals): void {
  if (c.exitCode !== null || c.signalCode !== null) return;
  try {
    c.kill(sig);
  } catch {
    // already gone
  }
}

function waitExit(c: ChildProcess, timeoutMs: number): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    c.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function tail(file: string, lines = 8): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

class PortTaken extends Error {}

/** Starts `spec`'s server on a free 127.0.0.1 port; retries a few ports when one is taken meanwhile. */
export async function startDaemon(spec: DaemonSpec): Promise<Daemon> {
  let install = installs.get(spec.pkg.name);
  if (!install) {
    install = ensureDebInstalled(nodeInstallEnv([spec.pkg]));
    installs.set(spec.pkg.name, install);
  }
  await install;
  installExitHook();
  const dir = await mkdtemp(path.join(os.tmpdir(), `gale-${spec.name}-`));
  const logPath = path.join(dir, `${spec.name}.log`);
  const timeoutMs = spec.startTimeoutMs ?? 15_000;
  let child: ChildProcess | undefined;
  let port = 0;
  let stopped = false;

  const launch = async (): Promise<void> => {
    const log = await open(logPath, 'a');
    let c: ChildProcess;
    try {
      c = spawn(spec.pkg.marker, spec.args(port, dir), { cwd: dir, stdio: ['ignore', log.fd, log.fd] });
    } finally {
      await log.close();
    }
    c.unref();
    live.add(c);
    c.once('exit', () => live.delete(c));
    child = c;
    let spawnError: Error | undefined;
    c.once('error', (err) => (spawnError = err));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (spawnError) throw new Error(`cannot start ${spec.pkg.marker}: ${spawnError.message}; run: apt-get install -y ${spec.pkg.name}`);
      if (c.exitCode !== null || c.signalCode !== null) {
        const last = await tail(logPath);
        if (spec.portInUse(last)) throw new PortTaken(last);
        throw new Error(`${spec.name} exited during start (code ${c.exitCode}); log tail:\n${last}`);
      }
      if (await spec.ready(port)) return;
      if (Date.now() > deadline) {
        signal(c, 'SIGKILL');
        throw new Error(`${spec.name} did not become ready on 127.0.0.1:${port} within ${timeoutMs} ms; log tail:\n${await tail(logPath)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c) return;
    signal(c, 'SIGCONT'); // a paused process would not die until continued on some kernels' accounting
    signal(c, 'SIGKILL');
    await waitExit(c, 5000);
  };

  try {
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await launch();
        break;
      } catch (err) {
        await kill();
        if (!(err instanceof PortTaken) || attempt >= 5) throw err;
      }
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    get port() {
      return port;
    },
    dir,
    logPath,
    get pid() {
      return child?.pid;
    },
    kill,
    pause() {
      if (child) signal(child, 'SIGSTOP');
    },
    resume() {
      if (child) signal(child, 'SIGCONT');
    },
    async restart() {
      if (stopped) throw new Error(`${spec.name} test server was stopped; start a new one`);
      await kill();
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
