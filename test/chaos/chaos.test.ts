// Chaos scenarios on real clusters (ZooKeeper + `gale supervisor` processes + forked workers),
// under steady load from the numbered fixture. Each scenario injects one fault, then checks
// U1 (every id 1..N acked at the spout, once) and U2 (every id reached the sink), counts
// duplicates and measures recovery. Run with `npm run test:chaos`; results: test-results/chaos.json.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { until, type TestCluster } from '../cluster/cluster-harness.js';
import {
  ackedAtLeast, ackedCount, alive, closeScenario, deploy, establishedTo, finish, killedWorker, killTcp, report, sec, startChaosCluster, status, trackRunTimes, workersBySpout, killWorkerAndWait, twoWorkersRunning,
} from './chaos-harness.js';
import { POISON } from './fixtures/numbered.js';
import { childrenOf } from './invariants.js';

/** Resident set size of a process in MB (VmRSS), or undefined when it is gone. */
function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** The state letter of a process (R, S, T, Z, ...), or undefined when it is gone. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

const N = Number(process.env.CHAOS_N ?? 20_000);
const RATE = Number(process.env.CHAOS_RATE ?? 1000); // ids/s: ~20 s of steady load per scenario

describe('chaos', () => {
  let cluster: TestCluster | undefined;

  afterEach(async () => {
    const c = cluster;
    cluster = undefined;
    await closeScenario(c);
  });

  afterAll(() => {
    report('chaos.test.ts');
  });
  trackRunTimes();

  const running2 = (pred: Parameters<typeof twoWorkersRunning>[1]) => twoWorkersRunning(cluster!, pred);

  it('kill -9 a worker: its supervisor relaunches it, its trees replay, nothing is lost', async () => {
    cluster = await startChaosCluster(2);
    const run = await deploy(cluster, { n: N, rate: RATE });
    await ackedAtLeast(run, N / 4);
    const { faultAt, healedAt, faulted } = await killWorkerAndWait(cluster);
    await finish(run, 'kill -9 worker', faultAt, { healedSec: sec(healedAt - faultAt), note: 'healed = new worker heartbeating' }, faulted);
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
    await finish(run, 'kill -9 supervisor + workers', faultAt, { healedSec: sec(healedAt - faultAt), note: `healed = worker running elsewhere (${victim.id} killed)` }, { supervisors: [victim.id] });
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
    }, { supervisors: [victim.id] });
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
      }, killedWorker(spout.supervisor, spout.port));
    } finally {
      try {
        process.kill(spout.pid, 'SIGCONT');
      } catch {
        // killed already
      }
    }
  });

  it('ZooKeeper session expiry of a supervisor (SIGSTOP 12 s): it re-registers, stray workers stop, no duplicate slots', async () => {
    cluster = await startChaosCluster(3);
    const run = await deploy(cluster, { n: N, rate: RATE });
    await ackedAtLeast(run, N / 4);
    const { status: before } = await workersBySpout(cluster);
    const leader = await until('a leader', () => cluster!.leaderId());
    const victim = cluster.supervisors.find((s) => s.id !== leader && before.workerProcesses.some((w) => w.supervisor === s.id))!;
    expect(victim).toBeDefined();
    const orphan = before.workerProcesses.find((w) => w.supervisor === victim.id)!;
    const zk = await cluster.zkClient();
    const supPath = `${cluster.root}/supervisors/${victim.id}`;
    const oldOwner = (await zk.exists(supPath))?.ephemeralOwner;
    expect(oldOwner).toBeDefined();
    process.kill(victim.pid, 'SIGSTOP'); // the supervisor only: its worker keeps running
    const faultAt = Date.now();
    let goneAt: number | undefined;
    let firstConverged: number | undefined;
    // Converged: 2 workers heartbeating on distinct slots, every live worker process is one of
    // them (a worker the resumed supervisor no longer owns has exited), and no port is bound twice.
    let last = '';
    const converged = async (): Promise<boolean> => {
      const s = await status(cluster!);
      const live = childrenOf(cluster!.supervisors.map((x) => x.pid)).sort((a, b) => a - b);
      const beats = s.workerProcesses.map((w) => w.pid).sort((a, b) => a - b);
      const slots = new Set(s.workerProcesses.map((w) => `${w.host}:${w.port}`));
      last = JSON.stringify({ running: s.workers.running, live, beats, workers: s.workerProcesses });
      return s.workers.running === 2 && beats.length === 2 && slots.size === 2 && JSON.stringify(live) === JSON.stringify(beats);
    };
    try {
      goneAt = await until('its supervisors/<id> to expire', async () => ((await zk.exists(supPath)) === null ? Date.now() : undefined), 12_000, 100);
      while (Date.now() < faultAt + 12_000) { // 3x the 4 s session; meanwhile watch the cluster converge without it
        if (firstConverged === undefined && (await converged().catch(() => false))) firstConverged = Date.now();
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      process.kill(victim.pid, 'SIGCONT');
    }
    const contAt = Date.now();
    const orphanAtCont = procState(orphan.pid); // 'Z' = exited on its own while its parent was stopped
    const backAt = await until('supervisors/<id> re-registered', async () => {
      const st = await zk.exists(supPath);
      return st !== null && st.ephemeralOwner !== oldOwner ? Date.now() : undefined;
    }, 20_000, 100);
    // Still converged after the resumed supervisor reconciled (it must not relaunch or keep a stray worker).
    await new Promise((r) => setTimeout(r, 2000));
    const healedAt = await until('one worker per assigned slot, no strays', async () => ((await converged()) ? Date.now() : undefined), 60_000, 250)
      .catch((err: Error) => {
        throw new Error(`${err.message}; last: ${last}\n${victim.id} stderr tail:\n${victim.stderr.slice(-3000)}`);
      });
    expect(victim.running).toBe(true);
    const after = await status(cluster);
    const orphanAlive = alive(orphan.pid);
    const orphanKept = after.workerProcesses.some((w) => w.pid === orphan.pid);
    expect(orphanAlive).toBe(orphanKept);
    await finish(run, 'supervisor ZK session expiry (SIGSTOP 12 s, non-leader)', faultAt, {
      healedSec: sec((firstConverged ?? healedAt) - faultAt),
      note: `ephemeral gone after ${goneAt === undefined ? '?' : sec(goneAt - faultAt)} s; re-registered ${sec(backAt - contAt)} s after CONT, converged after it; its worker ${orphanKept ? 'kept (still assigned)' : `moved; old one ${orphanAtCont === 'Z' || orphanAtCont === undefined ? 'had exited by CONT' : 'stopped after CONT'}`}`,
    }, { supervisors: [victim.id] });
  });

  it('network partition between two workers (ss -K every 200 ms for 4 s): they reconnect, nothing is lost', async () => {
    cluster = await startChaosCluster(2);
    const run = await deploy(cluster, { n: N, rate: RATE });
    await ackedAtLeast(run, N / 4);
    const { spout, other, status: before } = await workersBySpout(cluster);
    // Both directions of the pair: each worker dials the other's port (one PeerClient per peer).
    const ends = [spout, other];
    for (const w of ends) await until(`a connection to ${w.host}:${w.port}`, async () => (await establishedTo(w.host, w.port)) > 0, 10_000, 100);
    const startAt = Date.now();
    const atStart = ackedCount(run.out);
    let killed = 0;
    let rounds = 0;
    while (Date.now() < startAt + 4000) {
      for (const w of ends) killed += await killTcp(w.host, w.port);
      rounds++;
      await new Promise((r) => setTimeout(r, 200));
    }
    const endAt = Date.now();
    const during = ackedCount(run.out) - atStart;
    expect(killed).toBeGreaterThan(0);
    const reconnectedAt = await until('both peer connections re-established', async () => {
      for (const w of ends) if ((await establishedTo(w.host, w.port)) === 0) return undefined;
      return Date.now();
    }, 30_000, 100);
    // Recovery etc. are measured from the end of the partition: some trees (those that stay in the
    // spout's worker) still complete during it, so "first ack after the start" would say nothing.
    await finish(run, 'network partition between workers (ss -K every 200 ms, 4 s)', endAt, {
      healedSec: sec(reconnectedAt - endAt),
      note: `times from partition end; ${rounds} rounds, ${killed} sockets killed; ${during} acked during it; healed = both peer connections established`,
    });
    // No worker was restarted by it.
    for (const w of before.workerProcesses) expect(alive(w.pid)).toBe(true);
    for (const s of cluster.supervisors) expect(s.stderr).not.toContain('worker exited; restarting');
  });

  it('slow bolt (100x slower than the spout): RSS bounded and flat, pending <= maxSpoutPending, no timeouts', async () => {
    cluster = await startChaosCluster(2);
    const n = 800; // pass: 2 tasks x 20/s (50 ms per tuple) = 40/s -> ~20 s; spout rate 4000/s
    const maxPending = 200;
    const run = await deploy(cluster, { n, rate: 4000, mode: 'slow', set: ['delay=50', 'timeout=60000'] });
    const rss = new Map<string, number[]>();
    let maxSeenPending = 0;
    let samples = 0;
    const sample = async (): Promise<void> => {
      const s = await status(cluster!);
      maxSeenPending = Math.max(maxSeenPending, s.components.find((c) => c.component === 'numbers')?.pending ?? 0);
      const procs = [
        ...cluster!.supervisors.map((x) => ({ name: x.id, pid: x.pid })),
        ...s.workerProcesses.map((w) => ({ name: `worker ${w.supervisor}:${w.port} (${w.pid})`, pid: w.pid })),
      ];
      for (const p of procs) {
        const mb = rssMb(p.pid);
        if (mb !== undefined) rss.set(p.name, [...(rss.get(p.name) ?? []), mb]);
      }
      samples++;
    };
    await ackedAtLeast(run, 40, 30_000);
    while (ackedCount(run.out) < n - 80) {
      await sample();
      await new Promise((r) => setTimeout(r, 2000));
    }
    const row = await finish(run, 'slow bolt (50 ms/tuple, spout 100x faster)', null);
    const spout = (await status(cluster)).components.find((c) => c.component === 'numbers')!;
    const peak = Math.max(...[...rss.values()].flat());
    const growth: Record<string, number> = {};
    for (const [name, v] of rss) {
      expect(Math.max(...v)).toBeLessThan(256);
      if (v.length >= 4) growth[name] = Math.round((v[v.length - 1]! - v[1]!) * 10) / 10; // after warm-up
    }
    for (const [name, g] of Object.entries(growth)) expect({ name, growthMb: g < 40 }).toEqual({ name, growthMb: true });
    expect(samples).toBeGreaterThanOrEqual(4);
    expect(maxSeenPending).toBeLessThanOrEqual(maxPending);
    expect(spout.failed).toBe(0); // messageTimeoutMs 60 s >> queueing (200 pending / 40 per s = 5 s)
    const maxGrowth = Math.max(...Object.values(growth));
    row.note = `${samples} samples; peak RSS ${peak} MB (${rss.size} procs); max growth ${maxGrowth} MB; max pending ${maxSeenPending}/${maxPending}; ${spout.failed} timeouts`;
  });
});
