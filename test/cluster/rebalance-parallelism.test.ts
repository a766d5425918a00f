// A rebalance that only changes one bolt's parallelism, under steady load on a real cluster: no id
// is lost, the rest of the topology keeps running, and the pause is measured (docs/cluster.md).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestCluster, component, until, type StatusJson } from './cluster-harness.js';
import { ackedCount, pauseReport } from './rebalance-pause.js';

const RATE = 200;
const N = 6000;
const TIMEOUT_MS = 30_000;

describe('rebalance of one bolt\'s parallelism under load', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 2 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('loses nothing and does not pause the topology for messageTimeoutMs', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'gale-rebalance-ledger-'));
    const d = await cluster.gale(['deploy', 'test/cluster/fixtures/rebalance-ledger.ts', '--name', 'ledger',
      '--set', `n=${N}`, '--set', `rate=${RATE}`, '--set', `out=${out}`, '--set', `timeout=${TIMEOUT_MS}`, '--wait', '60']);
    expect(d.code).toBe(0);
    await until('steady load', async () => ackedCount(out) >= RATE * 4, 60_000, 200);

    const before = await cluster.json<StatusJson>(['status', 'ledger']);
    const pids = before.workerProcesses.map((w) => w.pid).sort();
    expect(pids).toHaveLength(2);

    const rebalancedAt = Date.now();
    const r = await cluster.gale(['rebalance', 'ledger', '--parallelism', 'split=4']);
    expect(r.code).toBe(0);
    const after = await until('both workers on the new assignment', async () => {
      const s = await cluster.json<StatusJson>(['status', 'ledger']);
      return s.assignmentVersion! > before.assignmentVersion! && s.workerProcesses.length === 2
        && s.workerProcesses.every((w) => w.assignmentVersion === s.assignmentVersion) ? s : undefined;
    }, 60_000, 250);
    await until('every id acked', async () => ackedCount(out) >= N, 180_000, 250);

    const report = pauseReport(out, N, rebalancedAt, RATE, TIMEOUT_MS);
    process.stderr.write(`rebalance split 2 -> 4 under ${RATE}/s: ${JSON.stringify(report)}\n`);
    expect(report.lost).toBe(0);
    // The mechanism: no worker restarted (the same processes run the new assignment), split runs
    // 4 executors over both workers, and nothing waited for messageTimeoutMs: trees that crossed
    // a moved task were failed at once and replayed, none timed out. Before, both workers drained
    // and restarted and nothing completed for 32 s.
    expect(after.workerProcesses.map((w) => w.pid).sort()).toEqual(pids);
    expect(component(after, 'split').executors).toBe(4);
    expect(component(after, 'split').where).toHaveLength(2);
    expect(report.timedOut).toBe(0);
    expect(report.failed).toBeLessThanOrEqual(500); // at most the trees in flight (maxSpoutPending)
    expect(report.pauseMs).toBeLessThan(TIMEOUT_MS / 3);
  }, 300_000);
});
