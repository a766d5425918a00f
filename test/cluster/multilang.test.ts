// A Python shell bolt on a two-supervisor cluster: it runs in both workers, a subprocess that
// exits is reported in `gale status` (component, task, exit code) and restarted, and every tuple
// is processed in the end.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../cli/gale-process.js';
import { TestCluster, component, until, type StatusJson } from './cluster-harness.js';

const FIXTURES = path.join(REPO_ROOT, 'packages', 'runtime', 'src', 'multilang', '__tests__', 'fixtures');
const ADAPTERS = path.join(REPO_ROOT, 'packages', 'runtime', 'multilang');

describe('shell components on a cluster', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 2 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('runs a Python bolt in two workers, reports its exit in gale status, restarts it and replays', async () => {
    const limit = 200;
    const markers = path.join(cluster.tmp, 'markers');
    mkdirSync(markers);
    const deployed = await cluster.gale(['deploy', 'test/cluster/fixtures/shell-words.ts', '--name', 'sw',
      '--set', `dir=${FIXTURES}`, '--set', `adapters=${ADAPTERS}`, '--set', `markers=${markers}`, '--set', `limit=${limit}`]);
    expect({ code: deployed.code, stderr: deployed.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('gale: deployed "sw"') });

    // Each worker's stats reach `gale status` with its own heartbeat, so the spout's worker can
    // report every line acked before the other worker's count task reports the words it ran:
    // wait for both (the assertions below still check them).
    const done = await until('every line acked and its words counted', async () => {
      const s = await cluster.json<StatusJson>(['status', 'sw']);
      const spout = component(s, 'numbers');
      return spout.acked === limit && spout.pending === 0 && component(s, 'count').executed >= 2 * limit ? s : undefined;
    }, 90_000, 300);
    expect(component(done, 'split').where).toHaveLength(2);
    expect(new Set(done.workerProcesses.map((w) => w.supervisor)).size).toBe(2);
    // Two words per line, plus the words of the replayed lines.
    expect(component(done, 'count').executed).toBeGreaterThanOrEqual(2 * limit);
    expect(component(done, 'numbers').failed).toBeGreaterThanOrEqual(1);
    const errors = done.errors.split ?? [];
    expect(errors).toEqual([expect.objectContaining({
      taskId: expect.any(Number) as number,
      message: expect.stringMatching(/^shell bolt "split" task \d+ \(python3 -u test_bolt\.py split\) exited with code 7; last stderr line: "split bolt up in task \d+"$/),
    })]);
    const task = (errors[0] as unknown as { taskId: number }).taskId;
    expect(errors[0]!.message).toContain(`"split" task ${task} `);
    const text = await cluster.gale(['status', 'sw']);
    expect(text.stdout).toMatch(/exited with code 7/);

    const killed = await cluster.gale(['kill', 'sw', '--wait', '0']);
    expect(killed.code).toBe(0);
  }, 180_000);
});
