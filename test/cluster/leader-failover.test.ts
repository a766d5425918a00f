// kill -9 of the leader supervisor: another supervisor leads within 10 s and the topology is
// rescheduled onto the survivors and keeps running.
import { TestCluster, component, until, type StatusJson } from './cluster-harness.js';

describe('supervisor crash and stop', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 3, slotsPerSupervisor: 1, sequential: true });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('another supervisor takes over and the topology keeps running', async () => {
    const deployed = await cluster.gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'gen', '--workers', '2', '--set', 'rate=300']);
    expect(deployed.code).toBe(0);

    const leader = (await Promise.any(cluster.supervisors.map((s) => s.waitForEvent('leader.elected')))).data.id;
    const victim = cluster.supervisors.find((s) => s.id === leader)!;
    expect(victim.id).toBe('sup-a');
    const before = await cluster.json<StatusJson>(['status', 'gen']);
    expect(before.workers.running).toBe(2);
    // The even scheduler takes supervisors in id order: the leader runs one of the workers.
    expect(before.workerProcesses.map((w) => w.supervisor).sort()).toEqual(['sup-a', 'sup-b']);

    const survivors = cluster.supervisors.filter((s) => s !== victim);
    const marks = survivors.map((s) => s.eventCount);
    victim.crash();
    const crashedAt = Date.now();
    const next = (await Promise.any(survivors.map((s, i) => s.waitForEvent('leader.elected', undefined, 10_000, marks[i])))).data.id;
    expect(Date.now() - crashedAt).toBeLessThan(10_000);
    expect(cluster.supervisors.map((s) => s.id)).toContain(next);

    // The new leader reassigns the executors to the two surviving supervisors' slots; their
    // workers run and the spout emits.
    const moved = await until('the topology to run on the survivors', async () => {
      const s = await cluster.json<StatusJson>(['status', 'gen']);
      const ok = s.assignmentVersion! > before.assignmentVersion! && s.workers.running === 2
        && s.workerProcesses.every((w) => w.supervisor !== victim.id) && component(s, 'numbers').emitted > 0;
      return ok ? s : undefined;
    }, 30_000, 250);
    const emitted = component(moved, 'numbers').emitted;
    await until('the spout to keep emitting', async () => component(await cluster.json<StatusJson>(['status', 'gen']), 'numbers').emitted > emitted, 15_000, 250);

    // The crashed supervisor's worker noticed its parent is gone and exited (no orphan holds its port).
    const orphan = before.workerProcesses.find((w) => w.supervisor === victim.id)!.pid;
    await until('the orphaned worker to exit', async () => {
      try {
        process.kill(orphan, 0);
        return false;
      } catch {
        return true;
      }
    }, 15_000, 100);

    const listed = await cluster.gale(['list']);
    expect(listed.stdout).toMatch(/^gen +active +2\/2 /m);
  }, 120_000);

  it('SIGTERM stops a supervisor gracefully; the last one runs the topology alone', async () => {
    const stopping = cluster.supervisors.find((s) => s.running && s.isLeader)!;
    const before = await cluster.json<StatusJson>(['status', 'gen']);
    const itsWorker = before.workerProcesses.find((w) => w.supervisor === stopping.id)!;
    expect(itsWorker).toBeDefined();

    const last = cluster.supervisors.find((s) => s.running && s !== stopping)!;
    const mark = last.eventCount;
    stopping.child.kill('SIGTERM');
    const exit = await stopping.exited;
    expect(exit.code).toBe(0);
    expect(stopping.stderr).toContain(`gale: SIGTERM: stopping supervisor ${stopping.id}`);
    expect(stopping.stderr).toContain(`gale: supervisor ${stopping.id} stopped`);
    expect(() => process.kill(itsWorker.pid, 0)).toThrow(); // its worker was stopped first

    await last.waitForEvent('leader.elected', undefined, 15_000, mark);
    const alone = await until('the topology to run on one worker', async () => {
      const s = await cluster.json<StatusJson>(['status', 'gen']);
      return s.workers.assigned === 1 && s.workers.running === 1 && s.workerProcesses[0]?.supervisor === last.id ? s : undefined;
    }, 30_000, 250);
    await until('the spout to emit', async () =>
      component(await cluster.json<StatusJson>(['status', 'gen']), 'numbers').emitted > component(alone, 'numbers').emitted, 15_000, 250);
  }, 120_000);
});
