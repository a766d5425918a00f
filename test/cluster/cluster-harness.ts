// A throwaway gale cluster for integration tests: a real ZooKeeper (test/harness/zk.ts) and real
// `gale supervisor` processes (packages/runtime/bin/gale.js), each in its own process group so
// that cleanup takes its worker processes down too. Each supervisor forwards its typed events
// (cluster/events.ts) over an IPC channel; tests await those, not log text. Needs `npm run build` first.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ForwardedEvent, SupervisorEventName, SupervisorEvents } from '../../packages/runtime/src/cluster/events.js';
import { ZkClient } from '../../packages/runtime/src/coord/index.js';
import { freePort } from '../harness/ports.js';
import { startZk, type ZkServer } from '../harness/zk.js';
import { REPO_ROOT, gale, type GaleResult } from '../cli/gale-process.js';

const BIN = path.join(REPO_ROOT, 'packages', 'runtime', 'bin', 'gale.js');
const BUILT = path.join(REPO_ROOT, 'packages', 'runtime', 'dist', 'cluster', 'worker-main.js');

/** Process groups still alive, SIGKILLed on exit so a crashed test run leaves nothing behind. */
const liveGroups = new Set<number>();
let exitHook = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // gone already
  }
}

/** A supervisor event as the test received it. */
export interface ReceivedEvent<K extends SupervisorEventName = SupervisorEventName> {
  event: K;
  data: SupervisorEvents[K];
  /** Date.now() at arrival. */
  atMs: number;
  /** Position in {@link SupervisorProcess.events}: pass `index + 1` as `since` to wait for a later one. */
  index: number;
}

function isForwarded(m: unknown): m is ForwardedEvent {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'gale.event' && typeof (m as { event?: unknown }).event === 'string';
}

/** A `gale supervisor` process (leader of its own process group, which its workers join). */
export class SupervisorProcess {
  readonly child: ChildProcess;
  stderr = '';
  stdout = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every event the supervisor forwarded so far, in order. */
  readonly events: ReceivedEvent[] = [];
  private readonly wake = new Set<() => void>();
  /** Set on 'close': every message it sent has arrived. */
  private gone = false;

