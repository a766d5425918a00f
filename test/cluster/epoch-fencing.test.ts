// Fencing that cannot wedge (docs/protocol.md "Fencing", docs/guarantees.md "When the clock moves"):
// worker epochs come from ZooKeeper, so a worker relaunched on a machine whose clock stepped back
// is not fenced off by its peers; and a forged handshake claiming a huge epoch for a live worker
// (anyone holding the secret) is refused instead of superseding it. Both on a real 2-supervisor
// cluster under load from the chaos suite's numbered fixture, which records every id acked at the
// spout and seen by the sink: both runs must finish with every id acked once and none lost.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { clientAuthHeaders, normalizeSecret, type PeerIdentity } from '../../packages/runtime/src/transport/auth.js';
import { ackedAtLeast, ackedCount, deploy, TOPOLOGY, workersBySpout, type Run } from '../chaos/chaos-harness.js';
import { readIds } from '../chaos/fixtures/numbered.js';
import { TestCluster, until } from './cluster-harness.js';

const N = 1500;
const RATE = 150;
/** Ten minutes back: far more than the time since the worker's previous launch. */
const STEP_BACK_MS = -600_000;

/** Every id 1..n acked at the spout within `timeoutMs` (a wedged topology never gets there), once, and seen by the sink. */
async function expectNoLoss(run: Run, timeoutMs: number): Promise<void> {
  await until(`all ${run.n} ids acked at the spout`, async () => ackedCount(run.out) >= run.n, timeoutMs, 200);
  const acked = readIds(run.out, 'acked');
  const sink = readIds(run.out, 'sink');
  const lost: number[] = [];
  for (let id = 1; id <= run.n; id++) if (!sink.has(id)) lost.push(id);
  const ackedTwice = [...acked].filter(([, c]) => c > 1).map(([id]) => id);
  expect({ lost: lost.slice(0, 20), ackedTwice: ackedTwice.slice(0, 20) }).toEqual({ lost: [], ackedTwice: [] });
  expect(acked.size).toBe(run.n);
}

/** Epochs the workers publish in their heartbeats, by worker id. */
async function publishedEpochs(cluster: TestCluster): Promise<Map<string, number | undefined>> {
  const zk = await cluster.zkClient();
  const dir = `${cluster.root}/workers/${TOPOLOGY}`;
  const out = new Map<string, number | undefined>();
  for (const child of await zk.getChildren(dir)) {
    const hb = JSON.parse((await zk.getData(`${dir}/${child}`)).data.toString('utf8')) as { epoch?: number };
    out.set(child, hb.epoch);
  }
  return out;
}

/** One signed upgrade request from the test process: the server's answer, or 'open' (kept open, as an attacker would). */
function handshake(port: number, id: PeerIdentity, secret: string, sockets: WebSocket[]): Promise<{ status: number; reason: string | undefined } | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers: clientAuthHeaders(normalizeSecret(secret), id, Date.now()), perMessageDeflate: false });
    sockets.push(ws);
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      const reason = res.headers['x-gale-reason'];
      resolve({ status: res.statusCode ?? 0, reason: Array.isArray(reason) ? reason[0] : reason });
    });
    ws.on('open', () => resolve('open'));
    ws.on('error', (err) => reject(err));
  });
}

describe('gale cluster: fencing that cannot wedge', () => {
  let cluster: TestCluster | undefined;
  const sockets: WebSocket[] = [];

  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    delete process.env.GALE_CLOCK_OFFSET_FILE;
    await cluster?.close();
    cluster = undefined;
  });

  it('a worker relaunched after its clock stepped back 10 minutes is admitted by its peers; every id is acked', async () => {
    const c = (cluster = await TestCluster.start({ supervisors: 0, tickMs: 500 }));
    // Each supervisor (and the workers it forks) reads its own clock-offset file at worker start.
    const offsetFile = (id: string): string => path.join(c.tmp, `clock-${id}`);
    for (const id of ['sup-a', 'sup-b']) {
      process.env.GALE_CLOCK_OFFSET_FILE = offsetFile(id);
      await c.startSupervisor(id, 1);
    }
    delete process.env.GALE_CLOCK_OFFSET_FILE;
    mkdirSync(c.tmp, { recursive: true });

    const run = await deploy(c, { n: N, rate: RATE });
    await ackedAtLeast(run, N / 5);
    const { other } = await workersBySpout(c);
    const otherId = `${other.supervisor}-${other.port}`;
    const before = await publishedEpochs(c);
    expect([...before.values()].every((e) => e !== undefined && e >= 1 && e <= 10)).toBe(true); // a counter, not a clock

    // The machine of the worker that does not run the spout steps its clock back; its worker dies
    // and is relaunched (its epoch used to be Date.now() at launch, now older than the last one).
    writeFileSync(offsetFile(other.supervisor), String(STEP_BACK_MS));
    const sup = c.supervisors.find((s) => s.id === other.supervisor)!;
    const mark = sup.eventCount;
    process.kill(other.pid, 'SIGKILL');
    await sup.waitForEvent('worker.started', (e) => e.port === other.port && e.pid !== other.pid, 30_000, mark);
    const after = await until('the relaunched worker\'s heartbeat epoch', async () => {
      const e = (await publishedEpochs(c)).get(otherId);
      return e !== undefined && e > before.get(otherId)! ? e : undefined;
    }, 30_000, 100);
    expect(after).toBeGreaterThan(before.get(otherId)!);

    // Healed: traffic both ways, every id acked (a wedged topology stalls well before this deadline).
    await expectNoLoss(run, 60_000);
    run.stop();
  }, 150_000);

  it('a forged handshake with a huge epoch for a live worker is refused and does not disturb traffic', async () => {
    const c = (cluster = await TestCluster.start({ supervisors: 0, tickMs: 500 }));
    await c.startSupervisor('sup-a', 1);
    await c.startSupervisor('sup-b', 1);
    const run = await deploy(c, { n: N, rate: RATE });
    await ackedAtLeast(run, N / 5);
    const { spout, other } = await workersBySpout(c);
    // No configured secret: the cluster's generated one is readable from ZooKeeper (docs/security.md).
    const secret = (await (await c.zkClient()).getData(`${c.root}/cluster-secret`)).data.toString('utf8');

    // Claim to be each worker, with an epoch far above its real one, at the other worker's port.
    const forged = async (victim: typeof spout, at: typeof spout) =>
      handshake(at.port, { topology: TOPOLOGY, workerId: `${victim.supervisor}-${victim.port}`, epoch: Number.MAX_SAFE_INTEGER }, secret, sockets);
    expect(await forged(other, spout)).toEqual({ status: 409, reason: 'unknown-epoch' });
    expect(await forged(spout, other)).toEqual({ status: 409, reason: 'unknown-epoch' });
    // An identity the cluster never had is refused the same way.
    expect(await handshake(spout.port, { topology: TOPOLOGY, workerId: 'sup-z-1', epoch: 1 }, secret, sockets)).toEqual({ status: 409, reason: 'unknown-epoch' });

    await expectNoLoss(run, 60_000);
    run.stop();
    // Nobody was superseded or restarted: the same two worker processes did all the work.
    const { spout: spoutNow, other: otherNow } = await workersBySpout(c);
    expect([spoutNow.pid, otherNow.pid].sort()).toEqual([spout.pid, other.pid].sort());
  }, 150_000);
});
