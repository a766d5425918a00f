// Regression test: after kill -9 + restart of the ZooKeeper server within the session timeout,
// every ZkClient session must reconnect. node-zookeeper-client 1.1.3 clears its connect timeout once
// the TCP connect succeeds and arms the socket timeout only after CONNECTED, so a ConnectRequest the
// restarting server never answers left it in CONNECTING with an open socket for ever (seen with 4 of
// 12 clients); ZkClient's watchdog now drops such a stalled reconnect and dials again.
import { ZkClient } from '../../packages/runtime/src/coord/index.js';
import { until } from '../cluster/cluster-harness.js';
import { startZk } from '../harness/zk.js';

it('every ZkClient session reconnects after a ZooKeeper kill -9 + quick restart', async () => {
  const zk = await startZk({ tickMs: 500 });
  const log = { info() {}, warn() {}, error() {}, debug() {}, child() { return log; } };
  const clients: ZkClient[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    for (let i = 0; i < 12; i++) {
      const c = await ZkClient.connect({ connectString: zk.connectString, sessionTimeoutMs: 4000, log } as unknown as Parameters<typeof ZkClient.connect>[0]);
      await c.create(`/e${i}`, Buffer.from('x'), 'ephemeral');
      clients.push(c);
      timers.push(setInterval(() => void c.setData(`/e${i}`, Buffer.from(String(Date.now()))).catch(() => {}), 50));
    }
    await until('load', async () => true);
    await zk.kill();
    await new Promise((r) => setTimeout(r, 2500)); // down for less than the session timeout
    await zk.restart();
    const states = (): Promise<string[]> => Promise.all(clients.map((c, i) => c.exists(`/e${i}`).then((s) => (s ? 'ok' : 'gone'), (e: { code?: string }) => e.code ?? 'error')));
    let last: string[] = [];
    await until('every session back', async () => {
      last = await states();
      return last.every((s) => s === 'ok');
    }, 20_000, 500).catch(() => {});
    expect(last).toEqual(clients.map(() => 'ok'));
  } finally {
    timers.forEach(clearInterval);
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await zk.stop();
  }
}, 60_000);
