// A running topology through deactivate, activate, rebalance and kill, watched with `gale status`
// and `gale list`.
import { TestCluster, component, until, type StatusJson } from './cluster-harness.js';

interface ListJson {
  name: string;
  status: string;
  workers: number;
  workersRunning: number;
}

describe('gale activate / deactivate / rebalance / kill', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 2 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  const status = (): Promise<StatusJson> => cluster.json<StatusJson>(['status', 'gen']);
  const emitted = async (): Promise<number> => component(await status(), 'numbers').emitted;
  const listed = async (): Promise<ListJson | undefined> => (await cluster.json<ListJson[]>(['list'])).find((t) => t.name === 'gen');

  /** Waits until the spout has emitted more than `than` (counts are summed over the running workers). */
  const emitsMoreThan = (than: number, what: string): Promise<number> =>
    until(what, async () => {
      const n = await emitted();
      return n > than ? n : undefined;
    }, 30_000, 200);

  it('follows status changes and rebalances', async () => {
    const deployed = await cluster.gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'gen', '--set', 'rate=300']);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toMatch(/^worker +supervisor +executors$/m);
    expect(await listed()).toMatchObject({ status: 'active', workers: 2, workersRunning: 2 });
    await emitsMoreThan(0, 'the spout to emit');

    // deactivate: the record says inactive, the spout stops once its in-flight trees completed.
    const off = await cluster.gale(['deactivate', 'gen']);
    expect({ code: off.code, stderr: off.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('gale: deactivated "gen"') });
    expect((await listed())?.status).toBe('inactive');
    const quiet = await until('the spout to go quiet', async () => {
      const s = await status();
      const spout = component(s, 'numbers');
      return spout.pending === 0 ? { s, emitted: spout.emitted } : undefined;
    }, 30_000, 200);
    // Every worker beats again at least twice after that reading: still nothing new emitted.
    const seenAt = Math.max(...quiet.s.workerProcesses.map((w) => w.lastBeatAt));
    const later = await until('two more heartbeats', async () => {
      const s = await status();
      return s.workerProcesses.length === 2 && s.workerProcesses.every((w) => w.lastBeatAt > seenAt + 1000) ? s : undefined;
    }, 30_000, 200);
    expect(component(later, 'numbers')).toMatchObject({ emitted: quiet.emitted, pending: 0 });
    expect((await cluster.gale(['deactivate', 'gen'])).stderr).toContain('"gen" is already inactive');

    // activate: it emits again.
    const on = await cluster.gale(['activate', 'gen']);
    expect({ code: on.code, stderr: on.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('gale: activated "gen"') });
    expect((await listed())?.status).toBe('active');
    await emitsMoreThan(quiet.emitted, 'the spout to emit again');

    // kill -9 of a worker: its supervisor starts it again, and the new worker owns its heartbeat
    // znode at once (not the dead process's node, which would vanish when that session expires).
    const crashed = (await status()).workerProcesses.find((w) => w.supervisor === 'sup-a')!;
    const beatPath = `${cluster.root}/workers/gen/${crashed.supervisor}-${crashed.port}`;
    const zk = await cluster.zkClient();
    const deadOwner = (await zk.exists(beatPath))!.ephemeralOwner;
    const supA = cluster.supervisors.find((x) => x.id === crashed.supervisor)!;
    const mark = supA.eventCount;
    process.kill(crashed.pid, 'SIGKILL');
    const crash = await supA.waitForEvent('worker.crashed', (e) => e.port === crashed.port, 15_000, mark);
    expect(crash.data).toMatchObject({ topology: 'gen', code: null, signal: 'SIGKILL' });
    await supA.waitForEvent('worker.started', (e) => e.port === crashed.port && e.pid !== crashed.pid, 30_000, crash.index + 1);
    const restarted = await until('the worker to be restarted', async () => {
      const s = await status();
      const w = s.workerProcesses.find((x) => x.supervisor === crashed.supervisor && x.port === crashed.port);
      return w !== undefined && w.pid !== crashed.pid && s.workers.running === 2 ? s : undefined;
    }, 30_000, 200);
    expect((await zk.exists(beatPath))?.ephemeralOwner).not.toBe(deadOwner);
    await emitsMoreThan(component(restarted, 'numbers').emitted, 'the spout to emit after the restart');

    // rebalance to one worker: a new assignment with one worker, which runs the whole topology.
    const before = await status();
    const r = await cluster.gale(['rebalance', 'gen', '--workers', '1', '--wait', '30']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('gale: rebalancing "gen": workers 2 -> 1');
    expect(r.stdout.trim().split('\n')).toHaveLength(2); // header + one worker
    const after = await status();
    expect(after.assignmentVersion).toBeGreaterThan(before.assignmentVersion!);
    expect(after.workers).toEqual({ wanted: 1, assigned: 1, running: 1 });
    expect(component(after, 'double').where).toHaveLength(1);
    // The leader announced the write, and a supervisor the change of what it runs.
    const leader = cluster.supervisors.find((x) => x.isLeader)!;
    const written = await leader.waitForEvent('assignment.written', (e) => e.topology === 'gen' && e.version === after.assignmentVersion);
    expect(written.data.workers).toHaveLength(1);
    await Promise.any(cluster.supervisors.map((x) => x.waitForEvent('assignment.changed', (e) => e.topology === 'gen' && e.version === after.assignmentVersion)));
    await emitsMoreThan(component(after, 'numbers').emitted, 'the rebalanced topology to emit');

    // Executors per component: at most numTasks.
    const tooMany = await cluster.gale(['rebalance', 'gen', '--parallelism', 'double=3']);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('"double" has 2 tasks, so at most 2 executors');
    const unknown = await cluster.gale(['rebalance', 'gen', '--parallelism', 'doubel=1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('has no component "doubel" (did you mean "double"?)');

    const killed = await cluster.gale(['kill', 'gen', '--wait', '0.5']);
    expect(killed.code).toBe(0);
    expect(killed.stderr).toContain('gale: deactivated "gen"; waiting 0.5 s');
    expect(killed.stderr).toContain('gale: killed "gen"');
    expect(await listed()).toBeUndefined();
    const gone = await cluster.gale(['status', 'gen']);
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe('gale: no topology named "gen" (none deployed)');
  }, 180_000);
});
