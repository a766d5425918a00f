// Chaos scenarios where a component misbehaves under load (issue 13 item 9): a bolt that kills
// its worker on some ids (a crash loop that must stay bounded and end in dead letters), a record
// too large for a frame between workers (the tree fails "too-large" at once and is dead-lettered
// after maxRetries), and a bolt failing every tuple with the same error (a log flood the rate
// limit must bound while the rest of the topology runs at full rate). Same fixture, harness and
// invariants as chaos.test.ts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { until, type TestCluster } from '../cluster/cluster-harness.js';
import { closeScenario, deploy, finish, report, sec, startChaosCluster, status, trackRunTimes, workersBySpout, type Run } from './chaos-harness.js';
import { CRASH, CRASH_EXIT_CODE, FLOOD_MESSAGE, OVERSIZE } from './fixtures/numbered.js';

const N = Number(process.env.CHAOS_N ?? 20_000);
const RATE = Number(process.env.CHAOS_RATE ?? 1000);

interface DeadLetter {
  messageId: number;
  reason: string;
  attempts: number;
}

function deadLetters(run: Run, count: number): Promise<DeadLetter[]> {
  return until(`${count} dead letters`, async () => {
    const file = path.join(run.out, 'dead.jsonl');
    if (!existsSync(file)) return undefined;
    const recs = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as DeadLetter);
    return recs.length >= count ? recs : undefined;
  }, 15_000, 100);
}

const sorted = (ids: Iterable<number>): number[] => [...ids].sort((a, b) => a - b);

/** Each supervisor's worker log files of the topology: path -> size now. */
function workerLogSizes(cluster: TestCluster): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of cluster.supervisors) {
    for (const port of s.ports) {
      const f = path.join(cluster.tmp, s.id, 'logs', 'numbered', `worker-${port}.log`);
      out.set(f, existsSync(f) ? statSync(f).size : 0);
    }
  }
  return out;
}

