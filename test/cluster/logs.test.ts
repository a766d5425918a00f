// `gale logs` against a real two-supervisor cluster: each worker writes its own log file, and the
// CLI reads them through the supervisors' authenticated log endpoints (never from their disk).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { SupervisorStore, zkPaths } from '../../packages/runtime/src/coord/index.js';
import { logRequestHeaders } from '../../packages/runtime/src/cluster/log-auth.js';
import { GaleProcess, gale } from '../cli/gale-process.js';
import { TestCluster, lines, until, type StatusJson } from './cluster-harness.js';

interface Entry {
  time: number;
  level: number;
  msg: string;
  supervisor: string;
  port: number;
  component?: string;
  task?: number;
  err?: string;
  source?: string;
  stack?: string;
  console?: string;
}

const FIXTURE = 'test/cluster/fixtures/chatty-cluster.ts';
const THROW_LINE = `${path.resolve(__dirname, 'fixtures', 'chatty-cluster.ts')}:15:11`;

function httpStatus(port: number, target: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gale logs', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 2 });
    const deployed = await cluster.gale(['deploy', FIXTURE, '--name', 'chat']);
    if (deployed.code !== 0) throw new Error(`deploy failed:\n${deployed.stderr}`);
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
  });

  const logs = async (...args: string[]): Promise<Entry[]> => {
    const r = await cluster.gale(['logs', 'chat', '--json', ...args]);
    if (r.code !== 0) throw new Error(`gale logs exited ${r.code}:\n${r.stderr}`);
    return lines(r.stdout).map((l) => JSON.parse(l) as Entry);
  };

  it('shows the console output and errors of a component, from every worker, filtered by component and task', async () => {
    const status = await cluster.json<StatusJson>(['status', 'chat']);
    const supervisors = new Set(status.workerProcesses.map((w) => w.supervisor));
    expect(supervisors.size).toBe(2);

    // Both talk executors printed and one threw, and every worker wrote lines of its own.
    const talk = await until('console lines and an error of "talk" on both workers', async () => {
      const es = await logs('--component', 'talk');
      const said = es.filter((e) => e.console === 'log' && /^talk saw \d+$/.test(e.msg));
      const errors = es.filter((e) => e.msg === 'component error stack');
      return new Set(said.map((e) => e.task)).size === 2 && errors.length > 0 ? { es, said, errors } : undefined;
    }, 60_000, 500);
    expect(talk.es.every((e) => e.component === 'talk')).toBe(true);
    expect(talk.said[0]).toMatchObject({ level: 30, component: 'talk', task: expect.any(Number), supervisor: expect.any(String) });
    expect(talk.errors[0]).toMatchObject({ level: 50, err: expect.stringMatching(/^talk refuses \d*3$/), source: THROW_LINE });
    expect(talk.errors[0]!.stack).toContain(`at TalkBolt.refuse (${THROW_LINE})`);
    // Merged in time order.
    const times = talk.es.map((e) => e.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const all = await logs();
    expect(new Set(all.map((e) => e.supervisor))).toEqual(supervisors);
    expect(all.some((e) => e.msg === 'worker running')).toBe(true);

    const task = talk.said[0]!.task!;
    const one = await logs('--component', 'talk', '--task', String(task));
    expect(one.length).toBeGreaterThan(0);
    expect(one.every((e) => e.component === 'talk' && e.task === task)).toBe(true);

    // --since: only what was written after that moment.
    const from = Date.now();
    await until('new lines after the mark', async () => (await logs('--component', 'talk')).some((e) => e.time > from + 200));
    const recent = await logs('--component', 'talk', '--since', new Date(from).toISOString());
    expect(recent.length).toBeGreaterThan(0);
    expect(recent.every((e) => e.time >= from)).toBe(true);
    expect(recent.length).toBeLessThan((await logs('--component', 'talk')).length);
    const ago = await logs('--component', 'talk', '--since', '1h');
    expect(ago.length).toBeGreaterThanOrEqual(recent.length);

    // The plain format: one line per entry, the error with its source and stack.
    const plain = await cluster.gale(['logs', 'chat', '--component', 'talk']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^\S+Z INFO {2}sup-[ab]:\d+ talk:\d+ talk saw \d+/m);
    expect(plain.stdout).toContain(`(at ${THROW_LINE})`);
  }, 150_000);

  it('writes each worker\'s log to its own file under the supervisor\'s dir, not to the supervisor\'s output', async () => {
    const status = await cluster.json<StatusJson>(['status', 'chat']);
    for (const w of status.workerProcesses) {
      const file = path.join(cluster.tmp, w.supervisor, 'logs', 'chat', `worker-${w.port}.log`);
      expect(existsSync(file)).toBe(true);
      const first = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!) as Entry;
      expect(typeof first.time).toBe('number');
    }
    for (const s of cluster.supervisors) expect(s.stderr + s.stdout).not.toContain('talk saw');
  });

  it('shows the topology file\'s line in gale status errors', async () => {
    const s = await cluster.gale(['status', 'chat']);
    expect(s.stdout).toMatch(new RegExp(`task \\d+: talk refuses \\d+ \\(at ${THROW_LINE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
  });

  it('--follow streams new lines until SIGINT, then exits 0', async () => {
    const before = await logs('--component', 'talk');
    const seen = new Set(before.filter((e) => e.console === 'log').map((e) => e.msg));
    const follow = new GaleProcess(['logs', 'chat', '--follow', '--json', '--component', 'talk', ...cluster.flags], { GALE_ZK: '', GALE_CLUSTER_SECRET: '' });
    try {
      await until('a line written after the follow started', async () => {
        const got = lines(follow.stdout).map((l) => JSON.parse(l) as Entry);
        return got.some((e) => e.console === 'log' && !seen.has(e.msg));
      }, 30_000, 200);
    } finally {
      follow.signal('SIGINT');
    }
    const r = await follow.exit();
    expect(r.code).toBe(0);
    const got = lines(r.stdout).map((l) => JSON.parse(l) as Entry);
    expect(got.every((e) => e.component === 'talk')).toBe(true);
  }, 60_000);

  it('refuses a log request that is not signed with the cluster secret', async () => {
    const zk = await cluster.zkClient();
    const { entries } = await new SupervisorStore(zk, zkPaths(cluster.root)).list();
    const info = [...entries.values()][0]!.value;
    expect(info.logsPort).toEqual(expect.any(Number));
    const target = '/logs/chat';
    expect(await httpStatus(info.logsPort!, target, {})).toBe(401);
    expect(await httpStatus(info.logsPort!, target, logRequestHeaders('not-the-cluster-secret-at-all', 'GET', target))).toBe(401);
    const secret = (await zk.getData(`${cluster.root}/cluster-secret`)).data.toString('utf8');
    const signed = logRequestHeaders(secret, 'GET', target);
    expect(await httpStatus(info.logsPort!, target, signed)).toBe(200);
    // The same signed request again is a replay; a signature for another query does not fit this one.
    expect(await httpStatus(info.logsPort!, target, signed)).toBe(401);
    expect(await httpStatus(info.logsPort!, `${target}?component=talk`, logRequestHeaders(secret, 'GET', target))).toBe(401);
  });

  it('with no supervisor running, says how to start one', async () => {
    const secretFile = path.join(cluster.tmp, 'no-supervisors.secret');
    writeFileSync(secretFile, 'a-secret-for-a-cluster-root-without-supervisors');
    const r = await gale(['logs', 'anything', '--zk', cluster.zk.connectString, '--zk-root', '/gale-no-supervisors', '--secret-file', secretFile]);
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 1, stdout: '' });
    expect(lines(r.stderr)).toEqual([
      'gale: no supervisor is running (none registered under /gale-no-supervisors/supervisors), so no logs of "anything" can be read; start one with "gale supervisor"',
    ]);
  });

  it('names a topology that has no logs', async () => {
    const r = await cluster.gale(['logs', 'nothing-here']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gale: no logs of topology "nothing-here" on any supervisor (sup-a, sup-b)');
  });
});
