/**
 * Makes sure the Debian `zookeeper` package is installed before an integration test starts a
 * server, so `npm test` passes on a fresh machine (README "Two commands") the way
 * deploy/zookeeper.sh start does: `apt-get update` then `apt-get install -y zookeeper`.
 *
 * Jest runs test files in several workers at once, and each may call startZk() first: one of them
 * installs while holding an exclusive lock file, the others wait for it (apt-get itself would fail
 * on its dpkg lock, and a second `apt-get update` is wasted minutes). When this process cannot
 * install (not root, no apt-get), it fails with one line saying what to run.
 *
 * Every effect goes through {@link InstallEnv}, so the decision logic is unit-tested without
 * touching the machine (zk-install.test.ts).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants as fsConstants, existsSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const ZK_JAR = '/usr/share/java/zookeeper.jar';
/** The one line printed when the package is missing and this process cannot install it. */
export const MANUAL_INSTALL = 'sudo apt-get update && sudo apt-get install -y zookeeper';

/** A Debian package the integration tests need, and the file whose presence means "installed". */
export interface DebPackage {
  readonly name: string;
  readonly marker: string;
}

export const ZOOKEEPER_PACKAGE: DebPackage = { name: 'zookeeper', marker: ZK_JAR };
/** Every server the suite starts (STYLE rule 12: real servers from Debian, no mocks). */
export const TEST_PACKAGES: readonly DebPackage[] = [
  ZOOKEEPER_PACKAGE,
  { name: 'redis-server', marker: '/usr/bin/redis-server' },
  { name: 'nats-server', marker: '/usr/sbin/nats-server' },
  { name: 'chromium', marker: '/usr/bin/chromium' },
];

/** The command that installs `names` by hand. */
export function manualInstall(names: readonly string[]): string {
  return `sudo apt-get update && sudo apt-get install -y ${names.join(' ')}`;
}

export interface CommandResult {
  code: number;
  /** Combined stdout and stderr. */
  output: string;
}