describe('chaos: component faults under load', () => {
  let cluster: TestCluster | undefined;

  afterEach(async () => {
    const c = cluster;
    cluster = undefined;
    await closeScenario(c);
  });

  afterAll(() => {
    report('component-faults.test.ts');
  });
  trackRunTimes();

  it('crash-looping component (pass exits on 2 ids every time): bounded crashes, dead-lettered after maxRetries, nothing else lost', async () => {
    cluster = await startChaosCluster(2);
    const c = cluster;
    const run = await deploy(c, { n: N, rate: RATE, mode: 'crashloop' });
    const crashes = (): { sup: string; port: number; restartInMs: number; atMs: number }[] => c.supervisors.flatMap((s) =>
      s.eventsOf('worker.crashed', (e) => e.code === CRASH_EXIT_CODE).map((e) => ({ sup: s.id, port: e.data.port, restartInMs: e.data.restartInMs, atMs: e.atMs })));
    const row = await finish(run, `crash-looping component (pass exits on ${CRASH.size} ids, maxRetries 2)`, null, {}, {
      expected: (e) => e.event === 'worker.crashed' && 'code' in e.data && e.data.code === CRASH_EXIT_CODE,
    });
    const all = await deadLetters(run, CRASH.size);
    const dead = all.filter((d) => CRASH.has(d.messageId));
    const seen = crashes();
    const bystanders = all.filter((d) => !CRASH.has(d.messageId));
    const reasons = [...new Set(bystanders.map((d) => d.reason))].join('/');
    row.healedSec = sec(Math.max(...seen.map((x) => x.restartInMs)));
    row.note = `${bystanders.length} bystander dead letters${bystanders.length > 0 ? ` (${reasons})` : ''}; ${seen.length} worker crashes (exit ${CRASH_EXIT_CODE}) for ${dead.reduce((n, d) => n + d.attempts, 0)} charged attempts of ${CRASH.size} ids, restart backoffs ${seen.map((x) => x.restartInMs).join('/')} ms (healed = longest); dead letters ${dead.map((d) => `${d.messageId}:${d.reason}:${d.attempts}`).join(', ')}`;
    const s = await status(c);
    const workerErrors = JSON.stringify(s.errors.__worker ?? []);
    row.note += `; worker errors: ${(workerErrors.match(/executed a tuple of spout/g) ?? []).length} crashes charged in the spout's worker, ${(workerErrors.match(/reported to them by the next launch/g) ?? []).length} reported from the other`;
    expect(sorted(dead.map((d) => d.messageId))).toEqual(sorted(CRASH));
    for (const d of dead) {
      expect(d.attempts).toBe(3);
      // Every crash is charged as a crash now (crash-reports.ts), wherever the bolt ran; a timeout
      // while a worker was lost is not charged at all.
      expect(d.reason).toBe('worker-crashed');
    }
    // Innocent ids in flight at a crash time out with it and replay, but are never charged for it
    // (before the fix: 97 of them dead-lettered in one run, "timed-out").
    expect(bystanders).toEqual([]);
    // Bounded, not a crash loop: each crash is charged once, to the message its bolt was executing,
    // and the message is dead-lettered at its first emit or failure past maxRetries (2), so 3 crashes
    // per poison id when each crash report reaches the spout before the crashed attempt times out
    // (the relaunch takes ~1-3 s, the timeout 5 s). A report that comes after the timeout is charged
    // late, after the replay went out, which may crash once more: at most 4 per id. (Before the fix a
    // crash of the spout's worker erased the other poison's timeout-counted failures, 9 crashes for
    // 6 counted attempts in one run.)
    expect(seen.length).toBeGreaterThanOrEqual(CRASH.size);
    expect(seen.length).toBeLessThanOrEqual(CRASH.size * (2 + 2));
    expect((s.errors.__worker ?? []).length).toBeGreaterThan(0); // visible in gale status
  });

  it('oversized record (5 MiB, frames are 4 MiB): the tree fails too-large at once, dead-lettered after maxRetries, nothing else lost', async () => {
    cluster = await startChaosCluster(2);
    const c = cluster;
    const run = await deploy(c, { n: N, rate: RATE, mode: 'oversize' });
    // The big records go to every sink task: one must be in the other worker for the frame limit to apply.
    const { status: st } = await workersBySpout(c);
    const sinkWhere = new Set(st.components.find((x) => x.component === 'sink')!.where);
    expect(sinkWhere.size).toBe(2);
    const row = await finish(run, 'oversized record (3 ids x 5 MiB, maxRetries 2)', null, {}, {});
    const dead = await deadLetters(run, OVERSIZE.size);
    expect(sorted(dead.map((d) => d.messageId))).toEqual(sorted(OVERSIZE));
    for (const d of dead) expect(d).toMatchObject({ reason: 'too-large', attempts: 3 });
    const s = await status(c);
    const spout = s.components.find((x) => x.component === 'numbers')!;
    const passErrors = (s.errors.pass ?? []).map((e) => `${e.code ?? ''} ${e.message}`);
    expect(passErrors.join('\n')).toMatch(/too large|TOO_LARGE|frame/i);
    row.deadLettered = dead.length;
    row.note = `dead letters ${dead.map((d) => `${d.messageId}:${d.reason}`).join(', ')}; spout fails ${spout.failed} (3 ids x 3 attempts = 9 expected, no timeouts); pass error: ${passErrors[0]?.slice(0, 80) ?? '-'}`;
    expect(spout.failed).toBe(OVERSIZE.size * 3);
  });

  it('log flood (a bolt failing every tuple with one error): bounded log lines per second, the rest at full rate', async () => {
    cluster = await startChaosCluster(2);
    const c = cluster;
    const sizes0 = workerLogSizes(c);
    const run = await deploy(c, { n: N, rate: RATE, mode: 'flood' });
    const row = await finish(run, 'log flood (flood bolt throws EMFILE on every tuple)', null, {}, {});
    const doneAt = Date.now();
    const s = await status(c);
    const flood = s.components.find((x) => x.component === 'flood')!;
    const spout = s.components.find((x) => x.component === 'numbers')!;
    const sizes = workerLogSizes(c);
    const seconds = (doneAt - run.deployedAt) / 1000;
    let bytes = 0;
    let maxPerSecond = 0;
    let errorLines = 0;
    let suppressed = 0;
    for (const [file, size0] of sizes0) {
      bytes += (sizes.get(file) ?? 0) - size0;
      if (!existsSync(file)) continue;
      const perSecond = new Map<number, number>();
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.includes(FLOOD_MESSAGE.slice(0, 20)) || !line.includes('"component error"')) continue;
        const rec = JSON.parse(line) as { time: number; suppressed?: number };
        errorLines++;
        suppressed += rec.suppressed ?? 0;
        const b = Math.floor(rec.time / 1000);
        perSecond.set(b, (perSecond.get(b) ?? 0) + 1);
      }
      maxPerSecond = Math.max(maxPerSecond, ...perSecond.values());
    }
    const supStderr = c.supervisors.reduce((n, x) => n + x.stderr.length, 0);
    row.note = `flood bolt errors ${(flood as { errors?: number }).errors ?? '?'} (counted, not logged); worker logs +${Math.round(bytes / 1024)} KiB in ${Math.round(seconds)} s (${Math.round(bytes / 1024 / seconds)} KiB/s), ${errorLines} 'component error' lines (max ${maxPerSecond} in a calendar second per worker, ${suppressed} reported suppressed); supervisors' stderr ${Math.round(supStderr / 1024)} KiB; spout fails ${spout.failed}`;
    // A tuple whose execute throws counts as an error, not as executed.
    const floodErrors = (flood as { errors?: number }).errors ?? 0;
    expect(floodErrors).toBeGreaterThan(N * 0.9);
    expect(errorLines).toBeGreaterThan(0);
    // 10 per second per component and message in each worker: fixed windows, so a calendar second sees at most 2 windows.
    expect(maxPerSecond).toBeLessThanOrEqual(20);
    expect(errorLines).toBeLessThan(floodErrors / 20);
    expect(bytes / seconds).toBeLessThan(64 * 1024);
    expect(spout.failed).toBe(0); // the rest of the topology: no timeouts, no failures
  });
});
