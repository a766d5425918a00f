// `gale init` end to end, as a user outside this repository gets it: the three packages packed
// with `npm pack`, installed into a fresh temp project made by `gale init`, whose own `npm test`,
// `npx gale local` and `npx gale deploy` (to a real supervisor run from the installed package)
// must work unchanged.
//
// Tests only talk to loopback, so the project is not installed from the registry: the tarballs
// are extracted into its node_modules/@gale (what `npm install <tgz>` unpacks), their third-party
// dependencies and the dev tools come from this repo's node_modules through a parent directory
// (Node and npm look there as they would in the project's own), and `npm rebuild` links the
// `gale` bin as `npm install` does.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../cli/gale-process.js';
import { TestCluster, until } from '../cluster/cluster-harness.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: readonly string[], cwd: string, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.GALE_LOG_LEVEL;
    delete env.JEST_WORKER_ID;
    delete env.GALE_ZK;
    delete env.NODE_OPTIONS;
    env.GALE_TOPOLOGY_CACHE = 'off'; // not about the cache: keep the user's ~/.cache clean
    const child = spawn(cmd, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const PACKAGES = ['runtime', 'spout-kit', 'bolt-kit'] as const;

describe('gale init: a project of your own from the packed packages', () => {
  let tmp: string;
  let proj: string;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'gale-init-'));
    const tgz = path.join(tmp, 'tgz');
    mkdirSync(tgz);
    const packed = await run('npm', ['pack', '--pack-destination', tgz, ...PACKAGES.flatMap((p) => ['-w', `packages/${p}`])], REPO_ROOT);
    expect(packed.code).toBe(0);
    symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');

    const init = await run(process.execPath, [path.join(REPO_ROOT, 'packages', 'runtime', 'bin', 'gale.js'), 'init', 'my-topologies'], tmp);
    expect({ code: init.code, stderr: init.stderr }).toEqual({ code: 0, stderr: '' });
    expect(init.stdout).toContain('created my-topologies in my-topologies: package.json, tsconfig.json');
    proj = path.join(tmp, 'my-topologies');

    for (const p of PACKAGES) {
      const dest = path.join(proj, 'node_modules', '@gale', p);
      mkdirSync(dest, { recursive: true });
      const tar = await run('tar', ['-xzf', path.join(tgz, `gale-${p}-0.1.0.tgz`), '-C', dest, '--strip-components=1'], tmp);
      expect(tar.code).toBe(0);
    }
    const rebuilt = await run('npm', ['rebuild', '--offline', '--no-audit', '--no-fund'], proj);
    expect(rebuilt.code).toBe(0);
  }, 180_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('packs installable packages: compiled ES modules with types, exports and the bin, no tests', () => {
    for (const p of PACKAGES) {
      const dir = path.join(proj, 'node_modules', '@gale', p);
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
      expect(existsSync(path.join(dir, pkg.exports['.']!.types))).toBe(true);
      expect(existsSync(path.join(dir, pkg.exports['.']!.default))).toBe(true);
      expect(existsSync(path.join(dir, 'src'))).toBe(false);
      expect(readdirSync(path.join(dir, 'dist'), { recursive: true }).map(String).filter((f) => f.includes('__tests__'))).toEqual([]);
    }
    expect(existsSync(path.join(proj, 'node_modules', '.bin', 'gale'))).toBe(true);
  });

  it("passes its own npm test (jest, local mode) and type-checks", async () => {
    const tested = await run('npm', ['test'], proj);
    expect({ code: tested.code, out: tested.stderr }).toEqual({ code: 0, out: expect.stringContaining('Tests:       1 passed, 1 total') });
    const checked = await run('npx', ['tsc', '--noEmit', '-p', '.'], proj);
    expect({ code: checked.code, out: checked.stdout + checked.stderr }).toEqual({ code: 0, out: '' });
  }, 120_000);

  it('runs with npx gale local and writes the counts', async () => {
    const r = await run('npx', ['gale', 'local', 'topologies/word-count.ts', '--set', 'input=data/sample.txt', '--set', 'output=out/counts.tsv', '--until-idle', '--stats-interval', '0'], proj);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const counts = readFileSync(path.join(proj, 'out', 'counts.tsv'), 'utf8').split('\n');
    // "it", "of", "the" and "was" appear 8 times each in the sample; ties sort by word.
    expect(counts.slice(0, 4)).toEqual(['it\t8', 'of\t8', 'the\t8', 'was\t8']);
  }, 60_000);

  it('deploys with npx gale deploy to a supervisor run from the installed package', async () => {
    const cluster = await TestCluster.start({ supervisors: 1, bin: path.join(proj, 'node_modules', '@gale', 'runtime', 'bin', 'gale.js'), cwd: proj });
    try {
      const input = path.join(proj, 'data', 'sample.txt');
      const output = path.join(tmp, 'cluster-counts.tsv');
      const zk = cluster.flags;
      const deployed = await run('npx', ['gale', 'deploy', 'topologies/word-count.ts', '--set', `input=${input}`, '--set', `output=${output}`, ...zk], proj);
      expect({ code: deployed.code, stderr: deployed.stderr }).toEqual({ code: 0, stderr: expect.stringContaining('gale: deployed "word-count"') });
      await until('every line acked', async () => {
        const s = await run('npx', ['gale', 'status', 'word-count', '--json', ...zk], proj);
        if (s.code !== 0) throw new Error(`gale status exited ${s.code}: ${s.stderr}`);
        const lines = (JSON.parse(s.stdout) as { components: { component: string; acked: number; pending: number }[] }).components.find((c) => c.component === 'lines');
        if (lines !== undefined && lines.acked === 4 && lines.pending === 0) return true;
        throw new Error(`not yet: ${s.stdout}`); // shown by until() if it never comes
      }, 60_000, 250);
      const killed = await run('npx', ['gale', 'kill', 'word-count', '--wait', '0', ...zk], proj);
      expect(killed.code).toBe(0);
      expect(readFileSync(output, 'utf8')).toBe(readFileSync(path.join(proj, 'out', 'counts.tsv'), 'utf8'));
    } finally {
      await cluster.close();
    }
  }, 150_000);

  it('refuses a non-empty directory without --force, and --force keeps existing files', async () => {
    const dir = path.join(tmp, 'taken');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'README.md'), 'mine\n');
    const bin = path.join(REPO_ROOT, 'packages', 'runtime', 'bin', 'gale.js');
    const refused = await run(process.execPath, [bin, 'init', 'taken'], tmp);
    expect(refused).toEqual({
      code: 2,
      stdout: '',
      stderr: 'gale: "taken" is not empty: give a new or empty directory, or --force to add the missing files (existing ones are kept)\nrun "gale init --help" for usage\n',
    });
    const forced = await run(process.execPath, [bin, 'init', 'taken', '--force'], tmp);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('kept existing: README.md');
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('mine\n');
    expect(existsSync(path.join(dir, 'topologies', 'word-count.ts'))).toBe(true);
  });
});
