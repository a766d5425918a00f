// Bad input that only shows up on the cluster's machines ("bad input everywhere gets a clear error
// and loses nothing"): a bundle that fails to load on the worker, and a code cache on a full disk.
// Each must end up as an error in ZooKeeper that `gale status` shows, with the supervisor alive
// and not spinning.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SupervisorEvents } from '../../packages/runtime/src/cluster/events.js';
import { gale } from '../cli/gale-process.js';
import { freePort } from '../harness/ports.js';
import { SupervisorProcess, TestCluster, until, type StatusJson } from './cluster-harness.js';

const TMPFS_BYTES = 64 * 1024;

/** Whether this process may mount a tmpfs (root, no restrictive sandbox); decided before the tests are defined. */
function canMountTmpfs(): boolean {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gale-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', dir], { stdio: 'ignore' });
    execFileSync('umount', [dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const TMPFS = canMountTmpfs();
if (!TMPFS) {
  process.stderr.write('worker-failures.test.ts: cannot mount a tmpfs here (needs root); skipping the disk-full code cache test\n');
}

/** A `worker.crashed` of a worker of `topology` that ran and exited (not a launch that failed before the fork). */
function exitedWorker(topology: string): (e: SupervisorEvents['worker.crashed']) => boolean {
  return (e) => e.topology === topology && (e.code !== null || e.signal !== null);
}

describe('gale cluster: failures on the workers\' machines', () => {
  let cluster: TestCluster;
  let tiny: string | undefined;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 1 });
  });

  afterAll(async () => {
    await Promise.all(cluster?.supervisors.map((s) => s.destroy().catch(() => {})) ?? []);
    if (tiny !== undefined) {
      try {
        execFileSync('umount', ['-l', tiny], { stdio: 'ignore' });
      } catch {
        // not mounted
      }
    }
    await cluster?.close();
  });

  it('a bundle that throws on import in the worker: the error is in ZooKeeper and gale status, the supervisor backs off', async () => {
    const sup = cluster.supervisors[0]!;
    const deployed = await cluster.gale(['deploy', 'test/cluster/fixtures/throws-on-worker.ts', '--name', 'bad-load', '--workers', '1', '--wait', '5']);
    expect(deployed.code).toBe(1);
    expect(deployed.stderr).toContain('gale: deployed "bad-load"');
    expect(deployed.stderr).toMatch(/^gale: 1 of 1 workers of "bad-load" are not running after 5 s: 127\.0\.0\.1:\d+ \(supervisor sup-a\)$/m);
    expect(deployed.stderr).toMatch(/^gale: __worker: worker sup-a:\d+ failed to start: throws-on-worker: this bundle refuses to load on a worker$/m);
    expect(deployed.stderr).toContain('gale: see "gale status bad-load"');
    expect(deployed.stderr).not.toMatch(/^\s+at /m);

    // recordWorkerError writes errors/bad-load/__worker.
    const zk = await cluster.zkClient();
    const workerErrors = await until('an error under errors/bad-load/__worker', async () => {
      const children = await zk.getChildren(`${cluster.root}/errors/bad-load`).catch(() => [] as string[]);
      return children.includes('__worker') ? children : undefined;
    }, 30_000, 200);
    expect(workerErrors).toContain('__worker');

    const st = await cluster.json<StatusJson>(['status', 'bad-load']);
    const errs = st.errors.__worker ?? [];
    expect(errs.length).toBeGreaterThan(0);
    // Any entry: a repeated failure folds into its entry, which moves to the end (errors-store.ts).
    expect(errs.map((e) => e.message)).toContainEqual(expect.stringMatching(/^worker sup-a:\d+ failed to start: .*throws-on-worker: this bundle refuses to load on a worker/));
    expect(st.workers.running).toBe(0);

    const text = await cluster.gale(['status', 'bad-load']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ {2}__worker +\S+ +127\.0\.0\.1:\d+ +worker sup-a:\d+ failed to start: .*this bundle refuses to load on a worker/m);

    // The supervisor lives on and retries with exponential backoff (0.5 s, 1 s, 2 s, ... ±20 %),
    // not in a tight loop: the gaps between failed starts grow.
    const times = (await sup.waitForEvents('worker.crashed', 4, exitedWorker('bad-load'), 40_000)).map((e) => e.atMs);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps[0]!).toBeGreaterThanOrEqual(400);
    expect(gaps[1]!).toBeGreaterThanOrEqual(800);
    expect(gaps[2]!).toBeGreaterThanOrEqual(1600);
    expect(sup.running).toBe(true);

    // Nothing is in flight (no worker ever ran): kill without the drain wait.
    const killed = await cluster.gale(['kill', 'bad-load', '--wait', '0']);
    expect({ code: killed.code, stderr: killed.stderr }).toMatchObject({ code: 0 });
    expect(await cluster.json<unknown[]>(['list'])).toEqual([]);
    expect(await zk.exists(`${cluster.root}/errors/bad-load`)).toBeNull();
    expect(sup.running).toBe(true);
  }, 90_000);

  (TMPFS ? it : it.skip)('a full disk under the code cache: ENOSPC is recorded, the supervisor lives, no partial file is left', async () => {
    // Its own cluster root, so that its one supervisor (on the tiny disk) gets the topology.
    const root = '/gale-tiny';
    const flags = ['--zk', cluster.zk.connectString, '--zk-root', root];
    tiny = path.join(cluster.tmp, 'sup-t');
    mkdirSync(tiny, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', tiny]);

    // A topology whose bundle is far larger than the disk: a 200 KB string constant.
    const src = path.join(cluster.tmp, 'big-topology.ts');
    const filler = 'gale'.repeat(50_000);
    writeFileSync(src, [
      "import { TopologyBuilder } from '@gale/runtime';",
      "import { GeneratorSpout } from '@gale/spout-kit';",
      `const FILLER = ${JSON.stringify(filler)};`,
      'export default () => {',
      '  const b = new TopologyBuilder();',
      "  b.setSpout('numbers', new GeneratorSpout({ fields: ['n'], generate: (seq) => [seq + FILLER.length], ratePerSec: 10 }));",
      "  return b.build({ name: 'big', workers: 1, config: { ackers: 0, drainTimeoutMs: 1000 } });",
      '};',
      '',
    ].join('\n'));

    const port = await freePort();
    const sup = new SupervisorProcess('sup-t', [port], [...flags, '--host', '127.0.0.1', '--ports', String(port), '--id', 'sup-t',
      '--dir', tiny, '--session-timeout', '4000', '--heartbeat', '500']);
    cluster.supervisors.push(sup);
    await sup.waitForEvent('ready');

    const env = { env: { GALE_ZK: '', GALE_CLUSTER_SECRET: '' } };
    const deployed = await gale(['deploy', src, '--name', 'big', '--wait', '0', ...flags], env);
    expect({ code: deployed.code, stderr: deployed.stderr }).toMatchObject({ code: 0 });

    const statusJson = async (): Promise<StatusJson> => {
      const r = await gale(['status', 'big', '--json', ...flags], env);
      if (r.code !== 0) throw new Error(`gale status exited ${r.code}: ${r.stderr}`);
      return JSON.parse(r.stdout) as StatusJson;
    };
    const st = await until('a supervisor error', async () => {
      const s = await statusJson();
      return (s.errors.__supervisor ?? []).length > 0 ? s : undefined;
    }, 30_000, 200);
    const err = st.errors.__supervisor![0]!;
    expect(err.code).toBe('ENOSPC');
    expect(err.message).toMatch(/^supervisor sup-t cannot get the code of "big": ENOSPC: no space left on device/);
    expect(st.workers.running).toBe(0);

    const text = await gale(['status', 'big', ...flags], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ {2}__supervisor +\S+ +127\.0\.0\.1 +supervisor sup-t cannot get the code of "big": ENOSPC/m);

    // Nothing half-written: no topology.mjs, and the temp file of each failed attempt is removed
    // (retries keep coming, with backoff, so wait for a moment between two of them).
    const codeDir = path.join(tiny, 'code', (st as StatusJson & { codeSha256: string }).codeSha256);
    // The free space is read at the same moment as the listing: a retry that starts writing its
    // temp file right after the listing would otherwise fill the disk before statfs.
    const disk: string = tiny;
    const { files: left, freeBytes } = await until('the code cache to hold no partial file', async () => {
      const files = existsSync(codeDir) ? readdirSync(codeDir) : [];
      if (!files.every((f) => !f.endsWith('.tmp'))) return undefined;
      const fsStat = statfsSync(disk);
      const after = existsSync(codeDir) ? readdirSync(codeDir) : [];
      return after.every((f) => !f.endsWith('.tmp')) ? { files, freeBytes: fsStat.bavail * fsStat.bsize } : undefined;
    }, 30_000, 50);
    expect(left).not.toContain('topology.mjs');
    expect(freeBytes).toBeGreaterThan(TMPFS_BYTES / 2);
    expect(sup.running).toBe(true);

    const killed = await gale(['kill', 'big', '--wait', '0', ...flags], env);
    expect({ code: killed.code, stderr: killed.stderr }).toMatchObject({ code: 0 });
    const list = await gale(['list', '--json', ...flags], env);
    expect(JSON.parse(list.stdout)).toEqual([]);
    expect(sup.running).toBe(true);
  }, 90_000);
});
