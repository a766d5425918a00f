// The compiled-topology cache of `gale local` (packages/runtime/src/cli/compile-cache.ts) with the
// real CLI: a rerun imports the stored bundle without esbuild, and any change to a bundled file
// (not only the entry) or to a package.json/tsconfig.json esbuild may read compiles again.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, fixture, gale, type GaleResult } from './gale-process.js';

let dir: string;
let cache: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'gale-cc-src-'));
  cache = mkdtempSync(path.join(tmpdir(), 'gale-cc-cache-'));
  const components = path.join(REPO_ROOT, 'test', 'cli', 'fixtures', 'components.js');
  writeFileSync(path.join(dir, 'topo.ts'), [
    "import { TopologyBuilder } from '@gale/runtime';",
    `import { CountingSpout, SinkBolt } from ${JSON.stringify(components)};`,
    "import { NAME } from './name.js';",
    'export default function topo() {',
    '  const b = new TopologyBuilder();',
    "  b.setSpout('numbers', new CountingSpout(3));",
    "  b.setBolt('sink', new SinkBolt()).shuffleGrouping('numbers');",
    '  return b.build({ name: NAME });',
    '}',
    '',
  ].join('\n'));
  setName('alpha');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});

function setName(name: string): void {
  writeFileSync(path.join(dir, 'name.ts'), `export const NAME: string = ${JSON.stringify(name)};\n`);
}

/** Runs the topology; returns how it was loaded and the name it ran under. */
async function runTopo(cacheEnv = cache): Promise<{ how: 'hit' | 'compiled' | 'uncached'; name: string | undefined; stderr: string }> {
  const r: GaleResult = await gale(['local', path.join(dir, 'topo.ts'), '--until-idle', '--stats-interval', '0', '--log-level', 'debug'],
    { env: { GALE_TOPOLOGY_CACHE: cacheEnv }, timeoutMs: 60_000 });
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  const how = r.stderr.includes('"msg":"topology compile cache hit"') ? 'hit' : r.stderr.includes('"msg":"topology compiled"') ? 'compiled' : 'uncached';
  return { how, name: /gale: running "([^"]+)"/.exec(r.stderr)?.[1], stderr: r.stderr };
}

/** How and under which name the topology ran, without the log. */
async function run(cacheEnv = cache): Promise<{ how: 'hit' | 'compiled' | 'uncached'; name: string | undefined }> {
  const { how, name } = await runTopo(cacheEnv);
  return { how, name };
}

const bundles = (): string[] => readdirSync(cache).filter((f) => f.endsWith('.mjs'));