  /** `extraEnv` is added after the test's own GALE_* variables are removed (e.g. a `GALE_CLUSTER_SECRET`). */
  /** `launch` runs another installation's gale (e.g. one installed from the packed tarballs). */
  constructor(readonly id: string, readonly ports: readonly number[], args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}, launch: GaleLaunch = {}) {
    const env = { ...process.env };
    delete env.GALE_LOG_LEVEL;
    delete env.JEST_WORKER_ID;
    delete env.GALE_ZK;
    delete env.GALE_CLUSTER_SECRET;
    env.GALE_TOPOLOGY_CACHE = 'off'; // not about the cache: keep the user's ~/.cache clean
    Object.assign(env, extraEnv);
    // Many supervisors run at once in tests: the HTTP server (default port 8080) only where a test asks for it.
    const http = args.includes('--http-port') ? [] : ['--http-port', '0'];
    this.child = spawn(process.execPath, [launch.bin ?? BIN, 'supervisor', ...args, ...http], { cwd: launch.cwd ?? REPO_ROOT, env, detached: true, stdio: ['pipe', 'pipe', 'pipe', 'ipc'] });
    const pid = this.child.pid!;
    liveGroups.add(pid);
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.child.on('message', (m: unknown) => {
      if (!isForwarded(m)) return;
      this.events.push({ event: m.event, data: m.data, atMs: Date.now(), index: this.events.length });
      this.notify();
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.gone = true;
        resolve({ code, signal });
        this.notify();
      });
    });
  }

  private notify(): void {
    for (const fn of [...this.wake]) fn();
  }

  /** Number of events received so far: a mark to pass as `since`. */
  get eventCount(): number {
    return this.events.length;
  }

  /** True when the last leader event this supervisor sent is `leader.elected`. */
  get isLeader(): boolean {
    const last = [...this.events].reverse().find((e) => e.event === 'leader.elected' || e.event === 'leader.lost');
    return last?.event === 'leader.elected';
  }

  /** The events named `name` received so far (from index `since`) that match `pred`. */
  eventsOf<K extends SupervisorEventName>(name: K, pred: (data: SupervisorEvents[K]) => boolean = () => true, since = 0): ReceivedEvent<K>[] {
    return this.events.slice(since).filter((e): e is ReceivedEvent<K> => e.event === name && pred(e.data as SupervisorEvents[K]));
  }

  /**
   * The first event `name` at index `since` or later (already received, or the next to come)
   * matching `pred`. Rejects when the supervisor exits first or after `timeoutMs`.
   */
  waitForEvent<K extends SupervisorEventName>(name: K, pred?: (data: SupervisorEvents[K]) => boolean, timeoutMs = 15_000, since = 0): Promise<ReceivedEvent<K>> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = this.eventsOf(name, pred, since)[0];
        if (hit !== undefined) done(() => resolve(hit));
        else if (this.gone) done(() => reject(new Error(`supervisor ${this.id} exited before event ${name}:\n${this.stderr}`)));
      };
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.wake.delete(check);
        settle();
      };
      const timer = setTimeout(() => done(() => reject(new Error(`supervisor ${this.id}: no event ${name} within ${timeoutMs} ms; got ${this.events.map((e) => e.event).join(', ')}:\n${this.stderr.slice(-3000)}`))), timeoutMs);
      timer.unref(); // a lost Promise.any race must not hold the test process
      this.wake.add(check);
      check();
    });
  }

  /** Resolves with the first `count` events `name` matching `pred` once they have all arrived; rejects after `timeoutMs` in all. */
  async waitForEvents<K extends SupervisorEventName>(name: K, count: number, pred?: (data: SupervisorEvents[K]) => boolean, timeoutMs = 15_000): Promise<ReceivedEvent<K>[]> {
    const deadline = Date.now() + timeoutMs;
    const out: ReceivedEvent<K>[] = [];
    while (out.length < count) out.push(await this.waitForEvent(name, pred, Math.max(0, deadline - Date.now()), (out.at(-1)?.index ?? -1) + 1));
    return out;
  }

  /** Like {@link waitForEvent}, for an event that arrives after this call. */
  nextEvent<K extends SupervisorEventName>(name: K, pred?: (data: SupervisorEvents[K]) => boolean, timeoutMs = 15_000): Promise<ReceivedEvent<K>> {
    return this.waitForEvent(name, pred, timeoutMs, this.events.length);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL to the supervisor process only (its workers notice their parent is gone). */
  crash(): void {
    this.child.kill('SIGKILL');
  }

  /** SIGKILL to the whole process group (supervisor and workers); waits for the exit. */
  async destroy(): Promise<void> {
    killGroup(this.pid, 'SIGKILL');
    liveGroups.delete(this.pid);
    if (!this.running) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
  }
}

/** Which gale the supervisors run: this repo's build by default. */
export interface GaleLaunch {
  /** Path of a `bin/gale.js`. */
  bin?: string;
  /** Working directory of the supervisor process. */
  cwd?: string;
}

export interface ClusterOptions extends GaleLaunch {
  supervisors: number;
  slotsPerSupervisor?: number;
  tickMs?: number;
  /** Start the supervisors one after the other: sup-a joins the election first and leads. */
  sequential?: boolean;
}

/** ZooKeeper + supervisors under a fresh root, and the `gale` CLI pointed at them. */
export class TestCluster {
  readonly supervisors: SupervisorProcess[] = [];
  readonly root = '/gale-test';
  private client: ZkClient | undefined;

  private constructor(readonly zk: ZkServer, readonly tmp: string, private readonly launch: GaleLaunch = {}) {}

