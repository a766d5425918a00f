// Broken topology files: a clear one-line message naming the problem, never a stack trace.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, expectUsageError, fixture, gale, lines } from './gale-process.js';

describe('gale local with a broken topology file', () => {
  it.each([
    ['cyclic.ts', 'topology has a cycle: b -> c -> b'],
    ['duplicate-ids.ts', 'component id "double" is declared twice'],
    ['dangling.ts', 'bolt "sink" subscribes to "doubel", which is not declared (did you mean "double"?)'],
    ['no-default.ts', `${fixture('no-default.ts')} has no default export`],
    ['wrong-export.ts', `the default export of ${fixture('wrong-export.ts')} is a number (42)`],
    ['returns-builder.ts', 'returned a TopologyBuilder (call .build({ name }) on it)'],
    ['needs-param.ts', 'this topology needs --set input=<string>'],
  ])('%s: exit 2', async (file, phrase) => {
    expectUsageError(await gale(['local', fixture(file)]), phrase);
  });

  it('reports compile errors as file:line:col', async () => {
    expectUsageError(await gale(['local', fixture('syntax-error.mts')]), `${fixture('syntax-error.mts')}:5:31: Unexpected ";"`);
  });

  it('an import of a name a gale package does not export: exit 2 at the import\'s line, naming the package and the one that exports it', async () => {
    expectUsageError(await gale(['local', fixture('default-import.mts')]),
      `${fixture('default-import.mts')}:3: @gale/spout-kit has no default export (import FileLineSpout from '@gale/spout-kit'); FileLineSpout is exported by @gale/spout-kit: import { FileLineSpout } from '@gale/spout-kit'`);
    const r = await gale(['local', fixture('wrong-package-import.mts')]);
    expectUsageError(r, `${fixture('wrong-package-import.mts')}:4: @gale/bolt-kit does not export FileLineSpout (import { FileLineSpout, } from '@gale/bolt-kit'); FileLineSpout is exported by @gale/spout-kit`);
    expect(r.stderr).not.toContain('dist/index.js');
  });

  it('names a misspelt --set parameter and suggests the one the topology reads', async () => {
    expectUsageError(await gale(['local', fixture('finite.ts'), '--set', 'cuont=5']), 'unknown --set key "cuont" (did you mean "count"?)');
  });

  it('blames a misspelt key rather than the missing parameter it was meant to be', async () => {
    const r = await gale(['local', fixture('needs-param.ts'), '--set', 'inptu=abc']);
    expectUsageError(r, 'unknown --set key "inptu" (did you mean "input"?)');
    // The function read on past the missing parameter: the list is complete, and says what is not set.
    expect(lines(r.stderr)[1]).toContain(`parameters read by ${fixture('needs-param.ts')}: input (not set: input)`);
  });

  it('a missing string parameter reads as a stand-in no file or URL call accepts: the function cannot act on a made-up path', async () => {
    const made = path.join(REPO_ROOT, 'scratchDir'); // the stand-in used to be the key itself, a path relative to the cwd
    rmSync(made, { recursive: true, force: true });
    try {
      expectUsageError(await gale(['local', fixture('needs-dir-param.ts')]), 'gale: this topology needs --set scratchDir=<string>');
      expect(existsSync(made)).toBe(false);
    } finally {
      rmSync(made, { recursive: true, force: true });
    }
  });

  it('names every missing parameter in one error, each as the flag that sets it', async () => {
    expectUsageError(await gale(['local', fixture('needs-params.ts')]), 'gale: this topology needs --set input=<string> --set verbose=<true|false> --set count=<number>');
    // The ones given are not asked for; a given value the function rejects waits for the missing ones.
    expectUsageError(await gale(['local', fixture('needs-params.ts'), '--set', 'count=2']), 'gale: this topology needs --set input=<string> --set verbose=<true|false>');
    const ok = await gale(['local', fixture('needs-params.ts'), '--set', 'input=abc', '--set', 'verbose=true', '--set', 'count=5', '--until-idle', '--stats-interval', '0']);
    expect(ok.code).toBe(0);
  });

  it('rejects parameters for a file that exports a ready topology', async () => {
    const r = await gale(['local', fixture('endless.ts'), '--set', 'rate=5']);
    expectUsageError(r, 'unknown --set key "rate"');
    expect(lines(r.stderr)[1]).toContain('exports a topology, not a function of params');
  });

  it('rejects --until-idle when a spout cannot say it is exhausted', async () => {
    expectUsageError(
      await gale(['local', fixture('endless.ts'), '--until-idle']),
      '--until-idle needs every spout to implement isExhausted(); spout "endless" does not',
    );
  });

  it('exits 1 with the message when the topology function throws', async () => {
    const r = await gale(['local', fixture('throws.ts')]);
    expect(r.code).toBe(1);
    const err = lines(r.stderr);
    expect(err[0]).toBe('gale: Error: database unreachable');
    expect(err[1]).toContain(`at ${fixture('throws.ts')}:3:9`);
    expect(err).toHaveLength(2);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('prints the stack trace at --log-level debug', async () => {
    const r = await gale(['local', fixture('throws.ts'), '--log-level', 'debug']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\s+at .*throws\.ts:3:9/m);
  });

  it('exits 1 when a spout fails to open', async () => {
    const r = await gale(['local', fixture('open-fails.ts')]);
    expect(r.code).toBe(1);
    const err = lines(r.stderr);
    expect(err[0]).toBe('gale: spout "broken" (task 2) failed in open(): queue server refused the connection');
    expect(err[1]).toContain(`at ${fixture('open-fails.ts')}:`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('a kit spout failing in open() says what, where and how to fix, with no line of gale\'s code', async () => {
    const r = await gale(['local', fixture('missing-input.ts')]);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(lines(r.stderr)).toEqual([
      `gale: spout "lines" (task 2) failed in open(): input file not found: test/cli/fixtures/no-such-input.txt (looked for in ${REPO_ROOT}: a relative path is resolved from the directory gale runs in); give the spout the path of an existing file`,
    ]);
  });

  describe('a topology file outside the working directory', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'gale-outside-'));
      for (const f of ['throws.ts', 'syntax-error.mts']) copyFileSync(path.join(REPO_ROOT, fixture(f)), path.join(dir, f));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('is named by its absolute path in a compile error', async () => {
      expectUsageError(await gale(['local', path.join(dir, 'syntax-error.mts')]), `gale: ${dir}/syntax-error.mts:5:31: Unexpected ";"`);
    });

    it('is named by its absolute path in the line an error came from', async () => {
      const r = await gale(['local', path.join(dir, 'throws.ts')]);
      expect(r.code).toBe(1);
      expect(lines(r.stderr)).toEqual(['gale: Error: database unreachable', `at ${dir}/throws.ts:3:9; run with --log-level debug for the stack trace`]);
    });
  });
});
