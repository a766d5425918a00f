import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStores, LocalCluster } from '@gale/runtime';
import { batchTotals, buildSnapshotAggregation } from '../snapshot-aggregation.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-snap-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const sorted = (r: Record<string, number>): [string, number][] => Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1));

async function committed(stateDir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const stores = new FileStateStores(stateDir);
  for (let i = 0; i < 4; i++) {
    const s = await stores.open({ topology: 'snapshot-aggregation', component: 'totals', taskIndex: i }).load();
    for (const [k, v] of s.committed.entries) out[JSON.parse(k) as string] = v as number;
  }
  return out;
}

it('snapshot-aggregation: committed totals and the last snapshot equal the batch totals', async () => {
  const output = join(dir, 'totals.json');
  const stateDir = join(dir, 'state');
  const cluster = new LocalCluster();
  try {
    const t = await cluster.submit(buildSnapshotAggregation({
      count: 3000, rate: 20_000, snapshotSecs: 0.2, output, config: { stateBackend: 'file', stateDir, checkpointIntervalMs: 100 },
    }));
    expect(await t.waitUntilDone(60_000)).toBe(true);
    const want = sorted(batchTotals(0, 3000));
    expect(sorted(await committed(stateDir))).toEqual(want);
    // The next snapshots (every 0.2 s) show the final totals.
    const deadline = Date.now() + 10_000;
    let last: unknown;
    for (;;) {
      try {
        last = sorted(JSON.parse(readFileSync(output, 'utf8')) as Record<string, number>);
      } catch {
        last = undefined;
      }
      if (JSON.stringify(last) === JSON.stringify(want) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(last).toEqual(want);
  } finally {
    await cluster.shutdown(0);
  }
});
