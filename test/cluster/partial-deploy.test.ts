// A deploy that gets fewer workers than it asks for (one supervisor with one slot, two workers
// asked): it runs and exits 0, but says so, and `gale list` shows the partial count.
import { TestCluster } from './cluster-harness.js';

interface ListJson {
  name: string;
  workers: number;
  workersRunning: number;
  workersAssigned: number;
}

describe('a partial assignment', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 1, slotsPerSupervisor: 1 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('is reported by deploy (exit 0 with a warning) and by gale list', async () => {
    const deployed = await cluster.gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'gen', '--workers', '2', '--set', 'rate=50']);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toMatch(/^worker +supervisor +executors$/m);
    expect(deployed.stderr).toContain('gale: warning: "gen" got 1 of 2 workers asked: no free worker slots');

    const listed = (await cluster.json<ListJson[]>(['list'])).find((t) => t.name === 'gen');
    expect(listed).toMatchObject({ workers: 2, workersRunning: 1, workersAssigned: 1 });
    const text = await cluster.gale(['list']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^gen +active +1\/2 \(1 assigned\) /m);
  });
});
