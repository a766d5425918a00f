// Stateful bolts in a real cluster (docs/state.md), on the snapshot-aggregation example: a worker
// SIGKILLed mid-stream, and kill + deploy / deactivate + activate of the same name, must leave
// every key at exactly the batch totals of the input (state effect exactly once, input at least
// once). State in files (and, for kill + deploy / deactivate + activate, in a real redis-server);
// one acker, so that the victim can be a worker without it (an acker's death only adds replays,
// see docs/state.md#limits).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStateStores } from '../../packages/runtime/src/state/file-state-store.js';
import { RedisStateStores } from '../../packages/runtime/src/state/redis-state-store.js';
import type { StateStoreProvider } from '../../packages/runtime/src/api/state/state-store.js';
import { batchTotals } from '../../topologies/snapshot-aggregation.js';
import { startRedis, type RedisServer } from '../harness/redis.js';
import { TestCluster, component, until, type StatusJson } from './cluster-harness.js';

const APP = 'topologies/snapshot-aggregation.ts';
const TASKS = 4;

const batch = batchTotals;

const sorted = (r: Record<string, number>): string => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));

describe('gale cluster: stateful bolts', () => {
  let cluster: TestCluster;
  let stateDir: string;
  let redis: RedisServer;

  beforeAll(async () => {
    [cluster, redis] = await Promise.all([TestCluster.start({ supervisors: 2 }), startRedis()]);
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'gale-cluster-state-'));
  });
  afterAll(async () => {
    await cluster?.close();
    await redis?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  type Backend = 'file' | 'redis';
  const backendSets = (b: Backend): string[] => (b === 'file' ? ['stateBackend=file', `stateDir=${stateDir}`] : ['stateBackend=redis', `stateRedisUrl=${redis.url}`]);

  /** The committed totals of every totals task, read from the backend as a worker would. */
  async function committed(name: string, backend: Backend): Promise<Record<string, number>> {
    const stores: StateStoreProvider = backend === 'file' ? new FileStateStores(stateDir) : new RedisStateStores(redis.url);
    const out: Record<string, number> = {};
    try {
      for (let i = 0; i < TASKS; i++) {
        const s = await stores.open({ topology: name, component: 'totals', taskIndex: i }).load();
        for (const [k, v] of s.committed.entries) out[JSON.parse(k) as string] = (out[JSON.parse(k) as string] ?? 0) + (v as number);
      }
    } finally {
      await stores.close();
    }
    return out;
  }

  /** Waits until the committed totals are the expected ones, then checks they stay so over a few checkpoints. */
  async function expectTotals(name: string, want: Record<string, number>, backend: Backend = 'file', timeoutMs = 90_000): Promise<void> {
    let last = '';
    try {
      await until(`${name}: committed totals = batch totals`, async () => {
        last = sorted(await committed(name, backend));
        return last === sorted(want);
      }, timeoutMs, 250);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n got ${last}\nwant ${sorted(want)}`);
    }
    await new Promise((r) => setTimeout(r, 1500)); // several checkpoint intervals: late replays would show here
    expect(sorted(await committed(name, backend))).toBe(sorted(want));
  }

  const deploy = async (name: string, sets: string[], backend: Backend = 'file'): Promise<void> => {
    const config = [...backendSets(backend), 'ackers=1', 'messageTimeoutMs=20000', 'checkpointIntervalMs=300'];
    const r = await cluster.gale(['deploy', APP, '--name', name, ...[...config, ...sets].flatMap((s) => ['--set', s]), '--wait', '30']);
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  };

  it('a worker SIGKILLed mid-stream: every key ends at exactly its batch total', async () => {
    const name = 'totals-crash';
    await deploy(name, ['count=6000', 'rate=500']);
    const status = (): Promise<StatusJson> => cluster.json<StatusJson>(['status', name]);
    // Mid-stream: some state committed, most input still to come.
    const st = await until('some input executed', async () => {
      const s = await status();
      const t = component(s, 'totals');
      return t.executed > 1500 && s.workerProcesses.length === 2 ? s : undefined;
    }, 60_000, 200);
    // The victim runs stateful tasks but neither the spout nor the acker (whose loss would only
    // replay more): it may run the checkpoint coordinator, which then recovers from its record.
    const spoutAt = new Set([...component(st, 'orders').where, ...component(st, '__acker').where]);
    const victim = st.workerProcesses.find((w) => !spoutAt.has(`${w.host}:${w.port}`) && component(st, 'totals').where.includes(`${w.host}:${w.port}`));
    expect(victim).toBeDefined();
    process.kill(victim!.pid, 'SIGKILL');
    await until('the worker to be restarted', async () => {
      const s = await status();
      return s.workerProcesses.some((w) => w.port === victim!.port && w.pid !== victim!.pid) && s.workers.running === 2;
    }, 60_000, 200);
    await expectTotals(name, batch(0, 6000));
    expect((await cluster.gale(['kill', name, '--wait', '0'])).code).toBe(0);
  }, 240_000);

  it.each(['file', 'redis'] as const)('kill + deploy and deactivate + activate of the same name keep the state (%s backend)', async (backend) => {
    const name = `totals-redeploy-${backend}`;
    await deploy(name, ['count=1500', 'rate=1500'], backend);
    await expectTotals(name, batch(0, 1500), backend);
    const killed = await cluster.gale(['kill', name, '--wait', '0.5']);
    expect(killed.code).toBe(0);

    await deploy(name, ['offset=1500', 'count=2500', 'rate=800'], backend);
    await until('some of the second run committed', async () => {
      const sum = Object.values(await committed(name, backend)).reduce((a, b) => a + b, 0);
      return sum > Object.values(batch(0, 1500)).reduce((a, b) => a + b, 0);
    }, 60_000, 200);
    expect((await cluster.gale(['deactivate', name])).code).toBe(0);
    expect((await cluster.gale(['activate', name])).code).toBe(0);
    const want = batch(0, 1500);
    for (const [k, v] of Object.entries(batch(1500, 2500))) want[k] = (want[k] ?? 0) + v;
    await expectTotals(name, want, backend);
    expect((await cluster.gale(['kill', name, '--wait', '0'])).code).toBe(0);
  }, 240_000);
});
