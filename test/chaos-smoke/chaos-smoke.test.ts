// A reduced chaos run inside `npm test`: two scenarios of the chaos suite (test/chaos/, run in
// full by `npm run test:chaos`) with fewer ids at a higher rate, same harness, same invariants:
// every id 1..N acked at the spout exactly once (U1), every id seen by the sink (U2; dead-lettered
// ids excepted), duplicates counted and reported. U5/U6 (test/chaos/invariants.ts: quiesce, kill,
// no stray znode or process) are left to the full suite: they add ~15 s per scenario.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { until, type TestCluster } from '../cluster/cluster-harness.js';
import { ackedAtLeast, deploy, finish, killWorkerAndWait, sec, startChaosCluster, status } from '../chaos/chaos-harness.js';
import { POISON } from '../chaos/fixtures/numbered.js';

const N = 600;
const RATE = 200; // ids/s: ~3 s of load

describe('chaos smoke (reduced)', () => {
  let cluster: TestCluster | undefined;

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('kill -9 a worker: relaunched, its trees replay, every id acked once, nothing lost', async () => {
    cluster = await startChaosCluster(2);
    const run = await deploy(cluster, { n: N, rate: RATE });
    await ackedAtLeast(run, N / 4);
    const { faultAt, healedAt } = await killWorkerAndWait(cluster);
    const row = await finish(run, 'smoke: kill -9 worker', faultAt, { healedSec: sec(healedAt - faultAt) }, false);
    expect(row.lost).toBe(0);
    // Duplicates are allowed (at-least-once) but bounded by what was in flight: maxSpoutPending 200 x 1 spout task.
    expect(row.duplicates).toBeLessThanOrEqual(200);
  }, 90_000);

  it('poison tuple: dead-lettered after maxRetries 2, every other id acked once', async () => {
    cluster = await startChaosCluster(2);
    const n = 1500; // POISON holds ids up to 1313; they must be part of the run
    const run = await deploy(cluster, { n, rate: 500, mode: 'poison' });
    const row = await finish(run, 'smoke: poison tuple (maxRetries 2)', null, {}, false);
    const dead = await until('the dead letters', async () => {
      const recs = readFileSync(path.join(run.out, 'dead.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { messageId: number; attempts: number });
      return recs.length >= POISON.size ? recs : undefined;
    }, 10_000, 100);
    expect(dead.map((d) => d.messageId).sort((a, b) => a - b)).toEqual([...POISON].sort((a, b) => a - b));
    for (const d of dead) expect(d.attempts).toBe(3);
    expect(row.lost).toBe(0);
    expect((await status(cluster)).workers.running).toBe(2);
  }, 90_000);
});
