// A supervisor stopped while ZooKeeper is unreachable (issue 13, item 5): its ZooKeeper cleanup
// (leave the election, unregister, close the session) used to run in series, each call waiting
// for its own ZooKeeper timeout (38 s measured with a 12 s session), past systemd's stop timeout.
// Now the cleanup runs in parallel under one short deadline: the ephemerals expire with the
// session anyway.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startZk, type ZkServer } from '../../../../../test/harness/zk.js';
import { freePort } from '../../../../../test/harness/ports.js';
import { CLUSTER_CONFIG_DEFAULTS } from '../../config/cluster-config.js';
import { rootLog } from '../../log.js';
import { Supervisor } from '../supervisor.js';

let zk: ZkServer;
let tmp: string;

beforeAll(async () => {
  zk = await startZk({ tickMs: 1000 });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'gale-supervisor-stop-'));
});
afterAll(async () => {
  await zk?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('close() is bounded when ZooKeeper is down', async () => {
  const port = await freePort();
  const s = new Supervisor({
    zk: zk.connectString, zkRoot: '/sup-stop', id: 'sup-a', host: '127.0.0.1', ports: [port], dir: path.join(tmp, 'sup-a'),
    sessionTimeoutMs: 12_000, connectTimeoutMs: 5000, heartbeatMs: 500, workerTimeoutMs: 5000,
    workerMain: path.join(tmp, 'no-worker-main.js'), galeScopeDir: tmp, version: 'test', log: rootLog.child({ supervisor: 'sup-a' }),
  });
  await s.start();
  await zk.kill();
  const started = Date.now();
  await s.close();
  const tookMs = Date.now() - started;
  process.stderr.write(`supervisor-stop-zk-down: close() took ${tookMs} ms with ZooKeeper down (session 12 s)\n`);
  // The cleanup's deadline, then the session close's (24 s before, with the calls in series).
  expect(tookMs).toBeLessThan(2 * CLUSTER_CONFIG_DEFAULTS.shutdownZkDeadlineMs + 1000);
}, 60_000);
