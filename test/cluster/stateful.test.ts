// Stateful bolts in a real cluster (docs/state.md): a worker SIGKILLed mid-stream, and kill +
// deploy / deactivate + activate of the same name, must leave every key at exactly the batch
// totals of the input (state effect exactly once, input at least once).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStateStores } from '../../packages/runtime/src/state/file-state-store.js';
import { record } from './fixtures/stateful-totals.js';
import { TestCluster, component, until, type StatusJson } from './cluster-harness.js';

const FIXTURE = 'test/cluster/fixtures/stateful-totals.ts';
const TASKS = 4;

function batch(offset: number, count: number, into: Record<string, number> = {}): Record<string, number> {
  for (let id = offset; id < offset + count; id++) {
    const [k, n] = record(id);
    into[k] = (into[k] ?? 0) + n;
  }
  return into;
}

const sorted = (r: Record<string, number>): string => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));

describe('gale cluster: stateful bolts', () => {
  let cluster: TestCluster;
  let stateDir: string;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 2 });
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'gale-cluster-state-'));
  });
  afterAll(async () => {
    await cluster?.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  async function committed(name: string): Promise<Record<string, number>> {
    const stores = new FileStateStores(stateDir);
    const out: Record<string, number> = {};
    for (let i = 0; i < TASKS; i++) {
      const s = await stores.open({ topology: name, component: 'totals', taskIndex: i }).load();
      for (const [k, v] of s.committed.entries) out[JSON.parse(k) as string] = (out[JSON.parse(k) as string] ?? 0) + (v as number);
    }
    return out;
  }

  /** Waits until the committed totals are the expected ones, then checks they stay so over a few checkpoints. */
  async function expectTotals(name: string, want: Record<string, number>, timeoutMs = 90_000): Promise<void> {
    let last = '';
    try {
      await until(`${name}: committed totals = batch totals`, async () => {
        last = sorted(await committed(name));
        return last === sorted(want);
      }, timeoutMs, 250);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n got ${last}\nwant ${sorted(want)}`);
    }
    await new Promise((r) => setTimeout(r, 1500)); // several checkpoint intervals: late replays would show here
    expect(sorted(await committed(name))).toBe(sorted(want));
  }

  const deploy = async (name: string, sets: string[]): Promise<void> => {
    const r = await cluster.gale(['deploy', FIXTURE, '--name', name, '--set', `stateDir=${stateDir}`, ...sets.flatMap((s) => ['--set', s]), '--wait', '30']);
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  };

  it('a worker SIGKILLed mid-stream: every key ends at exactly its batch total', async () => {
    const name = 'totals-crash';
    await deploy(name, ['count=3000', 'rate=400']);
    const status = (): Promise<StatusJson> => cluster.json<StatusJson>(['status', name]);
    // Mid-stream: some state committed, most input still to come.
    const st = await until('some input executed', async () => {
      const s = await status();
      const t = component(s, 'totals');
      return t.executed > 600 && s.workerProcesses.length === 2 ? s : undefined;
    }, 60_000, 200);
    // The victim runs stateful tasks but neither the spout nor the acker (whose loss would only
    // replay more): it may run the checkpoint coordinator, which then recovers from its record.
    const spoutAt = new Set([...component(st, 'src').where, ...component(st, '__acker').where]);
    const victim = st.workerProcesses.find((w) => !spoutAt.has(`${w.host}:${w.port}`) && component(st, 'totals').where.includes(`${w.host}:${w.port}`));
    expect(victim).toBeDefined();
    process.kill(victim!.pid, 'SIGKILL');
    await until('the worker to be restarted', async () => {
      const s = await status();
      return s.workerProcesses.some((w) => w.port === victim!.port && w.pid !== victim!.pid) && s.workers.running === 2;
    }, 60_000, 200);
    await expectTotals(name, batch(0, 3000));
    // The crash did cost replays (lost and rolled-back inputs), and none was counted twice.
    expect(component(await status(), 'src').failed).toBeGreaterThan(0);
    expect((await cluster.gale(['kill', name, '--wait', '0'])).code).toBe(0);
  }, 240_000);

  it('kill + deploy and deactivate + activate of the same name keep the state (file backend)', async () => {
    const name = 'totals-redeploy';
    await deploy(name, ['count=800', 'rate=800']);
    await expectTotals(name, batch(0, 800));
    const killed = await cluster.gale(['kill', name, '--wait', '0.5']);
    expect(killed.code).toBe(0);

    await deploy(name, ['offset=800', 'count=1200', 'rate=400']);
    await until('some of the second run committed', async () => {
      const sum = Object.values(await committed(name)).reduce((a, b) => a + b, 0);
      return sum > Object.values(batch(0, 800)).reduce((a, b) => a + b, 0);
    }, 60_000, 200);
    expect((await cluster.gale(['deactivate', name])).code).toBe(0);
    expect((await cluster.gale(['activate', name])).code).toBe(0);
    await expectTotals(name, batch(0, 2000));
    expect((await cluster.gale(['kill', name, '--wait', '0'])).code).toBe(0);
  }, 240_000);
});