describe('gale local: compiled topology cache', () => {
  it('reuses the bundle until an imported file changes, then compiles again and drops the old bundle', async () => {
    expect(await run()).toEqual({ how: 'compiled', name: 'alpha' });
    expect(await run()).toEqual({ how: 'hit', name: 'alpha' });
    expect(bundles()).toHaveLength(1);
    const first = bundles()[0];

    setName('beta'); // not the entry file: a file it imports
    expect(await run()).toEqual({ how: 'compiled', name: 'beta' });
    expect(await run()).toEqual({ how: 'hit', name: 'beta' });
    expect(bundles()).toHaveLength(1);
    expect(bundles()[0]).not.toBe(first);
  }, 120_000);

  it('stores the bundle with a source map of mappings only (no copy of the sources)', async () => {
    expect(await run()).toEqual({ how: 'compiled', name: 'alpha' });
    const code = readFileSync(path.join(cache, bundles()[0]!), 'utf8');
    const inline = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(code);
    expect(inline).not.toBeNull();
    const map = JSON.parse(Buffer.from(inline![1]!, 'base64').toString('utf8')) as { sources: string[]; sourcesContent?: unknown };
    expect(map.sources.some((s) => s.endsWith('topo.ts'))).toBe(true);
    expect(map.sourcesContent).toBeUndefined();
  }, 60_000);

  it('compiles again when a tsconfig.json appears next to the sources', async () => {
    expect((await runTopo()).how).toBe('compiled');
    writeFileSync(path.join(dir, 'tsconfig.json'), '{}\n');
    expect(await run()).toEqual({ how: 'compiled', name: 'alpha' });
    expect((await runTopo()).how).toBe('hit');
  }, 120_000);

  it('GALE_TOPOLOGY_CACHE=off compiles every time and stores nothing', async () => {
    expect(await run('off')).toEqual({ how: 'uncached', name: 'alpha' });
    expect(await run('off')).toEqual({ how: 'uncached', name: 'alpha' });
    expect(readdirSync(cache)).toEqual([]);
  }, 120_000);

  it('repeats on a hit the warning that the topology resolves another copy of @gale/runtime', async () => {
    const copy = path.join(dir, 'node_modules', '@gale', 'runtime');
    mkdirSync(copy, { recursive: true });
    writeFileSync(path.join(copy, 'package.json'), JSON.stringify({ name: '@gale/runtime', type: 'module', main: 'index.js' }));
    const real = path.join(REPO_ROOT, 'packages', 'runtime', 'dist', 'index.js');
    writeFileSync(path.join(copy, 'index.js'), `export * from ${JSON.stringify(real)};\n`);
    const warning = 'the topology resolves another copy of @gale/runtime than the gale CLI runs';
    const first = await runTopo();
    expect({ how: first.how, warned: first.stderr.includes(warning) }).toEqual({ how: 'compiled', warned: true });
    const second = await runTopo();
    expect({ how: second.how, warned: second.stderr.includes(warning) }).toEqual({ how: 'hit', warned: true });
  }, 120_000);

  it('refuses a cache directory others can write: one warning, the run compiles and stores nothing', async () => {
    chmodSync(cache, 0o777);
    const r = await runTopo();
    expect({ how: r.how, name: r.name }).toEqual({ how: 'uncached', name: 'alpha' });
    const warned = r.stderr.split('\n').filter((l) => l.includes('"msg":"topology compile cache not used"'));
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain(JSON.stringify(cache));
    expect(warned[0]).toContain('writable by group or others');
    expect(readdirSync(cache)).toEqual([]);
  }, 120_000);

  it('marks an entry used on a hit (the manifest mtime), so pruning keeps it', async () => {
    expect((await runTopo()).how).toBe('compiled');
    const manifest = readdirSync(cache).find((f) => f.endsWith('.json'))!;
    const weekAgo = new Date(Date.now() - 8 * 24 * 3600_000);
    utimesSync(path.join(cache, manifest), weekAgo, weekAgo);
    expect((await runTopo()).how).toBe('hit');
    expect(Date.now() - statSync(path.join(cache, manifest)).mtimeMs).toBeLessThan(3600_000);
  }, 120_000);

  it('writing an entry prunes entries unused for more than 7 days once the directory holds more than 50 files', async () => {
    const weekAgo = new Date(Date.now() - 8 * 24 * 3600_000);
    for (let i = 0; i < 30; i++) {
      writeFileSync(path.join(cache, `old${i}.json`), JSON.stringify({ bundle: `old${i}-b.mjs` }));
      writeFileSync(path.join(cache, `old${i}-b.mjs`), '');
      utimesSync(path.join(cache, `old${i}.json`), weekAgo, weekAgo);
      utimesSync(path.join(cache, `old${i}-b.mjs`), weekAgo, weekAgo);
    }
    expect((await runTopo()).how).toBe('compiled');
    expect(readdirSync(cache).filter((f) => f.startsWith('old'))).toEqual([]);
    expect(readdirSync(cache)).toHaveLength(2); // this run's manifest and bundle
  }, 120_000);
});

describe('the test harness', () => {
  it('runs the CLI with the compile cache off unless a test names a directory', async () => {
    const r = await gale(['local', fixture('finite.ts'), '--until-idle', '--stats-interval', '0', '--log-level', 'debug'], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('"msg":"topology compile cache hit"');
    expect(r.stderr).not.toContain('"msg":"topology compiled"');
  }, 120_000);
});
