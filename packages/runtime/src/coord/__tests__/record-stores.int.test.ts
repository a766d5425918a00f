// The typed stores on a real ZooKeeper: records round-trip, compare-and-set updates survive a
// concurrent writer, and a corrupt znode written by someone else is a GALE_ERR_ZK_BAD_DATA
// naming its path (listed apart from the good ones), never a crash.
import { randomUUID } from 'node:crypto';
import { startZk, type ZkServer } from '../../../../../test/harness/zk.js';
import { TOPOLOGY_CONFIG_DEFAULTS } from '../../config/topology-config.js';
import { AssignmentStore } from '../assignment-store.js';
import { WorkerHeartbeatStore } from '../heartbeat-store.js';
import { ensureLayout } from '../layout.js';
import { zkPaths, type ZkPaths } from '../paths.js';
import type { TopologyRecord } from '../records.js';
import { SupervisorStore } from '../supervisor-store.js';
import { TopologyStore } from '../topology-store.js';
import { ZkClient } from '../zk-client.js';
import { ZkError } from '../zk-errors.js';

let zk: ZkServer;
let client: ZkClient;

beforeAll(async () => {
  zk = await startZk({ tickMs: 1000 });
  client = await ZkClient.connect({ connectString: zk.connectString, sessionTimeoutMs: 4000 });
});
afterAll(async () => {
  await client?.close();
  await zk?.stop();
});

async function freshRoot(): Promise<ZkPaths> {
  const paths = zkPaths(`/t-${randomUUID().slice(0, 8)}`);
  await ensureLayout(client, paths);
  return paths;
}

function record(name: string): TopologyRecord {
  return {
    name, codeSha256: 'c'.repeat(64), source: `${name}.ts`, params: {}, config: TOPOLOGY_CONFIG_DEFAULTS, status: 'active',
    parallelism: { numbers: 1 }, numTasks: { numbers: 1 }, workers: 1, deployedAt: Date.now(),
  };
}

async function rejection(p: Promise<unknown>): Promise<ZkError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ZkError);
  return err as ZkError;
}

describe('record stores on a real ZooKeeper', () => {
  test('topology records: create, get, compare-and-set update under contention, list, remove', async () => {
    const paths = await freshRoot();
    const a = new TopologyStore(client, paths);
    const other = await ZkClient.connect({ connectString: zk.connectString });
    try {
      const b = new TopologyStore(other, paths);
      await a.create(record('wc'));
      expect((await rejection(a.create(record('wc')))).code).toBe('GALE_ERR_ZK_NODE_EXISTS');
      // Two sessions bump the worker count 10 times each: no update is lost.
      const bump = (s: TopologyStore): Promise<unknown> => s.update('wc', (r) => ({ ...r, workers: r.workers + 1 }));
      await Promise.all(Array.from({ length: 10 }, (_, i) => bump(i % 2 === 0 ? a : b)).concat(Array.from({ length: 10 }, () => bump(b))));
      expect((await a.get('wc'))?.value.workers).toBe(21);
      expect(await a.names()).toEqual(['wc']);
      expect((await rejection(a.update('nope', (r) => r))).code).toBe('GALE_ERR_ZK_NO_NODE');
      await a.remove('wc');
      expect(await a.get('wc')).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  test('a corrupt record is a typed error naming its path, and does not hide the others', async () => {
    const paths = await freshRoot();
    const store = new TopologyStore(client, paths);
    await store.create(record('good'));
    await client.create(paths.topology('bad'), Buffer.from('{"name": "bad", "status": '));
    await client.create(paths.topology('wrong'), Buffer.from(JSON.stringify({ ...record('wrong'), status: 'paused' })));

    const notJson = await rejection(store.get('bad'));
    expect(notJson.code).toBe('GALE_ERR_ZK_BAD_DATA');
    expect(notJson.path).toBe(paths.topology('bad'));
    expect(notJson.message).toMatch(new RegExp(`^znode ${paths.topology('bad')} holds bad data: not JSON`));
    expect((await rejection(store.read('wrong'))).message)
      .toBe(`znode ${paths.topology('wrong')} holds bad data: "status" must be one of active, inactive, killed, got "paused"`);
    // An update never overwrites what it could not read.
    expect((await rejection(store.update('bad', (r) => r))).code).toBe('GALE_ERR_ZK_BAD_DATA');

    const all = await store.list();
    expect([...all.entries.keys()]).toEqual(['good']);
    expect(all.bad.map((e) => e.path).sort()).toEqual([paths.topology('bad'), paths.topology('wrong')]);
  });

  test('assignments, supervisors and heartbeats are validated too', async () => {
    const paths = await freshRoot();
    await client.create(paths.assignment('wc'), Buffer.from(JSON.stringify({ topology: 'wc', version: 'one' })));
    expect((await rejection(new AssignmentStore(client, paths).get('wc'))).message)
      .toBe(`znode ${paths.assignment('wc')} holds bad data: "version" must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got "one"`);

    const sups = new SupervisorStore(client, paths);
    await sups.register({ id: 'sup-1', host: 'h', ports: [6700], pid: 1, version: 'x', startedAt: 1 }, 0);
    await client.create(paths.supervisor('sup-2'), Buffer.from('[]'), 'ephemeral');
    const read = await sups.list();
    expect([...read.entries.keys()]).toEqual(['sup-1']);
    expect(read.bad[0]?.message).toBe(`znode ${paths.supervisor('sup-2')} holds bad data: want a JSON object, got []`);
    expect(await sups.ids()).toEqual(['sup-1', 'sup-2']);

    const beats = new WorkerHeartbeatStore(client, paths);
    const hb = {
      topology: 'wc', supervisor: 'sup-1', host: 'h', port: 6700, pid: process.pid, assignmentVersion: 1, state: 'running' as const,
      time: Date.now(), executors: ['numbers#0'], stats: [],
    };
    await beats.publish(hb, true);
    await beats.publish({ ...hb, time: hb.time + 1 }, false);
    await client.mkdirp(paths.workersDir('wc'));
    await client.create(paths.worker('wc', 'sup-1', 6701), Buffer.from(JSON.stringify({ ...hb, port: 6701, pid: -1 })), 'ephemeral');
    const listed = await beats.list('wc');
    expect(listed.beats).toEqual([{ ...hb, time: hb.time + 1 }]);
    expect(listed.bad.map((e) => e.message)).toEqual([`znode ${paths.worker('wc', 'sup-1', 6701)} holds bad data: "pid" must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, got -1`]);
  });
});
