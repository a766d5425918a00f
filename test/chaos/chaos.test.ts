// Chaos scenarios on real clusters (ZooKeeper + `gale supervisor` processes + forked workers),
// under steady load from the numbered fixture. Each scenario injects one fault, then checks
// U1 (every id 1..N acked at the spout, once) and U2 (every id reached the sink), counts
// duplicates and measures recovery. Run with `npm run test:chaos`; results: test-results/chaos.json.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { until, type TestCluster } from '../cluster/cluster-harness.js';
import {
  ackedAtLeast, ackedCount, alive, deploy, finish, report, sec, startChaosCluster, status, workersBySpout,
} from './chaos-harness.js';
import { POISON } from './fixtures/numbered.js';

const N = 2000;
const RATE = 100; // ids/s: ~20 s of steady load per scenario

describe('chaos', () => {
  let cluster: TestCluster | undefined;

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  afterAll(() => {
    report();
  });

  const running2 = (pred: (s: Awaited<ReturnType<typeof status>>) => boolean) => async () => {
    const s = await status(cluster!);
    return s.workers.running === 2 && s.workerProcesses.length === 2 && pred(s) ? Date.now() : undefined;
  };

  it('kill -9 a worker: its supervisor relaunches it, its trees replay, nothing is lost', async () => {
    cluster = await startChaosCluster(2);
    const run = await deploy(cluster, { n: N, rate: RATE });
    await ackedAtLeast(run, N / 4);
    const { other } = await workersBySpout(cluster);
    process.kill(other.pid, 'SIGKILL');
    const faultAt = Date.now();
    const healedAt = await until('a relaunched worker', running2((s) => !s.workerProcesses.some((w) => w.pid === other.pid)), 30_000, 200);
    await finish(run, 'kill -9 worker', faultAt, { healedSec: sec(healedAt - faultAt), note: 'healed = new worker heartbeating' });
  });

  it('kill -9 a supervisor and its workers: the leader reassigns its slot', async () => {
    cluster = await startChaosCluster(3);
    const run = await deploy(cluster, { n: N, rate: RATE });
    await ackedAtLeast(run, N / 4);
    const { status: before } = await workersBySpout(cluster);
    const leader = await cluster.leaderId();
    const victim = cluster.supervisors.find((s) => s.id !== leader && before.workerProcesses.some((w) => w.supervisor === s.id))!;
    expect(victim).toBeDefined();
    const kill = victim.destroy(); // SIGKILL to its process group
    const faultAt = Date.now();
    await kill;
    const healedAt = await until('the reassignment', running2((s) => s.workerProcesses.every((w) => w.supervisor !== victim.id)), 60_000, 200);
    await finish(run, 'kill -9 supervisor + workers', faultAt, { healedSec: sec(healedAt - faultAt), note: `healed = worker running elsewhere (${victim.id} killed)` });
  });

  it('kill -9 the leader supervisor: a new leader reassigns, nothing is lost', async () => {
    cluster = await startChaosCluster(3);
    const run = await deploy(cluster, { n: N, rate: RATE });
    await ackedAtLeast(run, N / 4);
    const { status: before } = await workersBySpout(cluster);
    const leader = await until('a leader', () => cluster!.leaderId());
    const victim = cluster.supervisors.find((s) => s.id === leader)!;
    const orphan = before.workerProcesses.find((w) => w.supervisor === victim.id);
    victim.crash(); // the supervisor only; its worker notices the lost IPC channel
    const faultAt = Date.now();
    const newLeaderAt = await until('a new leader', async () => {
      const id = await cluster!.leaderId();
      return id !== undefined && id !== leader ? Date.now() : undefined;
    }, 20_000, 50);
    const healedAt = await until('the reassignment', running2((s) => s.workerProcesses.every((w) => w.supervisor !== victim.id)), 60_000, 200);
    if (orphan !== undefined) await until('the orphaned worker to exit', async () => !alive(orphan.pid), 20_000, 100);
    await finish(run, 'kill -9 leader supervisor', faultAt, {
      healedSec: sec(healedAt - faultAt),
      note: `new leader after ${sec(newLeaderAt - faultAt)} s; ${orphan ? 'leader ran a worker' : 'leader ran no worker'}`,
    });
  });

  it('tuple timeout: ids not acked on first sight time out and are replayed', async () => {
    cluster = await startChaosCluster(2);
    const n = 1500;
    const run = await deploy(cluster, { n, rate: RATE, mode: 'timeout' });
    const row = await finish(run, 'tuple timeout (id % 97, first sight)', null);
    const spout = (await status(cluster)).components.find((c) => c.component === 'numbers')!;
    // Every multiple of 97 failed (timed out) at least once; with shuffle a replay may hit the other task once more.
    expect(spout.failed).toBeGreaterThanOrEqual(Math.floor(n / 97));
    expect(spout.failed).toBeLessThanOrEqual(2 * Math.floor(n / 97));
    row.note = `${spout.failed} timeouts replayed (${Math.floor(n / 97)} held ids)`;
  });

  it('poison tuple: dead-lettered after maxRetries 2 and acked; the topology keeps running', async () => {
    cluster = await startChaosCluster(2);
    const n = 1500;
    const run = await deploy(cluster, { n, rate: RATE, mode: 'poison' });
    const row = await finish(run, 'poison tuple (maxRetries 2)', null);
    const dead = await until('the dead letters', async () => {
      const recs = readFileSync(path.join(run.out, 'dead.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { messageId: number; reason: string; attempts: number; values: unknown[] });
      return recs.length >= POISON.size ? recs : undefined;
    }, 10_000, 100);
    expect(dead.map((d) => d.messageId).sort((a, b) => a - b)).toEqual([...POISON].sort((a, b) => a - b));
    for (const d of dead) expect(d).toMatchObject({ reason: 'failed', attempts: 3, values: [d.messageId] });
    const s = await status(cluster);
    expect(s.workers.running).toBe(2);
    expect(s.errors.pass?.[0]?.message).toMatch(/poison id \d+/);
    row.deadLettered = dead.length;
    row.note = `${dead.length} dead-lettered (attempts 3), rest processed`;
  });

  it('ZooKeeper restart: workers keep processing while it is away; no loss, no worker restart', async () => {
    cluster = await startChaosCluster(2);
    const run = await deploy(cluster, { n: N, rate: RATE });
    await ackedAtLeast(run, N / 4);
    const { status: before } = await workersBySpout(cluster);
    await cluster.zk.kill();
    const faultAt = Date.now();
    const atKill = ackedCount(run.out);
    await new Promise((r) => setTimeout(r, 2500)); // keep the load running with ZooKeeper down
    const whileDown = ackedCount(run.out) - atKill;
    await cluster.zk.restart();
    const back = Date.now();
    expect(whileDown).toBeGreaterThan(0);
    const row = await finish(run, 'ZooKeeper kill -9 + restart (2.5 s down)', faultAt, { note: `${whileDown} acked while ZK was down` });
    // No worker restarted: the same processes are alive and no supervisor relaunched anything.
    for (const w of before.workerProcesses) expect(alive(w.pid)).toBe(true);
    for (const s of cluster.supervisors) expect(s.stderr).not.toContain('worker exited; restarting');
    // Every worker's heartbeat should be back in ZooKeeper. Known bug (see docs/guarantees.md):
    // some node-zookeeper-client sessions never reconnect after the server restart, their
    // requests time out forever; the data path is unaffected. Recorded, not asserted.
    let beatsBack: number | undefined;
    try {
      beatsBack = await until('every heartbeat back', running2((s) => before.workerProcesses.every((w) => s.workerProcesses.some((x) => x.pid === w.pid))), 20_000, 500);
    } catch {
      // the bug
    }
    const stuck = cluster.supervisors.filter((s) => /no answer from ZooKeeper within/.test(s.stderr.slice(-3000))).map((s) => s.id);
    row.healedSec = beatsBack === undefined ? null : sec(beatsBack - back);
    row.note += beatsBack === undefined
      ? `; BUG: heartbeats not back 20 s after restart, ZK clients stuck in ${stuck.join(', ') || '?'} (ops time out)`
      : '; all ZK clients reconnected, session kept';
  });

  it('hung worker (SIGSTOP): missing heartbeat, killed and replaced; nothing is lost', async () => {
    cluster = await startChaosCluster(2, ['--worker-timeout', '2000']);
    const run = await deploy(cluster, { n: N, rate: RATE });
    await ackedAtLeast(run, N / 4);
    const { spout } = await workersBySpout(cluster);
    process.kill(spout.pid, 'SIGSTOP');
    const faultAt = Date.now();
    try {
      const killedAt = await until('the hung worker to be killed', async () => (!alive(spout.pid) ? Date.now() : undefined), 30_000, 100);
      const healedAt = await until('a replacement worker', running2((s) => !s.workerProcesses.some((w) => w.pid === spout.pid)), 30_000, 200);
      await finish(run, 'hung worker (SIGSTOP, spout\'s worker)', faultAt, {
        healedSec: sec(healedAt - faultAt), note: `SIGKILLed by its supervisor after ${sec(killedAt - faultAt)} s (session 4 s + worker-timeout 2 s)`,
      });
    } finally {
      try {
        process.kill(spout.pid, 'SIGCONT');
      } catch {
        // killed already
      }
    }
  });
});