  static async start(opts: ClusterOptions): Promise<TestCluster> {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run "npm run build" before these tests`);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
      });
    }
    const zk = await startZk({ tickMs: opts.tickMs ?? 500 });
    const c = new TestCluster(zk, mkdtempSync(path.join(os.tmpdir(), 'gale-cluster-test-')), { bin: opts.bin, cwd: opts.cwd });
    try {
      const ids = Array.from({ length: opts.supervisors }, (_, i) => `sup-${String.fromCharCode(97 + i)}`);
      if (opts.sequential === true) {
        for (const id of ids) await c.startSupervisor(id, opts.slotsPerSupervisor ?? 2);
      } else {
        await Promise.all(ids.map((id) => c.startSupervisor(id, opts.slotsPerSupervisor ?? 2)));
      }
    } catch (err) {
      await c.close();
      throw err;
    }
    return c;
  }

  /** The flags that point a `gale` command at this cluster. */
  get flags(): string[] {
    return ['--zk', this.zk.connectString, '--zk-root', this.root];
  }

  /**
   * Starts `gale supervisor` on free ports (or on `reuse`, e.g. to restart a killed one in place)
   * and waits for its ready line.
   */
  async startSupervisor(id: string, slots: number, extra: readonly string[] = [], reuse?: readonly number[]): Promise<SupervisorProcess> {
    const ports: number[] = [...(reuse ?? [])];
    while (ports.length < slots) {
      const p = await freePort();
      if (!ports.includes(p)) ports.push(p);
    }
    const dir = path.join(this.tmp, id);
    const s = new SupervisorProcess(id, ports, [
      ...this.flags, '--host', '127.0.0.1', '--ports', ports.join(','), '--id', id, '--dir', dir,
      '--session-timeout', '4000', '--heartbeat', '500', ...extra,
    ], {}, this.launch);
    this.supervisors.push(s);
    await s.waitForEvent('ready');
    return s;
  }

  /** Runs `gale <args> --zk ... --zk-root ...` to completion. */
  gale(args: readonly string[], timeoutMs = 90_000): Promise<GaleResult> {
    // Deploys skip the TypeScript check (~3 s of CPU each): test/cli/typecheck.test.ts and
    // test/init/scaffold.test.ts check it; the cluster tests are about the cluster.
    const check = args[0] === 'deploy' && !args.includes('--no-typecheck') ? ['--no-typecheck'] : [];
    return gale([...args, ...check, ...this.flags], { timeoutMs, env: { GALE_ZK: '', GALE_CLUSTER_SECRET: '' } });
  }

  /** `gale <args> --json` that must exit 0; its stdout parsed. */
  async json<T>(args: readonly string[]): Promise<T> {
    const r = await this.gale([...args, '--json']);
    if (r.code !== 0) throw new Error(`gale ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  /** A ZooKeeper client of the test process (closed with the cluster). */
  async zkClient(): Promise<ZkClient> {
    this.client ??= await ZkClient.connect({ connectString: this.zk.connectString });
    return this.client;
  }

  /** candidateId of the current leader (lowest election znode). */
  async leaderId(): Promise<string | undefined> {
    const zk = await this.zkClient();
    const dir = `${this.root}/leader`;
    const seq = (n: string): number => Number(/_n_(\d+)$/.exec(n)?.[1] ?? Infinity);
    const children = (await zk.getChildren(dir)).filter((n) => n.startsWith('c_')).sort((a, b) => seq(a) - seq(b));
    if (children.length === 0) return undefined;
    try {
      return (JSON.parse((await zk.getData(`${dir}/${children[0]}`)).data.toString('utf8')) as { candidateId: string }).candidateId;
    } catch {
      return undefined; // it just went away
    }
  }

  /** Kills every supervisor group, stops ZooKeeper, removes the temp dir. Never throws. */
  async close(): Promise<void> {
    await Promise.all(this.supervisors.map((s) => s.destroy().catch(() => {})));
    await this.client?.close().catch(() => {});
    await this.zk.stop().catch(() => {});
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** Polls `fn` until it returns a value other than undefined/false; throws after the deadline with the last value. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? '' : `; last error: ${String((lastError as Error).message ?? lastError)}`}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The non-empty lines of a file a topology writes, none while it does not exist yet. */
export function readFileLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  } catch {
    return [];
  }
}

/** Non-empty lines. */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}

/** Subset of `gale status --json` the tests read. */
export interface StatusJson {
  name: string;
  status: string;
  workers: { wanted: number; assigned: number; running: number };
  assignmentVersion: number | null;
  components: { component: string; kind: string; executors: number; where: string[]; emitted: number; acked: number; failed: number; pending: number; executed: number }[];
  workerProcesses: { host: string; port: number; supervisor: string; pid: number; lastBeatAt: number; assignmentVersion: number; executors: string[] }[];
  errors: Record<string, { message: string; code?: string; count?: number }[]>;
}

export function component(s: StatusJson, id: string): StatusJson['components'][number] {
  const c = s.components.find((x) => x.component === id);
  if (c === undefined) throw new Error(`no component "${id}" in ${JSON.stringify(s.components.map((x) => x.component))}`);
  return c;
}
