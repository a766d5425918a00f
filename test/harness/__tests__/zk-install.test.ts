// What startZk() does about a missing Debian zookeeper package, on a simulated machine: nothing
// when installed, one locked apt-get update + install when root with apt-get (however many jest
// workers ask at once), one line saying what to run otherwise.
import { MANUAL_INSTALL, ensureZkInstalled, type CommandResult, type InstallEnv } from '../zk-install.js';

interface FakeMachine {
  env: InstallEnv;
  files: Set<string>;
  commands: string[];
  /** Lock files that exist (name -> content). */
  locks: Map<string, string>;
  announced: string[];
}

const JAR = '/usr/share/java/zookeeper.jar';
const LOCK = '/tmp/zk-install.lock';

/** A machine where apt-get "installs" the jar after its install command resolves. */
function machine(o: { installed?: boolean; root?: boolean; apt?: boolean; pid?: number; shared?: FakeMachine; fail?: string } = {}): FakeMachine {
  const files = o.shared?.files ?? new Set<string>(o.installed === true ? [JAR] : []);
  const commands = o.shared?.commands ?? [];
  const sharedLocks = o.shared?.locks ?? new Map<string, string>();
  const announced = o.shared?.announced ?? [];
  let clock = 0;
  const env: InstallEnv = {
    jarPath: JAR,
    lockPath: LOCK,
    waitTimeoutMs: 60_000,
    pollMs: 100,
    exists: (f) => files.has(f),
    isRoot: () => o.root ?? true,
    hasCommand: (name) => name === 'apt-get' && (o.apt ?? true),
    async run(cmd, args): Promise<CommandResult> {
      const line = `${cmd} ${args.join(' ')}`;
      commands.push(line);
      // Let other simulated workers run while "apt-get" works.
      for (let i = 0; i < 5; i++) await Promise.resolve();
      if (o.fail !== undefined && line.startsWith(o.fail)) return { code: 100, output: 'E: Unable to locate package zookeeper\n' };
      if (args[0] === 'install') files.add(JAR);
      return { code: 0, output: '' };
    },
    async tryLock(file, content) {
      await Promise.resolve();
      if (sharedLocks.has(file)) return false;
      sharedLocks.set(file, content);
      return true;
    },
    readLock: (file) => Promise.resolve(sharedLocks.get(file)),
    unlock: (file) => {
      sharedLocks.delete(file);
      return Promise.resolve();
    },
    alive: (pid) => pid !== 999,
    pid: o.pid ?? 1,
    announce: (line) => announced.push(line),
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
      for (let i = 0; i < 3; i++) await Promise.resolve();
    },
  };
  return { env, files, commands, locks: sharedLocks, announced };
}

describe('the ZooKeeper package check of the test harness', () => {
  it('does nothing when zookeeper.jar is installed', async () => {
    const m = machine({ installed: true });
    await ensureZkInstalled(m.env);
    expect(m.commands).toEqual([]);
  });

  it('installs it once as root with apt-get, however many workers ask at once', async () => {
    const first = machine();
    const others = [2, 3, 4].map((pid) => machine({ pid, shared: first }));
    await Promise.all([first, ...others].map((m) => ensureZkInstalled(m.env)));
    expect(first.commands).toEqual(['apt-get update -q', 'apt-get install -y -q zookeeper']);
    expect(first.announced).toEqual([`${JAR} not found: installing the Debian zookeeper package(s) for the integration tests (apt-get update, apt-get install -y zookeeper)`]);
    expect(first.files.has(JAR)).toBe(true);
    expect(first.locks.size).toBe(0);
  });

  it('takes over a lock left by a process that died', async () => {
    const m = machine();
    await m.env.tryLock(LOCK, '999');
    await ensureZkInstalled(m.env);
    expect(m.commands).toEqual(['apt-get update -q', 'apt-get install -y -q zookeeper']);
  });

  it('says in one line what to run when not root', async () => {
    const m = machine({ root: false });
    const err = await ensureZkInstalled(m.env).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toBe(`ZooKeeper integration tests need the Debian zookeeper package (${JAR} not found; not root, so the tests cannot install it); run: ${MANUAL_INSTALL}`);
    expect(m.commands).toEqual([]);
    expect(m.announced).toEqual([]);
  });

  it('says in one line what to run without apt-get', async () => {
    const err = await ensureZkInstalled(machine({ apt: false }).env).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/apt-get is not available\); run: sudo apt-get update && sudo apt-get install -y zookeeper$/);
  });

  it('names the failed apt-get command and frees the lock', async () => {
    const m = machine({ fail: 'apt-get install' });
    const err = await ensureZkInstalled(m.env).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toBe(`apt-get install -y -q zookeeper failed (exit 100: E: Unable to locate package zookeeper); run: ${MANUAL_INSTALL}`);
    expect(err?.message).not.toContain('\n');
    expect(m.locks.size).toBe(0);
  });

  it('gives up after the deadline when another live process keeps the lock', async () => {
    const m = machine();
    await m.env.tryLock(LOCK, '42');
    const err = await ensureZkInstalled(m.env).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/^gave up waiting 60000 ms for another process installing zookeeper .*; run: sudo apt-get/);
    expect(m.commands).toEqual([]);
  });
});

describe('the Debian package check for several servers', () => {
  it('installs only the missing ones, in one apt-get update + install', async () => {
    const m = machine({ installed: true });
    const redis = { name: 'redis-server', marker: '/usr/bin/redis-server' };
    const nats = { name: 'nats-server', marker: '/usr/sbin/nats-server' };
    const env: InstallEnv = {
      ...m.env,
      packages: [{ name: 'zookeeper', marker: JAR }, redis, nats],
      async run(cmd, args) {
        m.commands.push(`${cmd} ${args.join(' ')}`);
        if (args[0] === 'install') for (const p of [redis, nats]) m.files.add(p.marker);
        return { code: 0, output: '' };
      },
    };
    await ensureZkInstalled(env);
    expect(m.commands).toEqual(['apt-get update -q', 'apt-get install -y -q redis-server nats-server']);
  });

  it('names every missing package in the one line to run when it cannot install', async () => {
    const m = machine({ installed: true, root: false });
    const env: InstallEnv = { ...m.env, packages: [{ name: 'zookeeper', marker: JAR }, { name: 'redis-server', marker: '/usr/bin/redis-server' }] };
    const err = await ensureZkInstalled(env).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toBe('integration tests need the Debian redis-server package (/usr/bin/redis-server not found; not root, so the tests cannot install it); run: sudo apt-get update && sudo apt-get install -y redis-server');
  });
});
