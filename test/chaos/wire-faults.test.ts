// Frame loss, delay and reorder on live connections between two workers (issue 13 item 9), on
// one machine without netem: each worker dials the other through a userspace TCP fault proxy
// (test/harness/fault-proxy.ts), routed by the test-only GALE_TEST_PEER_ROUTES
// (cluster/peer-routes.ts). Under load, the proxies add latency, swap chunks, lose chunks on open
// connections, cut connections mid-chunk (mid-frame), reset them, and finally blackhole traffic
// (a silent partition only the app-level ping can detect). Bytes that arrive corrupted are
// refused by the receiver, which drops the connection; records and acker messages lost with a
// connection time out and replay. Required: every tree recovered (every id acked once, none
// lost), no worker restarted, then U5/U6.
import { until, type TestCluster } from '../cluster/cluster-harness.js';
import { FaultProxy, type Faults } from '../harness/fault-proxy.js';
import { freePort } from '../harness/ports.js';
import {
  ackedAtLeast, ackedCount, alive, closeScenario, deploy, finish, longestStall, report, sec, startChaosCluster, status, trackRunTimes, workersBySpout,
} from './chaos-harness.js';

const N = Number(process.env.CHAOS_N ?? 20_000);
const RATE = Number(process.env.CHAOS_RATE ?? 1000);

/** Transport counters of the topology's workers, from their heartbeats in ZooKeeper. */
async function transportTotals(cluster: TestCluster): Promise<{ reconnects: number; rejectedFrames: number }> {
  const zk = await cluster.zkClient();
  const dir = `${cluster.root}/workers/numbered`;
  const total = { reconnects: 0, rejectedFrames: 0 };
  for (const child of await zk.getChildren(dir)) {
    const hb = JSON.parse((await zk.getData(`${dir}/${child}`)).data.toString('utf8')) as { transport?: { reconnects: number; rejectedFrames: number } };
    total.reconnects += hb.transport?.reconnects ?? 0;
    total.rejectedFrames += hb.transport?.rejectedFrames ?? 0;
  }
  return total;
}

describe('chaos: wire faults between two workers (TCP fault proxy)', () => {
  let cluster: TestCluster | undefined;
  const proxies: FaultProxy[] = [];

  afterEach(async () => {
    delete process.env.GALE_TEST_PEER_ROUTES;
    const c = cluster;
    cluster = undefined;
    try {
      await closeScenario(c);
    } finally {
      await Promise.all(proxies.splice(0).map((p) => p.close()));
    }
  });

  afterAll(() => {
    report('wire-faults.test.ts');
  });
  trackRunTimes();

  it('latency, reordered and lost chunks, mid-frame cuts, resets and a blackhole: every tree recovers, no worker restarts', async () => {
    cluster = await startChaosCluster(0);
    const c = cluster;
    // Slot ports first, so the proxies (and the routes the workers read) exist before any worker.
    const portA = await freePort();
    let portB = await freePort();
    while (portB === portA) portB = await freePort();
    const toA = await FaultProxy.start({ host: '127.0.0.1', port: portA });
    const toB = await FaultProxy.start({ host: '127.0.0.1', port: portB });
    proxies.push(toA, toB);
    process.env.GALE_TEST_PEER_ROUTES = `127.0.0.1:${portA}=127.0.0.1:${toA.port},127.0.0.1:${portB}=127.0.0.1:${toB.port}`;
    await c.startSupervisor('sup-a', 1, [], [portA]);
    await c.startSupervisor('sup-b', 1, [], [portB]);
    delete process.env.GALE_TEST_PEER_ROUTES;

    const run = await deploy(c, { n: N, rate: RATE });
    await ackedAtLeast(run, N * 0.15);
    const { status: before } = await workersBySpout(c);
    // Both directions really go through the proxies.
    await until('traffic through both proxies', async () => toA.stats.bytes > 0 && toB.stats.bytes > 0 && toA.open > 0 && toB.open > 0, 10_000, 100);
    const baseline = await transportTotals(c);

    const both = (f: Faults): void => {
      toA.set(f);
      toB.set(f);
    };
    const phases: { name: string; at: number; acked: number }[] = [];
    const phase = async (name: string, ms: number, during?: () => void): Promise<void> => {
      phases.push({ name, at: Date.now(), acked: ackedCount(run.out) });
      const end = Date.now() + ms;
      while (Date.now() < end) {
        during?.();
        await new Promise((r) => setTimeout(r, 300));
      }
    };
    const faultAt = Date.now();
    both({ delayMs: 150, jitterMs: 100 });
    await phase('latency 150-250 ms', 3000);
    both({ reorder: true });
    await phase('chunks swapped', 2000);
    both({ lossRate: 0.05 });
    await phase('5% of chunks lost', 2000);
    both({});
    await phase('mid-chunk cuts', 2000, () => {
      toA.cutMidChunk();
      toB.cutMidChunk();
    });
    await phase('resets every 300 ms', 2000, () => {
      toA.dropAll();
      toB.dropAll();
    });
    both({ blackhole: true });
    await phase('blackhole (silent partition)', 7000);
    both({});
    const endAt = Date.now();
    phases.push({ name: 'healed', at: endAt, acked: ackedCount(run.out) });

    const reconnectedAt = await until('both directions connected again', async () => (toA.open > 0 && toB.open > 0 ? Date.now() : undefined), 30_000, 100);
    const row = await finish(run, 'wire faults via TCP proxy (latency, reorder, loss, cuts, resets, blackhole)', faultAt, { healedSec: sec(reconnectedAt - endAt) }, {});
    const after = await transportTotals(c).catch(() => baseline);
    const perPhase = phases.slice(0, -1).map((p, i) => `${p.name}: ${phases[i + 1]!.acked - p.acked} acked, pause ${sec(longestStall(run, p.at, phases[i + 1]!.at))} s`);
    row.pauseSec = sec(longestStall(run, faultAt, endAt + 15_000));
    const st = (p: FaultProxy): string => `${p.stats.connections} conns, ${p.stats.reordered} swapped, ${p.stats.lost} lost, ${p.stats.cut} cut, ${p.stats.dropped} reset, ${p.stats.blackholed} blackholed`;
    row.note = `healed = both directions reconnected after the blackhole; ${perPhase.join('; ')}; proxy to A: ${st(toA)}; to B: ${st(toB)}; workers: +${after.reconnects - baseline.reconnects} reconnects, +${after.rejectedFrames - baseline.rejectedFrames} rejected frames`;
    // Faults really happened, on both directions, and nobody restarted.
    expect(toA.stats.connections + toB.stats.connections).toBeGreaterThan(4);
    expect(toA.stats.cut + toB.stats.cut).toBeGreaterThan(0);
    for (const w of before.workerProcesses) expect(alive(w.pid)).toBe(true);
    expect((await status(c)).workerProcesses.map((w) => w.pid).sort()).toEqual(before.workerProcesses.map((w) => w.pid).sort());
  });
});
