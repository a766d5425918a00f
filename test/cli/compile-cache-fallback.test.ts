// The compile cache of `gale local` (packages/runtime/src/cli/compile-cache.ts) never makes a run
// fail: a key that cannot be computed or a cached bundle that vanished before its import mean
// compiling without the cache. Run in a real Node process against the built module (jest's
// CommonJS transform cannot import ESM files by URL).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './gale-process.js';

const LOAD_TOPOLOGY = pathToFileURL(path.join(REPO_ROOT, 'packages', 'runtime', 'dist', 'cli', 'load-topology.js')).href;
const LOG = pathToFileURL(path.join(REPO_ROOT, 'packages', 'runtime', 'dist', 'log.js')).href;

/** Runs an ES module script with `node`; resolves with its exit code and output. */
function node(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'gale-ccf-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('compile cache fallbacks', () => {
  it('a cached bundle deleted before its import is reported as gone (the caller compiles), not thrown', async () => {
    const r = await node(
      `const { importCachedBundle } = await import(process.env.LT);
       console.log(String(await importCachedBundle(process.env.GONE)));`,
      { LT: LOAD_TOPOLOGY, GONE: path.join(dir, 'deleted-by-another-run.mjs') });
    expect(r).toEqual({ code: 0, stdout: 'undefined\n', stderr: '' });
  }, 30_000);

  it('an error computing the cache key (gale/esbuild versions unreadable) compiles without the cache', async () => {
    writeFileSync(path.join(dir, 'topo.mjs'), 'export const answer = 42;\n');
    const cache = path.join(dir, 'cache');
    const r = await node(
      `const { loadTopologyModule } = await import(process.env.LT);
       const { createLogger } = await import(process.env.LOG);
       const m = await loadTopologyModule({ file: 'topo.mjs', cwd: process.env.DIR, runtimeDir: process.env.NO_RUNTIME,
         log: createLogger(process.stderr, 'debug'), cacheDir: process.env.CACHE });
       console.log(m.exports.answer);`,
      { LT: LOAD_TOPOLOGY, LOG, DIR: dir, NO_RUNTIME: path.join(dir, 'no-runtime-here'), CACHE: cache });
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: '42\n' });
    expect(r.stderr).toContain('topology compile cache not used: no key');
    expect(readdirSync(cache)).toEqual([]);
  }, 30_000);
});
