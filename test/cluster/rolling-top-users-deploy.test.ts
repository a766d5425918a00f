// `gale deploy topologies/rolling-top-users.ts` on a two-supervisor cluster (two workers), as the
// README deploys it (`--workers 2 --set anchor=none`): every window's top 3 it appends to the output
// file equals the batch computation of the same visits, the malformed lines go to the invalid file,
// and every visit is acked once, none failed. With the counter's rows anchored to their visits (the
// local default), the total's rows carried more than 1024 visit trees and could not cross workers.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { visits } from '../../topologies/gen-data.js';
import { parseVisit, type Visit } from '../../topologies/rolling-top-users.js';
import { batchTops, fileTops } from '../../topologies/__tests__/rolling-top-users-output.js';
import { TestCluster, component, readFileLines, until, type StatusJson } from './cluster-harness.js';

describe('gale deploy topologies/rolling-top-users.ts', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 2 });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('over two workers, as the README says: every window equals the batch top 3; malformed lines are written with the reason', async () => {
    // 60 s of event time at 50 visits/s: 3000 in a 60 s window, far over the 1024 anchor trees a tuple may carry.
    const lines = [...visits({ count: 3000, seed: 7, rate: 50, start: 1_700_000_000_000, users: 60, invalid: 0 })];
    const bad = ['{"userId": "u1", "url": "/", "ts": "noon"}', 'GET / 200'];
    const input = path.join(cluster.tmp, 'visits.jsonl');
    const output = path.join(cluster.tmp, 'top.jsonl');
    writeFileSync(input, `${[...lines.slice(0, 1500), ...bad, ...lines.slice(1500)].join('\n')}\n`);

    // The README's command, as it is (default settings).
    const deployed = await cluster.gale(['deploy', 'topologies/rolling-top-users.ts', '--workers', '2', '--set', 'anchor=none', '--set', `input=${input}`, '--set', `output=${output}`]);
    expect({ code: deployed.code, stderr: deployed.code === 0 ? '' : deployed.stderr }).toEqual({ code: 0, stderr: '' });

    const want = batchTops(lines.map((l) => parseVisit(l) as Visit), 60_000, 10_000, 3);
    expect(want.length).toBeGreaterThanOrEqual(12);
    // Windows are appended as the total closes them; the idle flushes close the last ones.
    await until('the top 3 of every window', async () => fileTops(output).length >= want.length, 30_000, 200);
    expect(fileTops(output)).toEqual(want);
    expect(readFileLines(`${output}.invalid`).sort()).toEqual([`${bad[0]}\tts is not a number (epoch ms)`, `${bad[1]}\tnot JSON`].sort());
    const status = await until('every visit acked, as gale status reports it', async () => {
      const s = await cluster.json<StatusJson>(['status', 'rolling-top-users']);
      const spout = component(s, 'visits');
      return spout.pending === 0 && spout.acked === lines.length + bad.length && component(s, 'sink').executed === want.length ? s : undefined;
    }, 20_000, 200);
    expect(status.workerProcesses).toHaveLength(2);
    expect({ failed: component(status, 'visits').failed, errors: status.errors }).toEqual({ failed: 0, errors: {} });
    expect((await cluster.gale(['kill', 'rolling-top-users', '--wait', '0'])).code).toBe(0);
    // Killing it (the sinks close their files) adds nothing.
    expect(fileTops(output)).toEqual(want);
  }, 60_000);
});
