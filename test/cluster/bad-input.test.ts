// Mistakes and failures around a cluster: unreachable ZooKeeper, duplicate and unknown topology
// names, a port already in use, corrupt code in ZooKeeper, usage errors. One `gale: ...` line each.
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import type { TopologyRecord } from '../../packages/runtime/src/cluster/model.js';
import { TOPOLOGY_CONFIG_DEFAULTS } from '../../packages/runtime/src/config/topology-config.js';
import { CodeStore, SupervisorStore, zkPaths } from '../../packages/runtime/src/coord/index.js';
import { expectUsageError, gale } from '../cli/gale-process.js';
import { freePort } from '../harness/ports.js';
import { SupervisorProcess, TestCluster, lines, until, type StatusJson } from './cluster-harness.js';

const ZK_HINT = 'start one with deploy/zookeeper.sh start, or point --zk (or $GALE_ZK) at a running one';

describe('gale cluster commands: bad input', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 1 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('says once, within the connect timeout, that ZooKeeper cannot be reached', async () => {
    const port = await freePort();
    const timed = async (p: ReturnType<typeof gale>): Promise<[Awaited<ReturnType<typeof gale>>, number]> => {
      const started = Date.now();
      const r = await p;
      return [r, Date.now() - started];
    };
    const [[list, listMs], [status, statusMs]] = await Promise.all([
      timed(gale(['list', '--zk', `127.0.0.1:${port}`, '--connect-timeout', '1000'])),
      timed(gale(['status', 'x'], { env: { GALE_ZK: `127.0.0.1:${port}` } })),
    ]);
    expect({ code: list.code, stdout: list.stdout, stderr: list.stderr })
      .toEqual({ code: 1, stdout: '', stderr: `gale: cannot reach ZooKeeper at 127.0.0.1:${port} within 1000 ms; ${ZK_HINT}\n` });
    // $GALE_ZK and the default connect timeout.
    expect({ code: status.code, stderr: status.stderr }).toEqual({ code: 1, stderr: `gale: cannot reach ZooKeeper at 127.0.0.1:${port} within 5000 ms; ${ZK_HINT}\n` });
    // Node's start-up adds a second or two on a busy machine; the timeouts are what differ.
    expect(statusMs - listMs).toBeGreaterThan(2500);
    expect(statusMs).toBeLessThan(12_000);
  });

  it('refuses a duplicate name and names unknown topologies', async () => {
    const first = await cluster.gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'dup', '--workers', '1', '--set', 'rate=50']);
    expect(first.code).toBe(0);
    const again = await cluster.gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'dup', '--workers', '1']);
    expect({ code: again.code, stdout: again.stdout, stderr: again.stderr }).toEqual({
      code: 1, stdout: '', stderr: 'gale: a topology named "dup" is already deployed; kill it first or choose another --name\n',
    });

    for (const cmd of [['kill', 'nope'], ['status', 'nope'], ['deactivate', 'nope'], ['rebalance', 'nope', '--workers', '2']]) {
      const r = await cluster.gale(cmd);
      expect({ cmd, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
        cmd, code: 1, stdout: '', stderr: 'gale: no topology named "nope" (deployed: dup)\n',
      });
    }
    expect((await cluster.gale(['kill', 'dup', '--wait', '0'])).code).toBe(0);
  });

  it('writes nothing to ZooKeeper when the topology has a usage error', async () => {
    const r = await cluster.gale(['deploy', 'topologies/word-count.ts', '--name', 'broken', '--set', 'input=/tmp/x']);
    expectUsageError(r, 'this topology needs --set output=<string>');
    expect(await cluster.json<unknown[]>(['list'])).toEqual([]);
  });

  it('says which workers are missing when a deploy times out', async () => {
    // An empty cluster root: no supervisor will ever assign it.
    // --no-typecheck: the type check (seconds of CPU on a busy machine) is not what this tests.
    const r = await gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'lonely', '--wait', '1', '--no-typecheck',
      '--zk', cluster.zk.connectString, '--zk-root', '/gale-empty']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gale: deployed "lonely"');
    expect(r.stderr).toContain('gale: "lonely" was not assigned within 1 s: no supervisor is running (none registered under /gale-empty/supervisors)');
    expect(r.stderr).toContain('gale: see "gale status lonely"');
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('a supervisor exits 1 naming a port that is already in use', async () => {
    const port = await freePort();
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(port, '127.0.0.1', resolve));
    try {
      const r = await gale(['supervisor', '--zk', cluster.zk.connectString, '--zk-root', cluster.root, '--host', '127.0.0.1',
        '--ports', String(port), '--id', 'busy', '--dir', `${cluster.tmp}/busy`]);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
      expect(lines(r.stderr)).toEqual([`gale: port ${port} on 127.0.0.1 is already in use; choose other --ports`]);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('a supervisor exits 1 naming a port another registered supervisor on the same host offers', async () => {
    // Registered but not listening: its slot ports are bound only when workers run there.
    const [mine, theirs] = [await freePort(), await freePort()];
    const zk = await cluster.zkClient();
    const store = new SupervisorStore(zk, zkPaths(cluster.root));
    await store.register({ id: 'sup-other', host: '127.0.0.1', ports: [theirs], pid: 4242, version: '0.0.0', startedAt: Date.now() }, 0);
    // Unregistered at once: the leader would otherwise schedule later tests' workers onto it.
    const r = await gale(['supervisor', ...cluster.flags, '--host', 'localhost', '--ports', `${mine},${theirs}`,
      '--id', 'overlap', '--dir', `${cluster.tmp}/overlap`]).finally(() => store.unregister('sup-other'));
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(lines(r.stderr)).toEqual([
      `gale: port ${theirs} on localhost is already a slot of supervisor "sup-other" (pid 4242, registered in ZooKeeper); choose other --ports`,
    ]);
    // It registered nothing.
    expect(await zk.exists(zkPaths(cluster.root).supervisor('overlap'))).toBeNull();
  });

  it('a supervisor refuses code whose chunks do not match its sha256, and gale status shows why', async () => {
    const zk = await cluster.zkClient();
    const paths = zkPaths(cluster.root);
    const meta = await new CodeStore(zk, paths).upload(Buffer.from(`export default 42;\n// ${'padding '.repeat(200)}\n`));
    const chunk = paths.codeChunk(meta.sha256, 0);
    const bytes = Buffer.from((await zk.getData(chunk)).data);
    bytes[bytes.length >> 1]! ^= 0xff;
    await zk.setData(chunk, bytes);
    const record: TopologyRecord = {
      name: 'corrupt', codeSha256: meta.sha256, source: 'corrupt.ts', params: {},
      config: { ...TOPOLOGY_CONFIG_DEFAULTS, ackers: 0 }, status: 'active',
      parallelism: { numbers: 1 }, numTasks: { numbers: 1 }, workers: 1, deployedAt: Date.now(),
    };
    await zk.create(paths.topology('corrupt'), Buffer.from(JSON.stringify(record)));

    const s = await until('a supervisor error', async () => {
      const st = await cluster.json<StatusJson>(['status', 'corrupt']);
      return (st.errors.__supervisor ?? []).length > 0 ? st : undefined;
    }, 30_000, 200);
    const err = s.errors.__supervisor![0]!;
    expect(err.code).toBe('GALE_ERR_CODE_HASH_MISMATCH');
    expect(err.message).toContain(`supervisor sup-a cannot get the code of "corrupt": code bundle ${meta.sha256} failed verification`);
    expect(s.workers.running).toBe(0);

    const text = await cluster.gale(['status', 'corrupt']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ {2}__supervisor +\S+ +127\.0\.0\.1 +supervisor sup-a cannot get the code of "corrupt": .*failed verification/m);

    expect((await cluster.gale(['kill', 'corrupt', '--wait', '0'])).code).toBe(0);
    expect(await cluster.json<unknown[]>(['list'])).toEqual([]);
  });

  it('a cluster with a secret: clients without it are refused, and it is never printed', async () => {
    const secret = 'test-secret-0123456789abcdef';
    const secretFile = path.join(cluster.tmp, 'secret');
    writeFileSync(secretFile, `${secret}\n`);
    const flags = ['--zk', cluster.zk.connectString, '--zk-root', '/gale-secret'];
    const port = await freePort();
    const sup = new SupervisorProcess('sup-s', [port], [...flags, '--secret-file', secretFile, '--host', '127.0.0.1', '--ports', String(port),
      '--id', 'sup-s', '--dir', path.join(cluster.tmp, 'sup-s'), '--session-timeout', '4000', '--heartbeat', '500']);
    cluster.supervisors.push(sup);
    await sup.waitForEvent('ready');

    const withSecret = { env: { GALE_CLUSTER_SECRET: secret } };
    // Not waiting for the worker here (--wait 0): the poll below waits for it with its own deadline.
    const deployed = await gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'g', '--workers', '1', '--set', 'rate=50',
      '--no-typecheck', '--wait', '0', ...flags], withSecret);
    expect(deployed.code).toBe(0);
    const refused = await gale(['list', ...flags]);
    expect({ code: refused.code, stderr: refused.stderr })
      .toEqual({ code: 1, stderr: 'gale: ZooKeeper denied access to /gale-secret/secret: the cluster secret is missing or wrong\n' });
    const wrong = await gale(['status', 'g', ...flags], { env: { GALE_CLUSTER_SECRET: 'another-secret-0123456789' } });
    expect(wrong.code).toBe(1);
    const short = await gale(['list', ...flags], { env: { GALE_CLUSTER_SECRET: 'short' } });
    expectUsageError(short, 'the cluster secret ($GALE_CLUSTER_SECRET) must have at least 16 bytes, got 5');

    const running = await until('the worker to run', async () => {
      const r = await gale(['status', 'g', '--json', ...flags, '--secret-file', secretFile]);
      const st = JSON.parse(r.stdout) as StatusJson;
      return st.workers.running === 1 ? r : undefined;
    }, 30_000, 200);
    const killed = await gale(['kill', 'g', '--wait', '0', ...flags], withSecret);
    expect(killed.code).toBe(0);
    for (const text of [deployed.stdout, deployed.stderr, running.stdout, running.stderr, killed.stderr, sup.stderr]) expect(text).not.toContain(secret);
  });

  it.each([
    [['supervisor', '--host', 'h', '--ports', '70000'], '--ports "70000": ports must be 1-65535'],
    [['supervisor', '--host', 'h', '--ports', '6700-6701', '--slots', '3'], '--slots 3 needs 3 ports, but --ports 6700-6701 has 2'],
    [['supervisor', '--ports', '6700'], 'missing --host'],
    [['deploy'], 'missing topology file: gale deploy <file>'],
    [['kill'], 'missing topology name: gale kill <name>'],
    [['status', 'a', 'b'], 'unexpected argument "b": gale status takes one topology name'],
    [['rebalance', 'x'], 'nothing to change: give --workers <n> and/or --parallelism <component>=<n>'],
    [['rebalance', 'x', '--parallelism', 'split'], '--parallelism "split" is not <component>=<executors>'],
    [['kill', 'x', '--wait', '-1'], '--wait must be 0 to 86400 seconds'],
    [['list', '--zk', 'nohost'], '--zk "nohost" is not a ZooKeeper connect string'],
    [['list', '--zk-root', 'gale'], '--zk-root "gale" must be an absolute znode path'],
    [['status', 'bad/name'], 'topology name "bad/name" is not a valid topology name'],
    [['list', '--jsn'], 'unknown option "--jsn" for "gale list" (did you mean "--json"?)'],
    [['list', '--secret-file', '/nonexistent/secret'], 'cannot read --secret-file /nonexistent/secret: ENOENT'],
  ])('usage error: gale %j', async (args, phrase) => {
    expectUsageError(await gale(args), phrase);
  });
});
