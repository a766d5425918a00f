// A YAML topology on a two-supervisor cluster: `gale deploy topologies/word-count.yaml` ships the
// modules the YAML names in its bundle (workers never read the YAML file), `-c` with a Storm name
// sets the worker count, and the output equals what `gale local` writes for the same YAML.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, expectUsageError, gale } from '../cli/gale-process.js';
import { TestCluster, component, until, type StatusJson } from './cluster-harness.js';

describe('gale deploy <file>.yaml on a cluster', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 2 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('runs word-count.yaml over two workers and writes what gale local writes', async () => {
    const input = path.join(cluster.tmp, 'input.txt');
    const clusterOut = path.join(cluster.tmp, 'cluster.tsv');
    const localOut = path.join(cluster.tmp, 'local.tsv');
    const text = readFileSync(path.join(REPO_ROOT, 'topologies/data/sample.txt'), 'utf8');
    writeFileSync(input, text);
    const lineCount = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

    const deployed = await cluster.gale(['deploy', 'topologies/word-count.yaml', '--name', 'wcy', '-c', 'topology.workers=2',
      '-c', 'my.app.key=1', '--set', `input=${input}`, '--set', `output=${clusterOut}`, '--json']);
    expect(deployed.code).toBe(0);
    expect(deployed.stderr).toContain('gale: note: config key "topology.workers" is Storm\'s name for "workers"; using it');
    const report = JSON.parse(deployed.stdout) as { workers: { supervisor: string; executors: string[] }[] };
    expect(report.workers).toHaveLength(2);
    expect(report.workers.flatMap((w) => w.executors).sort()).toEqual(
      ['__acker#0', '__acker#1', 'count#0', 'count#1', 'lines#0', 'sink#0', 'split#0', 'split#1']);

    const done = await until('every line acked', async () => {
      const s = await cluster.json<StatusJson>(['status', 'wcy']);
      const spout = component(s, 'lines');
      return spout.acked === lineCount && spout.pending === 0 ? s : undefined;
    }, 60_000, 200);
    expect(done.errors).toEqual({});
    const killed = await cluster.gale(['kill', 'wcy', '--wait', '0']);
    expect(killed.code).toBe(0);

    const local = await gale(['local', 'topologies/word-count.yaml', '--set', `input=${input}`, '--set', `output=${localOut}`, '--until-idle', '--stats-interval', '0']);
    expect(local.code).toBe(0);
    expect(readFileSync(clusterOut, 'utf8')).toBe(readFileSync(localOut, 'utf8'));
  }, 120_000);

  it('rejects a bad YAML file before writing anything', async () => {
    const bad = path.join(cluster.tmp, 'bad.yaml');
    writeFileSync(bad, readFileSync(path.join(REPO_ROOT, 'topologies/word-count.yaml'), 'utf8').replace('grouping: global', 'grouping: globl')
      .replace('./word-count.ts', path.join(REPO_ROOT, 'topologies/word-count.ts')));
    const r = await cluster.gale(['deploy', bad, '--set', 'input=/x', '--set', 'output=/y']);
    expectUsageError(r, `${bad}:48:15: unknown grouping "globl" (did you mean "global"?)`);
    expect(await cluster.json<unknown[]>(['list'])).toEqual([]);
  }, 60_000);
});
