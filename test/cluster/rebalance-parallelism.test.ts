// A rebalance that only changes one bolt's parallelism, under steady load on a real cluster: no id
// is lost, the rest of the topology keeps running, and the pause is measured (docs/cluster.md).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestCluster, until } from './cluster-harness.js';
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

    const rebalancedAt = Date.now();
    const r = await cluster.gale(['rebalance', 'ledger', '--parallelism', 'split=4']);
    expect(r.code).toBe(0);
    await until('every id acked', async () => ackedCount(out) >= N, 180_000, 250);

    const report = pauseReport(out, N, rebalancedAt, RATE, TIMEOUT_MS);
    process.stderr.write(`rebalance split 2 -> 4 under ${RATE}/s: ${JSON.stringify(report)}\n`);
    expect(report.lost).toBe(0);
  }, 300_000);
});
