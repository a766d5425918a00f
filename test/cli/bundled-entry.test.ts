// `npm run build` rewrites the packages' entry modules as esbuild bundles (scripts/bundle-packages.mjs).
// These check the built output: every entry reaches the runtime through the same chunk files (one
// copy of each class), and the bundled `gale` runs --help and a topology whose classes must be the CLI's.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ComponentStats } from '@gale/runtime';
import { REPO_ROOT, fixture, gale } from './gale-process.js';

const ENTRIES = [
  'runtime/dist/index.js',
  'runtime/dist/cli/run.js',
  'runtime/dist/cluster/worker-main.js',
  'spout-kit/dist/index.js',
  'bolt-kit/dist/index.js',
];

/** The relative module specifiers a built file imports, statically or dynamically. */
function relativeImports(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  return [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]!);
}

/** The relative module specifiers a built file imports statically. */
function staticImports(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  return [...code.matchAll(/(?:\bfrom\s*|\bimport\s*)["'](\.{1,2}\/[^"']+)["']/g)].map((m) => m[1]!);
}

describe('the bundled packages', () => {
  it.each(ENTRIES)('%s imports only chunks of its own build, not the per-module files tsc leaves in dist/', (entry) => {
    const file = path.join(REPO_ROOT, 'packages', entry);
    const imports = relativeImports(file);
    const chunks = path.join(REPO_ROOT, 'packages', entry.split('/')[0]!, 'dist', 'chunks') + path.sep;
    for (const spec of imports) expect(path.resolve(path.dirname(file), spec).startsWith(chunks)).toBe(true);
    // The runtime entries share code, so each imports at least one chunk; a kit is one file.
    if (entry.startsWith('runtime/')) expect(imports.length).toBeGreaterThan(0);
  });

  it('the kits import the runtime by its package name (its bundle), never by path', () => {
    for (const kit of ['spout-kit', 'bolt-kit']) {
      const code = readFileSync(path.join(REPO_ROOT, 'packages', kit, 'dist', 'index.js'), 'utf8');
      expect(code).toMatch(/from\s*["']@gale\/runtime["']/);
      expect(code).not.toMatch(/["'][^"']*runtime\/(dist|src)\//);
    }
  });

  it('the bundled runtime loads pino (dist/chunks/pino.cjs) only when something is logged at an enabled level', () => {
    const index = path.join(REPO_ROOT, 'packages', 'runtime', 'dist', 'index.js');
    const script = [
      "import { createRequire } from 'node:module';",
      `const { rootLog, setLogLevel } = await import(${JSON.stringify(index)});`,
      "const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((f) => f.endsWith('pino.cjs'));",
      "setLogLevel('warn');",
      "const log = rootLog.child({ cli: 'gale' });",
      "log.info({ n: 1 }, 'below the level');",
      "process.stdout.write(`before: ${loaded()}\n`);",
      "log.warn({ n: 2 }, 'at the level');",
      "process.stdout.write(`after: ${loaded()}\n`);",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, GALE_LOG_LEVEL: '' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('before: false\nafter: true\n');
    const lines = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ level: 40, pid: r.pid, cli: 'gale', n: 2, msg: 'at the level' })]);
  });

  it('the CLI entry loads yargs only through a dynamic import: a plain `gale local` line never loads it', () => {
    const run = path.join(REPO_ROOT, 'packages', 'runtime', 'dist', 'cli', 'run.js');
    const hasYargs = (file: string): boolean => readFileSync(file, 'utf8').includes('YargsInstance');
    // What loading run.js loads: the closure of its static imports.
    const loaded = new Set<string>();
    const visit = (file: string): void => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const spec of staticImports(file)) visit(path.resolve(path.dirname(file), spec));
    };
    visit(run);
    expect([...loaded].filter(hasYargs)).toEqual([]);
    const lazy = [...loaded].flatMap((f) => relativeImports(f).map((s) => path.resolve(path.dirname(f), s))).filter((f) => !loaded.has(f));
    expect(lazy.filter(hasYargs)).toHaveLength(1);
  });

  it('gale --help runs from the bundle', async () => {
    const r = await gale(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('gale local <file>');
  });

  it('a topology\'s FailedException is the CLI\'s: the tree fails and replays, no error is reported', async () => {
    const r = await gale(['local', fixture('refuses-once.ts'), '--until-idle', '--json', '--stats-interval', '0']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { components: ComponentStats[]; errors: unknown[] };
    const refuse = report.components.find((c) => c.component === 'refuse');
    expect(refuse).toMatchObject({ failed: 1, errors: 0 });
    expect(report.components.find((c) => c.component === 'numbers')).toMatchObject({ acked: 10, failed: 1 });
    expect(report.errors).toEqual([]);
  });
});
