/**
 * A real, throwaway ZooKeeper 3.8 server for integration tests (STYLE.md rule 12: no mocked ZooKeeper).
 *
 * Starts the same JVM command as deploy/zookeeper.sh, but directly from Node (no shell, ~0.6 s to
 * `imok`), on a free loopback port with a fresh temp data dir. `stop()` kills the process group and
 * removes the dir; `kill()` + `restart()` simulate a server crash that keeps its data and port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, accessSync, constants as fsConstants } from 'node:fs';
import { mkdtemp, mkdir, writeFile, readFile, rm, open } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { ensureZkInstalled, nodeInstallEnv } from './zk-install.js';

export interface ZkServer {
  /** `127.0.0.1:<port>` */
  readonly connectString: string;
  readonly port: number;
  readonly dataDir: string;
  /** The server's combined stdout/stderr (log4j console appender); in the temp dir. */
  readonly logPath: string;
  /** Current JVM pid, or undefined while killed. */
  readonly pid: number | undefined;
  /** Kills the process group and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash: data dir and port are kept for {@link restart}. */
  kill(): Promise<void>;
  /** Starts again on the same port and data dir (kills first if still running); resolves at `imok`. */
  restart(): Promise<void>;
  /** Sends a four-letter word (`ruok`, `stat`, `mntr`) and returns the reply. */
  fourLetter(word: 'ruok' | 'stat' | 'mntr'): Promise<string>;
}

export interface StartZkOptions {
  /** tickTime; the server clamps session timeouts to [2, 20] x tick. Default 1000. */
  tickMs?: number;
  /** Deadline for `ruok` -> `imok`. Default 20 000 ms. */
  startTimeoutMs?: number;
}

const JAVA_DIR = '/usr/share/java';
/** Used when deploy/zookeeper.sh cannot be found; keep in step with its ZK_JARS line. */
const DEFAULT_JARS = ['zookeeper.jar', 'slf4j-log4j12.jar', 'log4j-1.2.jar'];
const INSTALL_HINT = 'run `apt-get install -y zookeeper` (or deploy/zookeeper.sh start, which installs it)';

/** Once per jest worker: the first startZk() installs the package if needed, the rest reuse the outcome. */
let installed: Promise<void> | undefined;

/** Reads the `ZK_JARS="..."` line of deploy/zookeeper.sh, found by walking up from the cwd. */
function jarList(): string[] {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const script = path.join(dir, 'deploy', 'zookeeper.sh');
    if (existsSync(script)) {
      const m = /^ZK_JARS="([^"]*)"/m.exec(readFileSync(script, 'utf8'));
      if (m) return m[1]!.split(/\s+/).filter(Boolean);
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  return DEFAULT_JARS;
}

function findJava(): string {
  const fromEnv = process.env.JAVA;
  if (fromEnv) return fromEnv;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'java');
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`java not found on PATH: ZooKeeper integration tests need it; ${INSTALL_HINT}`);
}

function serverClasspath(confDir: string): string {
  const zkJar = path.join(JAVA_DIR, 'zookeeper.jar');
  if (!existsSync(zkJar)) throw new Error(`${zkJar} not found: ZooKeeper integration tests need it; ${INSTALL_HINT}`);
  const jars = jarList().map(j => path.join(JAVA_DIR, j)).filter(j => existsSync(j));
  return [confDir, ...jars].join(':');
}

function zooCfg(tickMs: number, dataDir: string, port: number): string {
  return [
    `tickTime=${tickMs}`, 'initLimit=10', 'syncLimit=5', `dataDir=${dataDir}`, `clientPort=${port}`,
    'clientPortAddress=127.0.0.1', 'maxClientCnxns=0', 'admin.enableServer=false',
    '4lw.commands.whitelist=ruok,stat,mntr', '',
  ].join('\n');
}

const LOG4J = [
  'log4j.rootLogger=INFO, CONSOLE',
  'log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender',
  'log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n',
  '',
].join('\n');

/** Sends a four-letter word; resolves with the reply ('' if refused or closed without a reply). */
export function fourLetterWord(port: number, word: string, timeoutMs = 2000): Promise<string> {
  return new Promise(resolve => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (): void => {
      sock.destroy();
      resolve(reply);
    };
    sock.setTimeout(timeoutMs, done);
    sock.on('connect', () => sock.write(word));
    sock.on('data', d => (reply += d.toString('utf8')));
    sock.on('end', done);
    sock.on('error', done);
    sock.on('close', done);
  });
}

