// A tuple that kills its worker with SIGKILL every time: no 'exit' handler runs, so the dying
// worker cannot say what it was executing (crash-counts.ts). Before, such a poison was never
// charged and replayed for ever. Now the relaunch finds the slot's crash journal still saying
// `running`, watches its executions, and the next death's launch charges exactly what was
// executing (engine/crash-journal.ts, cluster/crash-journal-file.ts): one uncharged crash per
// worker the poison kills first, then maxRetries + 1 charged ones; no other id is charged.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestCluster, readFileLines, until, type StatusJson } from './cluster-harness.js';

const COUNT = 300;
const POISON = 77;
const MAX_RETRIES = 2;

describe.each([
  // The spout's own worker dies: the journal charges the local message (its crash count on disk).
  { workers: 1, maxCrashes: MAX_RETRIES + 2 },
  // Two workers, the poison shuffled to either: a death in the spout's worker as above, a death in
  // the other reported to the spout by the relaunch; one uncharged crash per worker, and a report
  // that lands after the replay went out may cost one more.
  { workers: 2, maxCrashes: MAX_RETRIES + 1 + 2 + 1 },
])('a poison tuple that SIGKILLs its worker ($workers worker(s))', ({ workers, maxCrashes }) => {
  let cluster: TestCluster;
  let dir: string;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: workers, slotsPerSupervisor: 1 });
    dir = mkdtempSync(path.join(os.tmpdir(), 'gale-poison-kill-'));
  });

  afterAll(async () => {
    await cluster?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is dead-lettered after a bounded number of crashes; every other id is acked, none dead-lettered', async () => {
    const name = `poison-sigkill-${workers}`;
    const d = await cluster.gale([
      'deploy', 'test/cluster/fixtures/poison-exit.ts', '--name', name, '--wait', '0', '--set', `dir=${dir}`, '--set', `count=${COUNT}`,
      '--set', `poison=${POISON}`, '--set', 'mode=sigkill', '--set', `maxRetries=${MAX_RETRIES}`, '--set', `workers=${workers}`,
    ]);
    expect(d.code).toBe(0);
    const dead = await until('the poison id dead-lettered', async () => {
      const l = readFileLines(path.join(dir, 'dead.txt'));
      return l.length > 0 ? l : undefined;
    }, 150_000, 250);
    const acked = await until(`all ${COUNT} ids acked`, async () => {
      const ids = new Set(readFileLines(path.join(dir, 'acked.txt')).map(Number));
      return ids.size === COUNT ? ids : undefined;
    }, 90_000, 250);
    expect(acked.size).toBe(COUNT); // the poison's dead letter is acked at the spout too: nothing lost
    // Only the poison, once: no bystander dead letters.
    expect(readFileLines(path.join(dir, 'dead.txt')).map((l) => JSON.parse(l) as unknown)).toEqual([{ messageId: POISON, reason: 'worker-crashed', attempts: MAX_RETRIES + 1 }]);
    expect(dead).toHaveLength(1);
    const crashes = cluster.supervisors.flatMap((s) => s.eventsOf('worker.crashed', (e) => e.topology === name && e.signal === 'SIGKILL'));
    // eslint-disable-next-line no-console
    console.log(`${workers} worker(s): ${crashes.length} SIGKILL crashes for ${MAX_RETRIES + 1} charged attempts`);
    expect(crashes.length).toBeGreaterThanOrEqual(MAX_RETRIES + 2); // the first death of a worker is never charged
    expect(crashes.length).toBeLessThanOrEqual(maxCrashes);
    if (workers === 1) expect(crashes.length).toBe(MAX_RETRIES + 2);
    const st = await cluster.json<StatusJson>(['status', name]);
    expect((st.errors.__worker ?? []).some((e) => /was killed by SIGKILL/.test(e.message))).toBe(true);
  }, 300_000);
});
