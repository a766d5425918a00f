// Word count on a two-supervisor cluster: deploy, run to completion, kill, and the output file is
// byte-equal to what `gale local` writes for the same input. The cluster runs the classic shape
// (`linesPerTuple=1`: a tuple per line, one per word), whose per-line counts this test checks;
// `gale local` runs the default batched shape (a batch of lines per tuple, combined per word),
// so the byte comparison also checks that both shapes write the same file.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gale } from '../cli/gale-process.js';
import { TestCluster, component, lines, until, type StatusJson } from './cluster-harness.js';

/** Deterministic text with mixed case, punctuation and repeats. */
function corpus(lineCount: number): string {
  const words = ['Storm', 'gale', 'wind', 'tuple', 'spout', 'bolt', 'Acker', 'stream', 'node', 'ZooKeeper', 'worker', 'slot', 'x1', '42'];
  let seed = 12345;
  const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  const out: string[] = [];
  for (let i = 0; i < lineCount; i++) {
    const n = 1 + (next() % 12);
    const ws: string[] = [];
    for (let j = 0; j < n; j++) ws.push(words[next() % words.length]!);
    out.push(`${ws.join(next() % 3 === 0 ? ', ' : ' ')}${i % 5 === 0 ? '!' : ''}`);
  }
  return `${out.join('\n')}\n`;
}

interface DeployJson {
  topology: string;
  assignmentVersion: number;
  workers: { host: string; port: number; supervisor: string; executors: string[] }[];
}

describe('gale deploy on a cluster', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 2 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('runs word count over two workers and writes what gale local writes', async () => {
    const lineCount = 3000;
    const input = path.join(cluster.tmp, 'input.txt');
    const clusterOut = path.join(cluster.tmp, 'cluster.tsv');
    const localOut = path.join(cluster.tmp, 'local.tsv');
    writeFileSync(input, corpus(lineCount));

    const deployed = await cluster.gale(['deploy', 'topologies/word-count.ts', '--name', 'wc', '--workers', '2',
      '--set', `input=${input}`, '--set', `output=${clusterOut}`, '--set', 'linesPerTuple=1', '--json']);
    expect(deployed.code).toBe(0);
    expect(deployed.stderr).toContain('gale: deployed "wc"');
    const report = JSON.parse(deployed.stdout) as DeployJson;
    expect(report.topology).toBe('wc');
    expect(report.workers).toHaveLength(2);
    // The even scheduler spreads the two workers over both supervisors.
    expect(new Set(report.workers.map((w) => w.supervisor)).size).toBe(2);
    expect(report.workers.flatMap((w) => w.executors).sort()).toEqual(
      ['__acker#0', '__acker#1', 'count#0', 'count#1', 'lines#0', 'sink#0', 'split#0', 'split#1']);

    const done = await until('every line acked', async () => {
      const s = await cluster.json<StatusJson>(['status', 'wc']);
      const spout = component(s, 'lines');
      return spout.acked === lineCount && spout.pending === 0 ? s : undefined;
    }, 60_000, 200);
    expect(component(done, 'lines')).toMatchObject({ emitted: lineCount, failed: 0 });
    // The acker row counts real acker traffic: an init per line, then acks of every tuple of its tree.
    const acker = component(done, '__acker');
    expect(acker.executed).toBeGreaterThan(lineCount);
    expect(acker).toMatchObject({ pending: 0, failed: 0 });
    expect(component(done, 'split').where).toHaveLength(2);
    expect(done.errors).toEqual({});
    // Workers start with the topology's Node flags: --no-parallel-scavenge (workerParallelScavenge: false, the default).
    expect(done.workerProcesses).toHaveLength(2);
    for (const w of done.workerProcesses) expect(readFileSync(`/proc/${w.pid}/cmdline`, 'utf8').split('\0')).toContain('--no-parallel-scavenge');

    const text = await cluster.gale(['status', 'wc']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^topology "wc": active, 2 of 2 assigned workers running/m);
    expect(text.stdout).toMatch(new RegExp(`^lines +spout +1 +${lineCount} +- +${lineCount} +0 +0 +complete `, 'm'));

    const listed = await cluster.json<{ name: string; status: string; workers: number; workersRunning: number; executors: number }[]>(['list']);
    expect(listed).toEqual([expect.objectContaining({ name: 'wc', status: 'active', workers: 2, workersRunning: 2, executors: 8 })]);

    // Killing stops the workers; the sink writes its file in cleanup().
    const killed = await cluster.gale(['kill', 'wc', '--wait', '0']);
    expect({ code: killed.code, stderr: killed.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('gale: killed "wc"') });
    expect(await cluster.json<unknown[]>(['list'])).toEqual([]);

    const local = await gale(['local', 'topologies/word-count.ts', '--set', `input=${input}`, '--set', `output=${localOut}`, '--until-idle', '--stats-interval', '0']);
    expect(local.code).toBe(0);
    const expected = readFileSync(localOut);
    expect(lines(expected.toString('utf8')).length).toBeGreaterThan(5);
    expect(readFileSync(clusterOut).equals(expected)).toBe(true);
  }, 120_000);

  it('runs the default batched shape over two workers (MiB-sized batches between workers) and writes the same file', async () => {
    // ~2.2 MB: a few 1 MiB reads, so the lines → split batches are megabyte tuples on the wire.
    const input = path.join(cluster.tmp, 'batched-input.txt');
    const clusterOut = path.join(cluster.tmp, 'batched-cluster.tsv');
    const localOut = path.join(cluster.tmp, 'batched-local.tsv');
    writeFileSync(input, corpus(60_000));
    const deployed = await cluster.gale(['deploy', 'topologies/word-count.ts', '--name', 'wcb', '--workers', '2',
      '--set', `input=${input}`, '--set', `output=${clusterOut}`, '--json']);
    expect(deployed.code).toBe(0);
    const report = JSON.parse(deployed.stdout) as DeployJson;
    expect(new Set(report.workers.map((w) => w.supervisor)).size).toBe(2);

    // Batch boundaries depend on read timing, so the number of batches is not known in advance:
    // wait until every emitted batch is acked and three polls a second apart see the same count
    // (the ~2.2 MB file is read in a few milliseconds once the topology runs; three polls, not
    // two, so one stalled heartbeat on a loaded machine cannot pass for the end of the input).
    let last = -1;
    let same = 0;
    const done = await until('every batch acked, and no new batch over three polls', async () => {
      const s = await cluster.json<StatusJson>(['status', 'wcb']);
      const spout = component(s, 'lines');
      const settled = spout.emitted > 0 && spout.acked === spout.emitted && spout.pending === 0;
      same = settled && spout.emitted === last ? same + 1 : 0;
      last = settled ? spout.emitted : -1;
      return same >= 2 ? s : undefined;
    }, 90_000, 1000);
    expect(component(done, 'lines')).toMatchObject({ failed: 0 });
    // Batches, not lines: far fewer spout tuples than the 60k lines.
    expect(component(done, 'lines').emitted).toBeLessThan(100);
    expect(done.errors).toEqual({});

    const killed = await cluster.gale(['kill', 'wcb', '--wait', '0']);
    expect(killed.code).toBe(0);
    const local = await gale(['local', 'topologies/word-count.ts', '--set', `input=${input}`, '--set', `output=${localOut}`, '--set', 'linesPerTuple=1', '--until-idle', '--stats-interval', '0']);
    expect(local.code).toBe(0);
    const expected = readFileSync(localOut);
    expect(lines(expected.toString('utf8')).length).toBeGreaterThan(5);
    expect(readFileSync(clusterOut).equals(expected)).toBe(true);
  }, 180_000);
});
