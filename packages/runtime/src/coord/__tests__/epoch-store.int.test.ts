// Worker launch epochs come from ZooKeeper, never from a wall clock: each launch takes the next
// value of the topology's counter with compare-and-set, so concurrent launches get distinct values
// and a later launch always has a higher epoch, whatever any machine's clock says.
import { randomUUID } from 'node:crypto';
import { startZk, type ZkServer } from '../../../../../test/harness/zk.js';
import { EpochStore } from '../epoch-store.js';
import { WorkerHeartbeatStore } from '../heartbeat-store.js';
import { ensureLayout } from '../layout.js';
import { zkPaths, type ZkPaths } from '../paths.js';
import { validateEpochCounter, validateWorkerHeartbeat } from '../record-validators.js';
import type { WorkerHeartbeat } from '../records.js';
import { ZkClient } from '../zk-client.js';

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

describe('EpochStore (real ZooKeeper)', () => {
  it('hands out 1, 2, 3, ... per topology, independent of Date.now()', async () => {
    const store = new EpochStore(client, await freshRoot());
    expect(await store.last('wc')).toBe(0);
    const realNow = Date.now;
    try {
      Date.now = () => 1000; // a clock stepped far back changes nothing
      expect([await store.next('wc'), await store.next('wc'), await store.next('wc')]).toEqual([1, 2, 3]);
    } finally {
      Date.now = realNow;
    }
    expect(await store.next('other')).toBe(1);
    expect(await store.last('wc')).toBe(3);
  });

  it('concurrent launches (two clients racing) get distinct, increasing epochs', async () => {
    const paths = await freshRoot();
    const second = await ZkClient.connect({ connectString: zk.connectString, sessionTimeoutMs: 4000 });
    try {
      const a = new EpochStore(client, paths);
      const b = new EpochStore(second, paths);
      const got = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).next('wc')));
      expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    } finally {
      await second.close();
    }
  });

  it('a corrupt counter is GALE_ERR_ZK_BAD_DATA naming its path; removeTopology drops the counter', async () => {
    const paths = await freshRoot();
    const store = new EpochStore(client, paths);
    await store.next('wc');
    await client.setData(paths.epochCounter('wc'), Buffer.from('{"topology":"wc","last":-3}'));
    await expect(store.next('wc')).rejects.toMatchObject({ code: 'GALE_ERR_ZK_BAD_DATA', message: expect.stringContaining(paths.epochCounter('wc')) });
    await store.removeTopology('wc');
    await store.removeTopology('wc'); // missing is fine
    expect(await client.exists(paths.epochCounter('wc'))).toBeNull();
    expect(await store.next('wc')).toBe(1);
  });

  it('the epoch travels in the heartbeat and is validated there', async () => {
    const paths = await freshRoot();
    const beats = new WorkerHeartbeatStore(client, paths);
    const hb: WorkerHeartbeat = {
      topology: 'wc', supervisor: 'sup-1', host: 'h', port: 6700, pid: 1, assignmentVersion: 1, state: 'starting', time: 0, epoch: 42,
      executors: [], stats: [],
    };
    await beats.publish(hb, true);
    expect((await beats.get('wc', 'sup-1', 6700))?.value.epoch).toBe(42);
    const p = paths.worker('wc', 'sup-1', 6700);
    expect(() => validateWorkerHeartbeat(p, { ...hb, epoch: 0 })).toThrow(expect.objectContaining({ code: 'GALE_ERR_ZK_BAD_DATA', message: expect.stringContaining('"epoch"') }));
    expect(() => validateWorkerHeartbeat(p, { ...hb, epoch: 'x' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_ZK_BAD_DATA' }));
    expect(validateWorkerHeartbeat(p, { ...hb, epoch: undefined }).epoch).toBeUndefined(); // an older worker's beat
    expect(() => validateEpochCounter(paths.epochCounter('wc'), { topology: 'other', last: 1 }, 'wc')).toThrow(expect.objectContaining({ code: 'GALE_ERR_ZK_BAD_DATA' }));
  });
});
