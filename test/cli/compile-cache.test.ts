// The compiled-topology cache of `gale local` (packages/runtime/src/cli/compile-cache.ts) with the
// real CLI: a rerun imports the stored bundle without esbuild, and any change to a bundled file
// (not only the entry) or to a package.json/tsconfig.json esbuild may read compiles again.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, gale, type GaleResult } from './gale-process.js';

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
async function runTopo(cacheEnv = cache): Promise<{ how: 'hit' | 'compiled' | 'uncached'; name: string | undefined }> {
  const r: GaleResult = await gale(['local', path.join(dir, 'topo.ts'), '--until-idle', '--stats-interval', '0', '--log-level', 'debug'],
    { env: { GALE_TOPOLOGY_CACHE: cacheEnv }, timeoutMs: 60_000 });
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  const how = r.stderr.includes('"msg":"topology compile cache hit"') ? 'hit' : r.stderr.includes('"msg":"topology compiled"') ? 'compiled' : 'uncached';
  return { how, name: /gale: running "([^"]+)"/.exec(r.stderr)?.[1] };
}

const bundles = (): string[] => readdirSync(cache).filter((f) => f.endsWith('.mjs'));

describe('gale local: compiled topology cache', () => {
  it('reuses the bundle until an imported file changes, then compiles again and drops the old bundle', async () => {
    expect(await runTopo()).toEqual({ how: 'compiled', name: 'alpha' });
    expect(await runTopo()).toEqual({ how: 'hit', name: 'alpha' });
    expect(bundles()).toHaveLength(1);
    const first = bundles()[0];

    setName('beta'); // not the entry file: a file it imports
    expect(await runTopo()).toEqual({ how: 'compiled', name: 'beta' });
    expect(await runTopo()).toEqual({ how: 'hit', name: 'beta' });
    expect(bundles()).toHaveLength(1);
    expect(bundles()[0]).not.toBe(first);
  }, 120_000);

  it('compiles again when a tsconfig.json appears next to the sources', async () => {
    expect((await runTopo()).how).toBe('compiled');
    writeFileSync(path.join(dir, 'tsconfig.json'), '{}\n');
    expect(await runTopo()).toEqual({ how: 'compiled', name: 'alpha' });
    expect((await runTopo()).how).toBe('hit');
  }, 120_000);

  it('GALE_TOPOLOGY_CACHE=off compiles every time and stores nothing', async () => {
    expect(await runTopo('off')).toEqual({ how: 'uncached', name: 'alpha' });
    expect(await runTopo('off')).toEqual({ how: 'uncached', name: 'alpha' });
    expect(readdirSync(cache)).toEqual([]);
  }, 120_000);
});
