// `gale local --typecheck` and `gale deploy` (type checking on unless --no-typecheck): the
// TypeScript compiler's errors as file:line:col, exit 2, before anything runs or is uploaded.
// And what the same Storm-style mistakes give without the check: one clear error each.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fixture, gale as galeProcess, lines, type GaleResult } from './gale-process.js';

/** The compiler parses ~50k lines of declarations: slow on a loaded machine. */
const gale = (args: readonly string[]): Promise<GaleResult> => galeProcess(args, { timeoutMs: 120_000 });

jest.setTimeout(240_000);

/** A ZooKeeper nobody listens on: a deploy that got past the type check fails to connect (exit 1). */
const NO_ZK = ['--zk', '127.0.0.1:1', '--connect-timeout', '500'];

describe('type checking a topology file', () => {
  it('gale local --typecheck lists the type errors as file:line:col and exits 2 without running', async () => {
    const r = await gale(['local', fixture('type-errors.mts'), '--typecheck']);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
    expect(lines(r.stderr)).toEqual([
      `gale: ${fixture('type-errors.mts')}:8:29: error TS2345: Argument of type 'string' is not assignable to parameter of type 'FieldsArg'.`,
      `gale: ${fixture('type-errors.mts')}:9:7: error TS2322: Type 'number' is not assignable to type 'string'.`,
      `gale: 2 type errors in ${fixture('type-errors.mts')}`,
      'fix them, or run without --typecheck',
    ]);
  });

  it('names a file outside the working directory by its absolute path, as tsc would', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gale-typecheck-'));
    try {
      const file = path.join(dir, 'outside.mts');
      writeFileSync(file, "import { TopologyBuilder } from '@gale/runtime';\nconst name: string = 42;\nexport default new TopologyBuilder().build({ name });\n");
      const r = await gale(['local', file, '--typecheck']);
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
      expect(lines(r.stderr)[0]).toBe(`gale: ${file}:2:7: error TS2322: Type 'number' is not assignable to type 'string'.`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a correct file in a directory without node_modules passes: Node\'s types come from gale\'s install', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gale-typecheck-'));
    try {
      const file = path.join(dir, 'good.ts');
      writeFileSync(file, "import { TopologyBuilder } from '@gale/runtime';\nimport { GeneratorSpout } from '@gale/spout-kit';\nconst b = new TopologyBuilder();\nb.setSpout('g', new GeneratorSpout({ fields: ['n'], generate: (s) => (s < 3 ? [s] : undefined) }));\nexport default b.build({ name: process.env.GALE_NAME ?? 'good' });\n");
      const r = await gale(['local', file, '--typecheck', '--until-idle', '--stats-interval', '0']);
      expect(r.stderr).not.toContain('TS2688');
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gale deploy type-checks before it connects, and --no-typecheck skips the check', async () => {
    const r = await gale(['deploy', fixture('implicit-any.mts'), ...NO_ZK]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)[0]).toBe(`gale: ${fixture('implicit-any.mts')}:5:16: error TS7006: Parameter 'n' implicitly has an 'any' type.`);
    expect(lines(r.stderr).at(-1)).toBe('fix them, or deploy without the check: gale deploy --no-typecheck');
    const skipped = await gale(['deploy', fixture('implicit-any.mts'), '--no-typecheck', ...NO_ZK]);
    expect(skipped.code).toBe(1);
    expect(skipped.stderr).toContain('gale: cannot reach ZooKeeper at 127.0.0.1:1');
    expect(skipped.stderr).not.toContain('TS7006');
  });

  it('uses the tsconfig.json found above the file', async () => {
    const r = await gale(['local', fixture('loose/implicit-any.mts'), '--typecheck', '--until-idle', '--stats-interval', '0']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('gale: stopped "loose-1"');
  });

  it('accepts Storm\'s argument order for fieldsGrouping, type-checked and at run time', async () => {
    const r = await gale(['local', fixture('storm-grouping.ts'), '--typecheck', '--until-idle', '--json', '--stats-interval', '0']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { components: { component: string; executed: number }[] };
    expect(report.components.find((c) => c.component === 'odd')?.executed).toBe(5);
  });

  it('a grouping without fields: a type error with the check, one clear error without it', async () => {
    const r = await gale(['local', fixture('type-errors.mts')]);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
    expect(lines(r.stderr)).toEqual([
      'gale: bolt "double": fieldsGrouping("numbers", ...): fields must be a list of field names, got the string "default"; use fieldsGrouping(component, ["field", ...]) or, as Storm, fieldsGrouping(component, streamId, ["field", ...])',
    ]);
    expect(r.stderr).not.toContain('forEach');
  });

  it('a Storm-style open(conf, context, collector): a type error with the check, one clear error (not one per nextTuple) without it', async () => {
    const checked = await gale(['local', fixture('storm-open.mts'), '--typecheck']);
    expect(checked.code).toBe(2);
    expect(lines(checked.stderr)[0]).toMatch(new RegExp(`^gale: ${fixture('storm-open.mts')}:7:12: error TS2416: Property 'open' in type 'StormSpout' is not assignable`));
    const r = await gale(['local', fixture('storm-open.mts'), '--duration', '2']);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
    expect(lines(r.stderr)).toEqual([
      'gale: spout "storm": open() declares 3 parameters, like Storm\'s open(conf, context, collector); gale calls open(context, collector): drop the conf parameter (read config from context)',
    ]);
  });
});
