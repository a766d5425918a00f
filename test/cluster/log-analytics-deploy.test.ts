// `gale deploy topologies/log-analytics.ts` on a two-supervisor cluster (two workers), reading a
// file: the counts it writes per status per minute equal the batch counts of the same records,
// the malformed lines are dead-lettered, and gale status counts them in the `invalid` component.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { logs } from '../../topologies/gen-data.js';
import { batchCounts, parseLogLine } from '../../topologies/log-analytics.js';
import { deadRows, fileCounts, sameCounts } from '../../topologies/__tests__/log-analytics-output.js';
import { TestCluster, component, until, type StatusJson } from './cluster-harness.js';

describe('gale deploy topologies/log-analytics.ts', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 2 });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('from a file over two workers: the counts per status per minute equal the batch counts; malformed lines are dead-lettered and counted', async () => {
    const lines = [...logs({ count: 2000, seed: 7, rate: 20, start: 1_700_000_000_000, users: 50, invalid: 0.02 })];
    const invalid = lines.filter((l) => typeof parseLogLine(l, 'status') === 'string').length;
    expect(invalid).toBeGreaterThan(10);
    const input = path.join(cluster.tmp, 'logs.jsonl');
    const output = path.join(cluster.tmp, 'counts.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);

    const deployed = await cluster.gale(['deploy', 'topologies/log-analytics.ts', '--name', 'logs',
      ...['workers=2', `input=${input}`, `output=${output}`, 'idleFlushMs=1000'].flatMap((s) => ['--set', s]), '--wait', '30']);
    expect({ code: deployed.code, stderr: deployed.code === 0 ? '' : deployed.stderr }).toEqual({ code: 0, stderr: '' });

    const want = batchCounts(lines, 'status', 60);
    // The idle flush fires the last windows once the file is read.
    await until('the counts of every window', async () => sameCounts(fileCounts(output, 'status', 60_000), want), 30_000, 200);
    expect(fileCounts(output, 'status', 60_000)).toEqual(want);
    const status = await until('every record acked, as gale status reports it', async () => {
      const s = await cluster.json<StatusJson>(['status', 'logs']);
      const spout = component(s, 'logs');
      return spout.pending === 0 && component(s, 'invalid').executed === invalid && component(s, 'dead-letter').acked === invalid ? s : undefined;
    }, 20_000, 200);
    expect(status.workerProcesses).toHaveLength(2);
    expect({ failed: component(status, 'logs').failed, late: component(status, 'late').executed, errors: status.errors }).toEqual({ failed: 0, late: 0, errors: {} });
    expect(deadRows(`${output}.invalid`)).toHaveLength(invalid);
    expect((await cluster.gale(['kill', 'logs', '--wait', '0'])).code).toBe(0);
  }, 60_000);
});
