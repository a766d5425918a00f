// Chaos scenarios that change the cluster under load (issue 13 item 9): rebalances (workers
// 2 -> 1 -> 3, then a parallelism change) with the pause each one causes, a whole-cluster kill -9
// (every supervisor and worker) and restart in place, and clocks stepped on two workers. Same
// fixture, harness and invariants as chaos.test.ts (U1/U2 in finish, U5/U6 in invariants.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { until, type StatusJson, type TestCluster } from '../cluster/cluster-harness.js';
import {
  ackedAtLeast, ackedCount, alive, closeScenario, deploy, finish, longestStall, report, sec, startChaosCluster, status, trackRunTimes, workersBySpout,
} from './chaos-harness.js';
import type { Faulted } from './invariants.js';

const N = Number(process.env.CHAOS_N ?? 20_000);
const RATE = Number(process.env.CHAOS_RATE ?? 1000);

/** Workers running (heartbeating, every one on the current assignment) and the status they show. */
function running(cluster: TestCluster, count: number, pred: (s: StatusJson) => boolean = () => true): () => Promise<StatusJson | undefined> {
  return async () => {
    const s = await status(cluster);
    return s.workers.running === count && s.workerProcesses.length === count && s.workers.assigned === count
      && s.workerProcesses.every((w) => w.assignmentVersion === s.assignmentVersion) && pred(s) ? s : undefined;
  };
}