/** The effects {@link ensureZkInstalled} needs; {@link nodeInstallEnv} is the real machine. */
export interface InstallEnv {
  /** The file whose presence means "installed" (of the zookeeper package when `packages` is absent). */
  readonly jarPath: string;
  /** The packages to install; default: zookeeper, with `jarPath` as its marker. */
  readonly packages?: readonly DebPackage[];
  /** Exclusive-create lock serialising installs across processes. */
  readonly lockPath: string;
  /** How long to wait for another process's install. */
  readonly waitTimeoutMs: number;
  readonly pollMs: number;
  exists(file: string): boolean;
  isRoot(): boolean;
  /** Whether `name` is an executable on PATH. */
  hasCommand(name: string): boolean;
  run(cmd: string, args: readonly string[]): Promise<CommandResult>;
  /** Creates the lock file exclusively with `content`; false if it already exists. */
  tryLock(file: string, content: string): Promise<boolean>;
  readLock(file: string): Promise<string | undefined>;
  unlock(file: string): Promise<void>;
  /** Whether a process with this pid runs (a lock whose owner died is stale). */
  alive(pid: number): boolean;
  readonly pid: number;
  /** Says that an install starts (it takes a while). */
  announce(line: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export class ZkInstallError extends Error {
  override readonly name = 'ZkInstallError';
}

function tailOf(output: string, lines = 3): string {
  return output.trimEnd().split('\n').slice(-lines).join(' | ');
}

function packagesOf(env: InstallEnv): readonly DebPackage[] {
  return env.packages ?? [{ name: 'zookeeper', marker: env.jarPath }];
}

function missingOf(env: InstallEnv): DebPackage[] {
  return packagesOf(env).filter((p) => !env.exists(p.marker));
}

async function aptInstall(env: InstallEnv, missing: readonly DebPackage[]): Promise<void> {
  const names = missing.map((p) => p.name);
  const manual = manualInstall(names);
  for (const args of [['update', '-q'], ['install', '-y', '-q', ...names]]) {
    const r = await env.run('apt-get', args);
    if (r.code !== 0) {
      throw new ZkInstallError(`apt-get ${args.join(' ')} failed (exit ${r.code}: ${tailOf(r.output)}); run: ${manual}`);
    }
  }
  for (const p of missing) {
    if (!env.exists(p.marker)) throw new ZkInstallError(`${p.marker} still missing after apt-get install ${p.name}; run: ${manual}`);
  }
}

/** Holds the lock while installing; waits while another live process holds it. */
async function installUnderLock(env: InstallEnv): Promise<void> {
  const deadline = env.now() + env.waitTimeoutMs;
  for (;;) {
    if (missingOf(env).length === 0) return; // another worker finished meanwhile
    if (await env.tryLock(env.lockPath, String(env.pid))) {
      try {
        const missing = missingOf(env);
        if (missing.length > 0) {
          const names = missing.map((p) => p.name).join(' ');
          env.announce(`${missing.map((p) => p.marker).join(', ')} not found: installing the Debian ${names} package(s) for the integration tests (apt-get update, apt-get install -y ${names})`);
          await aptInstall(env, missing);
        }
      } finally {
        await env.unlock(env.lockPath);
      }
      return;
    }
    const owner = Number(await env.readLock(env.lockPath));
    // A lock left by a killed test run would block every later run: take it over.
    if (Number.isInteger(owner) && owner > 0 && !env.alive(owner)) {
      await env.unlock(env.lockPath);
      continue;
    }
    if (env.now() > deadline) {
      throw new ZkInstallError(`gave up waiting ${env.waitTimeoutMs} ms for another process installing ${packagesOf(env).map((p) => p.name).join(' ')} (lock ${env.lockPath}); run: ${manualInstall(packagesOf(env).map((p) => p.name))}`);
    }
    await env.sleep(env.pollMs);
  }
}

/**
 * Resolves once `env.jarPath` exists, installing the package when it is missing and this process
 * is root with apt-get. Rejects with a {@link ZkInstallError} whose message is one line ending
 * with the command to run.
 */
export async function ensureZkInstalled(env: InstallEnv): Promise<void> {
  const missing = missingOf(env);
  if (missing.length === 0) return;
  if (!env.isRoot() || !env.hasCommand('apt-get')) {
    const why = env.isRoot() ? 'apt-get is not available' : 'not root, so the tests cannot install it';
    const names = missing.map((p) => p.name);
    const what = names.length === 1 && names[0] === 'zookeeper' ? 'ZooKeeper integration tests need' : 'integration tests need';
    throw new ZkInstallError(`${what} the Debian ${names.join(' ')} package (${missing.map((p) => p.marker).join(', ')} not found; ${why}); run: ${manualInstall(names)}`);
  }
  await installUnderLock(env);
}

/** {@link ensureZkInstalled} under its general name: installs whatever of `env.packages` is missing. */
export const ensureDebInstalled = ensureZkInstalled;

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, name), fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The real machine: /usr/share/java, a lock in the temp dir, apt-get in non-interactive mode. */
export function nodeInstallEnv(packages: readonly DebPackage[] = [ZOOKEEPER_PACKAGE]): InstallEnv {
  return {
    jarPath: ZK_JAR,
    packages,
    // One lock for every package: apt-get holds one dpkg lock for the whole machine anyway.
    lockPath: path.join(os.tmpdir(), 'gale-apt-install.lock'),
    waitTimeoutMs: 10 * 60_000,
    pollMs: 250,
    exists: existsSync,
    isRoot: () => process.getuid?.() === 0,
    hasCommand: onPath,
    run: (cmd, args) => new Promise((resolve) => {
      const child = spawn(cmd, args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
      child.once('error', (err) => resolve({ code: -1, output: err.message }));
      child.once('close', (code) => resolve({ code: code ?? -1, output }));
    }),
    async tryLock(file, content) {
      try {
        const fh = await open(file, 'wx');
        try {
          await fh.writeFile(content);
        } finally {
          await fh.close();
        }
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      }
    },
    readLock: (file) => readFile(file, 'utf8').catch(() => undefined),
    unlock: (file) => rm(file, { force: true }),
    alive(pid) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
    pid: process.pid,
    announce: (line) => process.stderr.write(`\n${line}\n`),
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}
