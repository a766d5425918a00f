// The compiled-topology cache of `gale local` (packages/runtime/src/cli/compile-cache.ts) with the
// real CLI, when what changes is how imports resolve rather than the content of a bundled file:
// a symlinked entry pointing elsewhere, a file shadowing a directory's index, a tsconfig.json's
// `extends` target.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, gale, type GaleResult } from './gale-process.js';

let dir: string;
let cache: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'gale-ccr-src-'));
  cache = mkdtempSync(path.join(tmpdir(), 'gale-ccr-cache-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(cache, { recursive: true, force: true });
});

/** A topology file that runs under the name `nameExpr` (a JS expression; `import`s in `imports`). */
function topology(file: string, nameExpr: string, imports = ''): void {
  const components = path.join(REPO_ROOT, 'test', 'cli', 'fixtures', 'components.js');
  writeFileSync(path.join(dir, file), [
    "import { TopologyBuilder } from '@gale/runtime';",
    `import { CountingSpout, SinkBolt } from ${JSON.stringify(components)};`,
    imports,
    'export default function topo() {',
    '  const b = new TopologyBuilder();',
    "  b.setSpout('numbers', new CountingSpout(3));",
    "  b.setBolt('sink', new SinkBolt()).shuffleGrouping('numbers');",
    `  return b.build({ name: ${nameExpr} });`,
    '}',
    '',
  ].join('\n'));
}

function nameModule(file: string, name: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), `export const NAME: string = ${JSON.stringify(name)};\n`);
}

async function runTopo(file: string): Promise<{ how: 'hit' | 'compiled' | 'uncached'; name: string | undefined }> {
  const r: GaleResult = await gale(['local', path.join(dir, file), '--until-idle', '--stats-interval', '0', '--log-level', 'debug'],
    { env: { GALE_TOPOLOGY_CACHE: cache }, timeoutMs: 60_000 });
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  const how = r.stderr.includes('"msg":"topology compile cache hit"') ? 'hit' : r.stderr.includes('"msg":"topology compiled"') ? 'compiled' : 'uncached';
  return { how, name: /gale: running "([^"]+)"/.exec(r.stderr)?.[1] };
}

describe('gale local: compiled topology cache and import resolution', () => {
  it('follows a symlinked topology file to its current target', async () => {
    topology('one.ts', "'one'");
    topology('two.ts', "'two'");
    symlinkSync('one.ts', path.join(dir, 'cur.ts'));
    expect(await runTopo('cur.ts')).toEqual({ how: 'compiled', name: 'one' });
    expect(await runTopo('cur.ts')).toEqual({ how: 'hit', name: 'one' });
    rmSync(path.join(dir, 'cur.ts'));
    symlinkSync('two.ts', path.join(dir, 'cur.ts'));
    expect(await runTopo('cur.ts')).toEqual({ how: 'compiled', name: 'two' });
    expect(await runTopo('cur.ts')).toEqual({ how: 'hit', name: 'two' });
  }, 120_000);

  it('compiles again when a file appears that shadows the directory index an import resolved to', async () => {
    topology('topo.ts', 'NAME', "import { NAME } from './name';");
    nameModule('name/index.ts', 'index');
    expect(await runTopo('topo.ts')).toEqual({ how: 'compiled', name: 'index' });
    expect(await runTopo('topo.ts')).toEqual({ how: 'hit', name: 'index' });
    nameModule('name.ts', 'file'); // ./name is now name.ts
    expect(await runTopo('topo.ts')).toEqual({ how: 'compiled', name: 'file' });
    expect(await runTopo('topo.ts')).toEqual({ how: 'hit', name: 'file' });
    writeFileSync(path.join(dir, 'out.txt'), 'output of a run\n'); // not importable: still a hit
    expect(await runTopo('topo.ts')).toEqual({ how: 'hit', name: 'file' });
  }, 120_000);

  it('compiles again when the config a tsconfig.json extends changes', async () => {
    topology('topo.ts', 'NAME', "import { NAME } from '#name';");
    nameModule('alpha.ts', 'alpha');
    nameModule('beta.ts', 'beta');
    writeFileSync(path.join(dir, 'tsconfig.json'), '{\n  // comments are allowed here\n  "extends": "./tsconfig.base.json",\n}\n');
    const base = (target: string): void => writeFileSync(path.join(dir, 'tsconfig.base.json'),
      JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '#name': [target] } } }));
    base('./alpha.ts');
    expect(await runTopo('topo.ts')).toEqual({ how: 'compiled', name: 'alpha' });
    expect(await runTopo('topo.ts')).toEqual({ how: 'hit', name: 'alpha' });
    base('./beta.ts');
    expect(await runTopo('topo.ts')).toEqual({ how: 'compiled', name: 'beta' });
    expect(await runTopo('topo.ts')).toEqual({ how: 'hit', name: 'beta' });
  }, 120_000);
});
