// A throwaway gale cluster for integration tests: a real ZooKeeper (test/harness/zk.ts) and real
// `gale supervisor` processes (packages/runtime/bin/gale.js), each in its own process group so
// that cleanup takes its worker processes down too. Needs `npm run build` first.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

/** A `gale supervisor` process (leader of its own process group, which its workers join). */
export class SupervisorProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stderr = '';
  stdout = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly id: string, readonly ports: readonly number[], args: readonly string[]) {
    const env = { ...process.env };
    delete env.GALE_LOG_LEVEL;
    delete env.JEST_WORKER_ID;
    delete env.GALE_ZK;
    delete env.GALE_CLUSTER_SECRET;
    this.child = spawn(process.execPath, [BIN, 'supervisor', ...args], { cwd: REPO_ROOT, env, detached: true });
    const pid = this.child.pid!;
    liveGroups.add(pid);
    this.child.stdout.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => resolve({ code, signal }));
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once stderr matches, rejects on exit or after the deadline. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.stderr)) {
      if (!this.running) throw new Error(`supervisor ${this.id} exited before stderr matched ${pattern}:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`supervisor ${this.id}: stderr did not match ${pattern} within ${timeoutMs} ms:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
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

export interface ClusterOptions {
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

  private constructor(readonly zk: ZkServer, readonly tmp: string) {}

  static async start(opts: ClusterOptions): Promise<TestCluster> {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run "npm run build" before these tests`);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
      });
    }
    const zk = await startZk({ tickMs: opts.tickMs ?? 500 });
    const c = new TestCluster(zk, mkdtempSync(path.join(os.tmpdir(), 'gale-cluster-test-')));
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

  /** Starts `gale supervisor` on free ports and waits for its ready line. */
  async startSupervisor(id: string, slots: number, extra: readonly string[] = []): Promise<SupervisorProcess> {
    const ports: number[] = [];
    while (ports.length < slots) {
      const p = await freePort();
      if (!ports.includes(p)) ports.push(p);
    }
    const dir = path.join(this.tmp, id);
    const s = new SupervisorProcess(id, ports, [
      ...this.flags, '--host', '127.0.0.1', '--ports', ports.join(','), '--id', id, '--dir', dir,
      '--session-timeout', '4000', '--heartbeat', '500', ...extra,
    ]);
    this.supervisors.push(s);
    await s.waitFor(/gale: supervisor \S+ ready on /);
    return s;
  }

  /** Runs `gale <args> --zk ... --zk-root ...` to completion. */
  gale(args: readonly string[], timeoutMs = 90_000): Promise<GaleResult> {
    return gale([...args, ...this.flags], { timeoutMs, env: { GALE_ZK: '', GALE_CLUSTER_SECRET: '' } });
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
  workerProcesses: { host: string; port: number; supervisor: string; pid: number; lastBeatAt: number; assignmentVersion: number }[];
  errors: Record<string, { message: string; code?: string }[]>;
}

export function component(s: StatusJson, id: string): StatusJson['components'][number] {
  const c = s.components.find((x) => x.component === id);
  if (c === undefined) throw new Error(`no component "${id}" in ${JSON.stringify(s.components.map((x) => x.component))}`);
  return c;
}