/** Servers still running, killed on process exit so a crashed test run leaves no JVM behind. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // detached: the JVM leads its own process group
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise(resolve => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

async function tail(file: string, lines = 5): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

class PortInUse extends Error {}

/**
 * Starts a standalone ZooKeeper on 127.0.0.1 at a free port with a temp data dir and waits for `imok`.
 * Installs the Debian zookeeper package first when it is missing and this process can (see
 * zk-install.ts); otherwise throws one line saying what to run. Throws with an install hint if java
 * is missing.
 */
export async function startZk(opts: StartZkOptions = {}): Promise<ZkServer> {
  installed ??= ensureZkInstalled(nodeInstallEnv());
  await installed;
  const tickMs = opts.tickMs ?? 1000;
  const startTimeoutMs = opts.startTimeoutMs ?? 20_000;
  const java = findJava();
  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'gale-zk-'));
  const confDir = path.join(baseDir, 'conf');
  const dataDir = path.join(baseDir, 'data');
  const logPath = path.join(baseDir, 'zookeeper.log');
  let classpath: string;
  try {
    classpath = serverClasspath(confDir);
    await mkdir(confDir);
    await mkdir(dataDir);
    await writeFile(path.join(confDir, 'log4j.properties'), LOG4J);
  } catch (err) {
    await rm(baseDir, { recursive: true, force: true });
    throw err;
  }
  installExitHook();

  let child: ChildProcess | undefined;
  let port = 0;
  let stopped = false;

  const launch = async (): Promise<void> => {
    await writeFile(path.join(confDir, 'zoo.cfg'), zooCfg(tickMs, dataDir, port));
    const log = await open(logPath, 'a');
    try {
      const c = spawn(java, [
        '-Xms32m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1',
        '-cp', classpath, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', path.join(confDir, 'zoo.cfg'),
      ], { detached: true, stdio: ['ignore', log.fd, log.fd] });
      c.unref(); // never keep the test process alive; stop()/the exit hook clean up
      live.add(c);
      c.once('exit', () => live.delete(c));
      child = c;
    } finally {
      await log.close();
    }
    const c = child;
    let spawnError: Error | undefined;
    c.once('error', err => (spawnError = err));
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (spawnError) throw new Error(`cannot start ${java}: ${spawnError.message}; ${INSTALL_HINT}`);
      if (c.exitCode !== null || c.signalCode !== null) {
        const last = await tail(logPath, 40);
        if (/Address already in use|BindException/.test(last)) throw new PortInUse(`port ${port} in use`);
        throw new Error(`ZooKeeper exited during start (code ${c.exitCode}); log tail:\n${await tail(logPath)}`);
      }
      if ((await fourLetterWord(port, 'ruok', 500)) === 'imok') return;
      if (Date.now() > deadline) {
        killGroup(c, 'SIGKILL');
        throw new Error(`ZooKeeper did not answer ruok on 127.0.0.1:${port} within ${startTimeoutMs} ms; log tail:\n${await tail(logPath)}`);
      }
      await new Promise(r => setTimeout(r, 50));
    }
  };

  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c) return;
    killGroup(c, 'SIGKILL');
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
        if (!(err instanceof PortInUse) || attempt >= 5) throw err;
      }
    }
  } catch (err) {
    await rm(baseDir, { recursive: true, force: true });
    throw err;
  }

  const server: ZkServer = {
    connectString: `127.0.0.1:${port}`,
    port,
    dataDir,
    logPath,
    get pid() {
      return child?.pid;
    },
    kill,
    async restart() {
      if (stopped) throw new Error('ZooKeeper test server was stopped; start a new one');
      await kill();
      await launch();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const c = child;
      child = undefined;
      if (c) {
        // The data is thrown away, so there is nothing to shut down gracefully for.
        killGroup(c, 'SIGKILL');
        await waitExit(c, 5000);
      }
      await rm(baseDir, { recursive: true, force: true });
    },
    fourLetter(word) {
      return fourLetterWord(port, word);
    },
  };
  return server;
}
