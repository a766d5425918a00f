// The cluster secret reaches workers over the IPC channel only: while a worker runs traffic, its
// /proc/<pid>/environ and /proc/<pid>/cmdline do not hold the secret, whether the supervisor got
// it from $GALE_CLUSTER_SECRET or generated it in ZooKeeper. (Linux only: /proc.)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, gale } from '../cli/gale-process.js';
import { freePort } from '../harness/ports.js';
import { SupervisorProcess, TestCluster, component, until, type StatusJson } from './cluster-harness.js';

/** The process's environment and command line, as any process of the same user can read them. */
function procText(pid: number): { environ: string; cmdline: string } {
  return {
    environ: readFileSync(`/proc/${pid}/environ`).toString('utf8'),
    cmdline: readFileSync(`/proc/${pid}/cmdline`).toString('utf8'),
  };
}

/** Waits until the topology's sink has executed more than `after` tuples; returns the count. */
async function trafficPast(status: () => Promise<StatusJson>, after: number): Promise<number> {
  return until(`traffic past ${after} tuples`, async () => {
    const n = component(await status(), 'sum').executed;
    return n > after ? n : undefined;
  }, 30_000, 200);
}

describe('the cluster secret and worker processes', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 1, slotsPerSupervisor: 1 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('a supervisor given $GALE_CLUSTER_SECRET: its worker has the secret in neither environ nor cmdline while it runs traffic', async () => {
    const secret = 'env-secret-0123456789abcdef-7f3a';
    const flags = ['--zk', cluster.zk.connectString, '--zk-root', '/gale-secret-env'];
    const port = await freePort();
    const sup = new SupervisorProcess('sup-e', [port], [...flags, '--host', '127.0.0.1', '--ports', String(port),
      '--id', 'sup-e', '--dir', path.join(cluster.tmp, 'sup-e'), '--session-timeout', '4000', '--heartbeat', '500'], { GALE_CLUSTER_SECRET: secret });
    cluster.supervisors.push(sup);
    await sup.waitForEvent('ready');
    // The control: the supervisor's own environment holds it, so the check below can see a leak.
    expect(procText(sup.pid).environ).toContain(secret);

    const withSecret = { env: { GALE_CLUSTER_SECRET: secret } };
    const started = sup.nextEvent('worker.started', (d) => d.topology === 'g');
    // --wait 60: the supervisor started here forks its worker on a possibly loaded machine (15 s, the default, was seen to run out at load 14).
    const deployed = await gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'g', '--workers', '1', '--set', 'rate=200', '--wait', '60', ...flags], withSecret);
    expect(deployed.code).toBe(0);
    const { pid } = (await started).data;
    const status = async (): Promise<StatusJson> => {
      const r = await gale(['status', 'g', '--json', ...flags], withSecret);
      return JSON.parse(r.stdout) as StatusJson;
    };
    const before = await trafficPast(status, 0);
    const seen = procText(pid);
    expect(seen.cmdline).toContain('worker-main.js'); // it is the worker
    expect(seen.environ).toContain('GALE_WORKER=');
    expect(seen.environ).not.toContain(secret);
    expect(seen.cmdline).not.toContain(secret);
    await trafficPast(status, before); // still running traffic, authenticated with the secret it got over IPC
    expect(procText(pid).environ).not.toContain(secret);
    expect(sup.eventsOf('worker.crashed')).toEqual([]);
    expect((await gale(['kill', 'g', '--wait', '0', ...flags], withSecret)).code).toBe(0);
  });

  it('a generated secret (none configured) stays out of the worker environment too', async () => {
    const sup = cluster.supervisors[0]!;
    const started = sup.nextEvent('worker.started', (d) => d.topology === 'plain');
    const deployed = await cluster.gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'plain', '--workers', '1', '--set', 'rate=200', '--wait', '60']);
    expect(deployed.code).toBe(0);
    const { pid } = (await started).data;
    const zk = await cluster.zkClient();
    const secret = (await zk.getData(`${cluster.root}/cluster-secret`)).data.toString('utf8').trim();
    expect(secret.length).toBeGreaterThanOrEqual(16);
    await trafficPast(() => cluster.json<StatusJson>(['status', 'plain']), 0);
    const seen = procText(pid);
    expect(seen.environ).not.toContain(secret);
    expect(seen.cmdline).not.toContain(secret);
    expect((await cluster.gale(['kill', 'plain', '--wait', '0'])).code).toBe(0);
  });

  it('a worker started without the secret on an IPC channel refuses to run, with a clear error, even with $GALE_CLUSTER_SECRET set', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env, GALE_LOG_LEVEL: 'info', GALE_CLUSTER_SECRET: 'env-secret-0123456789abcdef',
      GALE_WORKER: JSON.stringify({ supervisor: 'sup-x', port: 1, topology: 't' }),
    };
    delete env.JEST_WORKER_ID;
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'packages', 'runtime', 'dist', 'cluster', 'worker-main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    const line = JSON.parse(stderr.split('\n').find((l) => l.includes('worker failed to start'))!) as { code: string; err: string };
    expect(line.code).toBe('GALE_ERR_WORKER_NO_SECRET');
    expect(line.err).toContain('no cluster secret from the supervisor (no IPC channel)');
  });
});
