// A topology record corrupted by another process (a bad tool, a hand edit): `gale status` names
// the znode and what is wrong (exit 1, one line), while the supervisor, its leader role and the
// topology's workers keep running; fixing the record makes it manageable again.
import { AssignmentStore, WorkerHeartbeatStore, zkPaths } from '../../packages/runtime/src/coord/index.js';
import { TestCluster, until } from './cluster-harness.js';

describe('a corrupt topology record', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 1 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('gives a typed error naming the znode and does not crash the supervisor', async () => {
    const deployed = await cluster.gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'gen', '--workers', '1', '--set', 'rate=50']);
    expect(deployed.code).toBe(0);
    const zk = await cluster.zkClient();
    const paths = zkPaths(cluster.root);
    const path = paths.topology('gen');
    const original = (await zk.getData(path)).data;
    await zk.setData(path, Buffer.from(JSON.stringify({ ...JSON.parse(original.toString('utf8')) as object, status: 42 })));

    const status = await cluster.gale(['status', 'gen']);
    expect({ code: status.code, stdout: status.stdout, stderr: status.stderr }).toEqual({
      code: 1, stdout: '', stderr: `gale: znode ${path} holds bad data: "status" must be one of active, inactive, killed, got 42\n`,
    });
    const notJson = Buffer.from('{"name": "gen", ');
    await zk.setData(path, notJson);
    const kill = await cluster.gale(['kill', 'gen', '--wait', '0']);
    expect(kill.code).toBe(1);
    expect(kill.stderr).toMatch(new RegExp(`^gale: znode ${path} holds bad data: not JSON \\(.*\\)\\n$`));

    // The leader still schedules: assigning another topology means it reconciled, reading the
    // corrupt record too, since that was written.
    const sup = cluster.supervisors[0]!;
    const other = await cluster.gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'gen2', '--workers', '1', '--set', 'rate=50']);
    expect(other.code).toBe(0);
    // It neither dropped the corrupt topology's assignment nor stopped its worker.
    const assignment = await new AssignmentStore(zk, paths).get('gen');
    expect(assignment?.value.workers).toHaveLength(1);
    const beats = await new WorkerHeartbeatStore(zk, paths).list('gen');
    expect(beats.beats.map((b) => b.state)).toEqual(['running']);
    expect(sup.running).toBe(true);

    // Repaired, the topology is managed as usual again.
    await zk.setData(path, original);
    await until('status of the repaired record', async () => (await cluster.gale(['status', 'gen'])).code === 0);
    expect((await cluster.gale(['kill', 'gen', '--wait', '0'])).code).toBe(0);
    expect((await cluster.gale(['kill', 'gen2', '--wait', '0'])).code).toBe(0);
    expect(sup.running).toBe(true);
  });
});
