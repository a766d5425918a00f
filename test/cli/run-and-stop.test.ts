// Running topologies with `gale local` and stopping them: until idle, after --duration, on signals.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ComponentStats } from '@gale/runtime';
import { GaleProcess, fixture, gale, lines } from './gale-process.js';

interface Report {
  topology: string;
  stoppedBy: string;
  signal?: string;
  config: Record<string, unknown>;
  params: Record<string, string>;
  components: ComponentStats[];
  errors: { component: string; message: string; count?: number }[];
}

function component(report: Report, id: string): ComponentStats {
  const c = report.components.find((s) => s.component === id);
  if (c === undefined) throw new Error(`no stats for "${id}" in ${JSON.stringify(report.components.map((s) => s.component))}`);
  return c;
}

describe('gale local', () => {
  it('--until-idle runs a finite topology to completion, with --set parameters and config', async () => {
    const r = await gale(['local', fixture('finite.ts'), '--until-idle', '--json', '--set', 'count=250', '--set', 'maxSpoutPending=10']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report).toMatchObject({ topology: 'finite', stoppedBy: 'idle', params: { count: '250' } });
    expect(report.config.maxSpoutPending).toBe(10);
    expect(component(report, 'numbers')).toMatchObject({ emitted: 250, acked: 250, failed: 0, pending: 0 });
    expect(component(report, 'sink')).toMatchObject({ executed: 250, acked: 250 });
    expect(r.stderr).toContain('gale: stopped "finite"');
    expect(r.stderr).toMatch(/^gale: total numbers +spout +emitted 250 /m);
  });

  it('--until-idle with a poison tuple and no maxRetries: one note says why the run does not end and how to bound it', async () => {
    const p = new GaleProcess(['local', fixture('poison.ts'), '--until-idle', '--stats-interval', '0']);
    await p.waitFor('stderr', /gale: note: \d+ failed trees replayed so far \(spout "numbers"\) and maxRetries is not set/, 20_000);
    p.signal('SIGTERM');
    const r = await p.exit();
    expect(lines(r.stderr).filter((l) => l.startsWith('gale: note: ') && l.includes('maxRetries is not set'))).toHaveLength(1);
    expect(r.stderr).toContain('--set maxRetries=3 dead-letters a message id after 3 replays');
  }, 30_000);

  it('--until-idle ends with a poison tuple and maxRetries; the summary counts failed, timed out, replayed, dead-lettered', async () => {
    const started = Date.now();
    const r = await gale(['local', fixture('poison.ts'), '--until-idle', '--json', '--stats-interval', '0', '--set', 'maxRetries=3']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.stoppedBy).toBe('idle');
    // n = 7 fails 4 times: replayed 3 times (at once, then after ~100 and ~200 ms), then dead-lettered
    // (acked to the spout, not counted in acked).
    expect(component(report, 'numbers')).toMatchObject({ emitted: 23, acked: 19, failed: 4, timedOut: 0, replayed: 3, deadLettered: 1, pending: 0 });
    expect(r.stderr).toMatch(/^gale: total numbers +spout +emitted 23 +acked 19 +failed 4 +timed out 0 +replayed 3 +dead-lettered 1 +errors 0 /m);
    // Not a hot loop, and not a long wait either: the backoff of 3 replays is ~0.3 s.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('--set name=... is a parameter, and the summary names the topology', async () => {
    const r = await gale(['local', fixture('finite.ts'), '--until-idle', '--set', 'name=renamed', '--stats-interval', '0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('gale: running "renamed"');
  });

  it('--duration stops an endless topology, draining it', async () => {
    const started = Date.now();
    const r = await gale(['local', fixture('endless.ts'), '--duration', '0.5', '--json', '--stats-interval', '0.2']);
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.stoppedBy).toBe('duration');
    const spout = component(report, 'endless');
    expect(spout.emitted).toBeGreaterThan(0);
    expect(spout.pending).toBe(0);
    expect(spout.acked).toBe(spout.emitted);
    // live rate lines, one per component
    expect(r.stderr).toMatch(/^gale: \d+\.\ds endless +spout +emitted \S+\/s +acked \S+\/s +failed \S+\/s +pending \d+ +complete p50 /m);
    expect(r.stderr).toMatch(/^gale: \d+\.\ds sink +bolt +executed \S+\/s .* queue \d+$/m);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s drains and exits 0', async (sig) => {
    const p = new GaleProcess(['local', fixture('endless.ts'), '--json', '--stats-interval', '0']);
    await p.waitFor('stderr', /gale: running "endless"/);
    p.signal(sig);
    const r = await p.exit();
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`gale: stopping "endless" (${sig}): draining`);
    expect(r.stderr).toContain(sig === 'SIGINT' ? '; Ctrl-C again to exit at once' : '; send SIGTERM again to exit at once');
    const report = JSON.parse(r.stdout) as Report;
    expect(report).toMatchObject({ stoppedBy: 'signal', signal: sig });
    const spout = component(report, 'endless');
    expect(spout.pending).toBe(0);
    expect(spout.acked).toBe(spout.emitted);
  });

  it('SIGTERM to word-count (no --until-idle) prints the summary once: one "gale: total" line per component', async () => {
    // Reported as printed twice; not reproduced (SIGTERM 1-2.5 s in, with and without --json and
    // --stats-interval, a second SIGTERM 50-300 ms later): this pins it on the real example.
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'gale-term-')), 'wc.tsv');
    const p = new GaleProcess(['local', 'topologies/word-count.ts', '--set', 'input=topologies/data/sample.txt', '--set', `output=${out}`, '--stats-interval', '1']);
    await p.waitFor('stderr', /gale: \d+\.\ds sink /); // the first rate lines (1.0s, or later on a loaded machine)
    p.signal('SIGTERM');
    const r = await p.exit();
    rmSync(path.dirname(out), { recursive: true, force: true });
    expect(r.code).toBe(0);
    const totals = lines(r.stderr).filter((l) => l.startsWith('gale: total '));
    expect(totals.map((l) => l.split(/ +/)[2])).toEqual(['lines', 'split', 'count', 'sink']);
    expect(lines(r.stderr).filter((l) => l.startsWith('gale: stopped "word-count"'))).toHaveLength(1);
  });

  it('a second SIGINT while draining exits 1 at once', async () => {
    const p = new GaleProcess(['local', fixture('stuck.ts'), '--stats-interval', '0']);
    await p.waitFor('stderr', /gale: running "stuck"/);
    p.signal('SIGINT');
    await p.waitFor('stderr', /gale: stopping "stuck" \(SIGINT\)/);
    p.signal('SIGINT');
    const r = await p.exit(5_000);
    expect(r.code).toBe(1);
    expect(lines(r.stderr).at(-1)).toBe('gale: SIGINT again: exiting without draining');
  });

  it('shows component errors on stderr at the default log level and still exits 0', async () => {
    const r = await gale(['local', fixture('grumpy.ts'), '--until-idle', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/"component":"grumpy".*"err":"cannot digest 10"/);
    expect(r.stderr).toContain('gale: error in "grumpy" (task ');
    const report = JSON.parse(r.stdout) as Report;
    expect(component(report, 'grumpy').errors).toBe(3);
    // One error whose messages differ only in a number: one entry, the newest message, counted 3 times (errors.md, "Recent errors").
    expect(report.errors.map((e) => [e.message, e.count])).toEqual([['cannot digest 20', 3]]);
  });

  it('--log-level silent hides the logs but not the summary', async () => {
    const r = await gale(['local', fixture('grumpy.ts'), '--until-idle', '--log-level', 'silent']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('"level"');
    expect(r.stderr).toContain('gale: error in "grumpy"');
  });

  it('loads plain .mjs files with installed packages and removes its temp bundle', async () => {
    const p = new GaleProcess(['local', fixture('plain-js.mjs'), '--until-idle', '--json']);
    const r = await p.exit();
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    // named from import.meta.url: it must be the file's own URL, not the temp bundle's
    expect(report.topology).toBe('plain-js');
    expect(component(report, 'unpack')).toMatchObject({ executed: 10, emitted: 10 });
    expect(readdirSync(tmpdir()).filter((f) => f.includes(`-${p.child.pid}-`))).toEqual([]);
  });

  it('runs a topology outside any package, with the @gale/runtime the CLI runs from', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gale-cli-test-'));
    try {
      const file = path.join(dir, 'outside.mjs');
      writeFileSync(file, [
        "import { TopologyBuilder, FixedTupleSpout, BaseBasicBolt } from '@gale/runtime';",
        'class Sink extends BaseBasicBolt { declareOutputFields() {} execute() {} }',
        'const b = new TopologyBuilder();',
        "b.setSpout('fixed', new FixedTupleSpout([[1], [2], [3]]));",
        "b.setBolt('sink', Sink).shuffleGrouping('fixed');",
        "export default b.build({ name: 'outside' });",
      ].join('\n'));
      const r = await gale(['local', file, '--until-idle', '--json']);
      expect(r.code).toBe(0);
      expect(component(JSON.parse(r.stdout) as Report, 'sink').executed).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
