// A deploy that nobody can schedule (no supervisor, so no leader) is removed by `gale kill` at once:
// the client does the leader's cleanup itself instead of waiting for a leader that does not exist.
import { AssignmentStore, CodeStore, TopologyStore, zkPaths } from '../../packages/runtime/src/coord/index.js';
import { TestCluster, lines } from './cluster-harness.js';

describe('gale kill of a topology nobody runs', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 0 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('removes the record, assignment and code at once, keeping code another topology uses', async () => {
    for (const name of ['lonely', 'lonely2']) {
      const d = await cluster.gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', name, '--wait', '0']);
      expect(d.code).toBe(0);
    }
    const zk = await cluster.zkClient();
    const paths = zkPaths(cluster.root);
    const topologies = new TopologyStore(zk, paths);
    const sha = (await topologies.read('lonely')).value.codeSha256;
    expect((await topologies.read('lonely2')).value.codeSha256).toBe(sha);
    // As if a leader had assigned it before every supervisor went away.
    const record = (await topologies.read('lonely')).value;
    await zk.commit([new AssignmentStore(zk, paths).createOp({
      topology: 'lonely', version: 1, codeSha256: sha, parallelism: record.parallelism,
      workers: [{ supervisor: 'gone', host: '127.0.0.1', port: 1, executors: ['numbers#0'] }],
    })]);
    expect(await zk.exists(paths.assignment('lonely'))).not.toBeNull();

    const started = Date.now();
    const k = await cluster.gale(['kill', 'lonely']);
    expect({ code: k.code, stdout: k.stdout }).toEqual({ code: 0, stdout: '' });
    expect(lines(k.stderr)).toEqual([
      'gale: no supervisor or leader is running, so nothing runs "lonely"; removed its record, assignment and code',
      'gale: killed "lonely"',
    ]);
    // Neither the kill wait (messageTimeoutMs) nor the 60 s removal timeout.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await topologies.get('lonely')).toBeUndefined();
    expect(await zk.exists(paths.assignment('lonely'))).toBeNull();
    // lonely2 uses the same bundle: it stays.
    expect(await new CodeStore(zk, paths).list()).toEqual([sha]);

    const k2 = await cluster.gale(['kill', 'lonely2']);
    expect(k2.code).toBe(0);
    expect(await topologies.get('lonely2')).toBeUndefined();
    expect(await new CodeStore(zk, paths).list()).toEqual([]);
    const list = await cluster.gale(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain('lonely');
  });
});