describe('chaos: cluster changes under load', () => {
  let cluster: TestCluster | undefined;

  afterEach(async () => {
    const c = cluster;
    cluster = undefined;
    delete process.env.GALE_CLOCK_OFFSET_FILE;
    await closeScenario(c);
  });

  afterAll(() => {
    report('cluster-changes.test.ts');
  });
  trackRunTimes();

  it('rebalance under load: workers 2 -> 1 -> 3, then pass 2 -> 1 executors; nothing is lost, each pause measured', async () => {
    cluster = await startChaosCluster(3);
    const c = cluster;
    const run = await deploy(c, { n: N, rate: RATE });
    const steps: { label: string; args: string[]; workers: number; at: number; settled: number }[] = [];
    const step = async (label: string, args: string[], workers: number, pred?: (s: StatusJson) => boolean): Promise<void> => {
      const at = Date.now();
      const r = await c.gale(['rebalance', 'numbered', ...args, '--wait', '60']);
      if (r.code !== 0) throw new Error(`rebalance ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
      await until(`${workers} workers on the new assignment`, running(c, workers, pred), 60_000, 200);
      steps.push({ label, args, workers, at, settled: Date.now() });
    };
    await ackedAtLeast(run, N * 0.2);
    await step('2->1 workers', ['--workers', '1'], 1);
    await ackedAtLeast(run, N * 0.45, 120_000);
    await step('1->3 workers', ['--workers', '3'], 3);
    await ackedAtLeast(run, N * 0.7, 120_000);
    await step('pass 2->1 executors', ['--parallelism', 'pass=1'], 3, (s) => s.components.find((x) => x.component === 'pass')?.executors === 1);
    const faultAt = steps[0]!.at;
    const row = await finish(run, 'rebalance under load (workers 2->1->3, pass 2->1)', faultAt, {}, {});
    // Each step's pause: the longest stretch without a new ack from its start until the next step (or the end).
    const pauses = steps.map((s, i) => ({ ...s, pauseMs: longestStall(run, s.at, steps[i + 1]?.at ?? s.settled + 5000) }));
    row.pauseSec = sec(Math.max(...pauses.map((p) => p.pauseMs)));
    row.healedSec = sec(Math.max(...steps.map((s) => s.settled - s.at)));
    row.note = `pause per step: ${pauses.map((p) => `${p.label} ${sec(p.pauseMs)} s (settled ${sec(p.settled - p.at)} s)`).join('; ')}; healed = slowest step's rebalance --wait + all workers on the new assignment`;
  });

  it('whole-cluster kill -9 (every supervisor and worker) and restart in place: every id acked, nothing stray', async () => {
    cluster = await startChaosCluster(2);
    const c = cluster;
    const run = await deploy(c, { n: N, rate: RATE });
    await ackedAtLeast(run, N * 0.3);
    const { status: before } = await workersBySpout(c);
    const old = c.supervisors.splice(0); // the restarted ones replace them (U6 looks at those)
    const faultAt = Date.now();
    await Promise.all(old.map((s) => s.destroy())); // SIGKILL to each process group: supervisor + workers
    for (const w of before.workerProcesses) await until(`worker ${w.pid} gone`, async () => !alive(w.pid), 5000, 50);
    const atKill = ackedCount(run.out);
    const downFor = 1000; // everything down for a second, then the same supervisors on the same ports and dirs
    await new Promise((r) => setTimeout(r, downFor));
    const ackedWhileDown = ackedCount(run.out) - atKill;
    const restartAt = Date.now();
    for (const s of old) await c.startSupervisor(s.id, s.ports.length, [], s.ports);
    const healed = await until('2 new workers on the assignment', running(c, 2, (s) => s.workerProcesses.every((w) => !before.workerProcesses.some((b) => b.pid === w.pid))), 60_000, 200);
    const healedAt = Date.now();
    const row = await finish(run, 'whole-cluster kill -9 + restart (supervisors + workers, 1 s down)', faultAt, { healedSec: sec(healedAt - faultAt) }, {});
    row.note = `supervisors back ${sec(restartAt - faultAt)} s after the kill; ${ackedWhileDown} acked while down; workers ${healed.workerProcesses.map((w) => `${w.supervisor}:${w.port}`).join(', ')}; healed = 2 new workers heartbeating`;
    expect(ackedWhileDown).toBeLessThanOrEqual(1); // nobody was running (an append racing the kill at most)
  });

  it('clock steps on two workers (-10 min, then +10 min on the spout\'s), each relaunched: no spurious timeouts, nothing lost', async () => {
    cluster = await startChaosCluster(0);
    const c = cluster;
    mkdirSync(c.tmp, { recursive: true });
    // Each supervisor's workers read their clock offset from this file at start (worker-main.ts, test-only).
    const offsetFile = (id: string): string => path.join(c.tmp, `clock-${id}`);
    for (const id of ['sup-a', 'sup-b']) {
      process.env.GALE_CLOCK_OFFSET_FILE = offsetFile(id);
      await c.startSupervisor(id, 1);
    }
    delete process.env.GALE_CLOCK_OFFSET_FILE;
    const run = await deploy(c, { n: N, rate: RATE });
    await ackedAtLeast(run, N * 0.25);
    const { spout, other } = await workersBySpout(c);
    const relaunch = async (w: typeof spout, offsetMs: number): Promise<number> => {
      writeFileSync(offsetFile(w.supervisor), String(offsetMs));
      const sup = c.supervisors.find((s) => s.id === w.supervisor)!;
      const mark = sup.eventCount;
      process.kill(w.pid, 'SIGKILL');
      const at = Date.now();
      await sup.waitForEvent('worker.started', (e) => e.port === w.port && e.pid !== w.pid, 30_000, mark);
      await until('both workers heartbeating again', running(c, 2, (s) => !s.workerProcesses.some((x) => x.pid === w.pid)), 30_000, 200);
      return at;
    };
    const faultAt = await relaunch(other, -600_000);
    await ackedAtLeast(run, N * 0.5, 120_000);
    const secondAt = await relaunch(spout, +600_000);
    const faulted: Faulted = {
      expected: (e, s) => e.event === 'worker.crashed' && 'signal' in e.data && e.data.signal === 'SIGKILL' && ((s.id === other.supervisor && e.data.port === other.port) || (s.id === spout.supervisor && e.data.port === spout.port)),
    };
    const row = await finish(run, 'clock step: worker -10 min, then spout\'s worker +10 min (each kill -9 + relaunch)', faultAt, {}, faulted);
    const stall = Math.max(longestStall(run, faultAt, secondAt), longestStall(run, secondAt, secondAt + 15_000));
    row.pauseSec = sec(stall);
    // The spout's counters restarted with its worker: its fails are those since the +10 min launch.
    // A wall-clock timeout would have failed every pending tree at once (200) on the stepped worker.
    expect(row.replays ?? 0).toBeLessThan(200);
    row.note = `the two workers' clocks 20 min apart at the end; second step ${sec(secondAt - faultAt)} s after the first; longest pause ${sec(stall)} s; spout fails after its relaunch ${row.replays ?? '?'}`;
  });
});
