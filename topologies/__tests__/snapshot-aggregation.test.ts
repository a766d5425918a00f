import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStateStores, LocalCluster } from '@gale/runtime';
import { gale } from '../../test/cli/gale-process.js';
import { batchTotals, buildSnapshotAggregation } from '../snapshot-aggregation.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-snap-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const sorted = (r: Record<string, number>): [string, number][] => Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1));
const snapshotFile = (path: string): [string, number][] => sorted(JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>);

async function committed(stateDir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const stores = new FileStateStores(stateDir);
  for (let i = 0; i < 4; i++) {
    const s = await stores.open({ topology: 'snapshot-aggregation', component: 'totals', taskIndex: i }).load();
    for (const [k, v] of s.committed.entries) out[JSON.parse(k) as string] = v as number;
  }
  return out;
}

// The periodic snapshots are 60 s apart, far longer than the run: what the file holds when the
// run ends is the final snapshot the spout's flush asked for, written before the topology is done.
it('snapshot-aggregation: once the run is done, the committed totals and the snapshot file equal the batch totals', async () => {
  const output = join(dir, 'totals.json');
  const stateDir = join(dir, 'state');
  const cluster = new LocalCluster();
  try {
    const t = await cluster.submit(buildSnapshotAggregation({
      count: 3000, rate: 20_000, snapshotSecs: 60, output, config: { stateBackend: 'file', stateDir, checkpointIntervalMs: 100 },
    }));
    expect(await t.waitUntilDone(60_000)).toBe(true);
    const want = sorted(batchTotals(0, 3000));
    expect(snapshotFile(output)).toEqual(want);
    expect(sorted(await committed(stateDir))).toEqual(want);
  } finally {
    await cluster.shutdown(0);
  }
});

it('the README command (gale local … --until-idle) exits with the batch totals in the output file', async () => {
  const output = join(dir, 'totals.json');
  const r = await gale(['local', 'topologies/snapshot-aggregation.ts', '--set', 'count=4000', '--set', 'rate=8000', '--set', `output=${output}`, '--until-idle'], { timeoutMs: 60_000 });
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(snapshotFile(output)).toEqual(sorted(batchTotals(0, 4000)));
}, 70_000);
