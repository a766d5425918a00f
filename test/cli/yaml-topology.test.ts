// YAML topologies and -c with the real `gale` CLI process: word-count.yaml writes what
// word-count.ts writes, Storm config names and pass-through keys reach the running topology, and
// every mistake in a YAML file is one `gale: file:line:col: ...` line with exit code 2.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, expectUsageError, gale } from './gale-process.js';

interface Report {
  topology: string;
  config: { messageTimeoutMs: number; maxSpoutPending: number | null; componentConfig: Record<string, unknown> };
  components: { id: string; acked?: number }[];
}

const SAMPLE = 'topologies/data/sample.txt';

describe('gale local <file>.yaml', () => {
  let tmp: string;

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'gale-yaml-'));
  });

  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('runs topologies/word-count.yaml and writes what word-count.ts writes', async () => {
    const yamlOut = path.join(tmp, 'yaml.tsv');
    const tsOut = path.join(tmp, 'ts.tsv');
    const y = await gale(['local', 'topologies/word-count.yaml', '--set', `input=${SAMPLE}`, '--set', `output=${yamlOut}`,
      '--until-idle', '--json', '--stats-interval', '0', '-c', 'my.app.greeting=hello', '-c', 'topology.max.spout.pending=250'], { timeoutMs: 60_000 });
    expect(y.code).toBe(0);
    const report = JSON.parse(y.stdout) as Report;
    expect(report.topology).toBe('word-count');
    // From the YAML's config (a Storm name converted to ms, a pass-through key) and from -c.
    expect(report.config).toMatchObject({ messageTimeoutMs: 30_000, maxSpoutPending: 250 });
    expect(report.config.componentConfig).toEqual({ 'wordcount.min.length': 1, 'my.app.greeting': 'hello' });
    expect(y.stderr).toContain('gale: note: config key "topology.message.timeout.secs" is Storm\'s name for "messageTimeoutMs (seconds × 1000)"; using it');
    expect(y.stderr).toContain('gale: note: config key "topology.max.spout.pending" is Storm\'s name for "maxSpoutPending"; using it');
    const t = await gale(['local', 'topologies/word-count.ts', '--set', `input=${SAMPLE}`, '--set', `output=${tsOut}`, '--until-idle', '--stats-interval', '0'], { timeoutMs: 60_000 });
    expect(t.code).toBe(0);
    expect(readFileSync(yamlOut, 'utf8')).toBe(readFileSync(tsOut, 'utf8'));
    expect(readFileSync(yamlOut, 'utf8').split('\n')[0]).toBe('the\t195');
  }, 90_000);

  /** A word-count YAML in the temp dir with `edit` applied; returns its path. */
  function variant(name: string, edit: (text: string) => string): string {
    const text = readFileSync(path.join(REPO_ROOT, 'topologies', 'word-count.yaml'), 'utf8')
      .replace('./word-count.ts', path.join(REPO_ROOT, 'topologies', 'word-count.ts'));
    const file = path.join(tmp, name);
    writeFileSync(file, edit(text));
    return file;
  }

  const args = (file: string): string[] => ['local', file, '--set', `input=${SAMPLE}`, '--set', 'output=/dev/null', '--until-idle'];

  it.each([
    ['a wrong grouping', (s: string) => s.replace('grouping: shuffle', 'grouping: shufle'), /:40:15: unknown grouping "shufle" \(did you mean "shuffle"\?\)/],
    ['an unknown component', (s: string) => s.replace('to: count', 'to: cuont'), /:42:9: unknown component "cuont" \(did you mean "count"\?\)/],
    ['bad indentation', (s: string) => s.replace('    export: FileLineSpout', '   export: FileLineSpout'), /:16:1: YAML (indentation|syntax) error: /],
    ['an unknown key', (s: string) => s.replace('    parallelism: 2', '    paralelism: 2'), /:30:5: unknown key "paralelism" in a bolt \(did you mean "parallelism"\?\)/],
    ['a missing export', (s: string) => s.replace('export: SplitWordsBolt', 'export: SplitWordBolt'), /:21:5: module ".*word-count.ts" has no export "SplitWordBolt" \(did you mean "SplitWordsBolt"\?\)/],
    ['a missing module', (s: string) => s.replace('module: "@gale/bolt-kit"', 'module: ./nope.ts'), /:26:13: module "\.\/nope\.ts" not found/],
  ])('rejects %s with one line naming file:line:col, exit 2', async (_what, edit, message) => {
    const file = variant('bad.yaml', edit);
    const r = await gale(args(file));
    expectUsageError(r, file);
    expect(r.stderr.split('\n')[0]).toMatch(message);
    expect(r.stderr.split('\n')[0]).toMatch(new RegExp(`^gale: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
  }, 30_000);

  it('runs topologies/word-count-shell.yaml (a Python multilang split bolt) and writes what word-count.ts writes', async () => {
    const shellOut = path.join(tmp, 'shell.tsv');
    const tsOut = path.join(tmp, 'ts-for-shell.tsv');
    const y = await gale(['local', 'topologies/word-count-shell.yaml', '--set', `input=${SAMPLE}`, '--set', `output=${shellOut}`, '--until-idle', '--stats-interval', '0'], { timeoutMs: 90_000 });
    expect({ code: y.code, stderr: y.code === 0 ? '' : y.stderr }).toEqual({ code: 0, stderr: '' });
    const t = await gale(['local', 'topologies/word-count.ts', '--set', `input=${SAMPLE}`, '--set', `output=${tsOut}`, '--until-idle', '--stats-interval', '0'], { timeoutMs: 60_000 });
    expect(t.code).toBe(0);
    expect(readFileSync(shellOut, 'utf8')).toBe(readFileSync(tsOut, 'utf8'));
  }, 120_000);

  it('rejects a missing ${param} and an unknown --set key, and bad -c entries', async () => {
    const file = variant('ok.yaml', (s) => s);
    expectUsageError(await gale(['local', file, '--set', 'output=/dev/null']), '${input} is not set: give --set input=<value>');
    expectUsageError(await gale([...args(file), '--set', 'inptu=x']), 'unknown --set key "inptu" (did you mean "input"?)');
    expectUsageError(await gale([...args(file), '-c', 'maxSpoutPendin=3']), 'unknown -c key "maxSpoutPendin" (did you mean "maxSpoutPending"?)');
    expectUsageError(await gale([...args(file), '-c', 'topology.workers=two']), '-c topology.workers=two: "topology.workers" (gale\'s "workers") must be an integer >= 1');
  }, 60_000);
});
