// A supervisor's HTTP server against a real cluster (ZooKeeper, supervisor, worker processes),
// read with a real HTTP client: /metrics scraped and parsed (its own workers, over IPC), the REST
// API's reads, and its actions, which need the cluster secret when one is configured.
import path from 'node:path';
import { gale } from '../cli/gale-process.js';
import { freePort } from '../harness/ports.js';
import { scrape, select, sum } from '../harness/prom-text.js';
import { SupervisorProcess, TestCluster, until } from './cluster-harness.js';

const SECRET = 'http-secret-0123456789abcdef-42';

interface TopologyJson {
  name: string;
  status: string;
  edges: { from: string; stream: string; to: string; grouping: string; fields?: string[] }[];
  components: {
    component: string; kind: string; emitted: number; executed: number;
    rates: Record<'10s' | '1m' | '10m', { emitted: number; executed: number; capacity: number }>;
    executeLatencyMs: { p50: number; p99: number; p999: number };
    executorStats: { executor: string; worker: string; executed: number; rates: Record<string, { capacity: number }> }[];
  }[];
  workerProcesses: { port: number; lastBeatAt: number }[];
}

describe('the supervisor HTTP server (/metrics and /api/v1)', () => {
  let cluster: TestCluster;
  let base: string;
  const flags: string[] = [];
  const withSecret = { env: { GALE_CLUSTER_SECRET: SECRET } };

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 0 });
    flags.push('--zk', cluster.zk.connectString, '--zk-root', '/gale-http');
    const [a, b, http] = [await freePort(), await freePort(), await freePort()];
    const sup = new SupervisorProcess('sup-h', [a, b], [...flags, '--host', '127.0.0.1', '--ports', `${a},${b}`, '--id', 'sup-h',
      '--dir', path.join(cluster.tmp, 'sup-h'), '--session-timeout', '4000', '--heartbeat', '300', '--http-port', String(http)], { GALE_CLUSTER_SECRET: SECRET });
    cluster.supervisors.push(sup);
    await sup.waitForEvent('ready');
    base = `http://127.0.0.1:${http}`;
    await until('the HTTP server', async () => (await fetch(`${base}/api/v1/cluster`)).status === 200);
    const deployed = await gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'g', '--workers', '2', '--set', 'rate=300', ...flags], { ...withSecret, timeoutMs: 90_000 });
    if (deployed.code !== 0) throw new Error(deployed.stderr);
  }, 90_000);

  afterAll(async () => {
    await cluster?.close();
  });

  const get = async <T>(p: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}${p}`);
    expect(res.headers.get('content-type')).toContain('application/json');
    return { status: res.status, body: (await res.json()) as T };
  };
  const post = async (p: string, body: unknown, auth?: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${base}${p}`, {
      method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(auth !== undefined ? { authorization: auth } : {}) },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const topology = async (): Promise<TopologyJson> => (await get<TopologyJson>('/api/v1/topologies/g')).body;

  it('/metrics: a scrape shows both workers of this supervisor, with topology/component/executor/worker labels', async () => {
    const e = await until('both workers to report traffic', async () => {
      const x = await scrape(`${base}/metrics`);
      const workers = new Set(select(x, 'gale_worker_up', { topology: 'g' }).map((s) => s.labels.worker));
      return workers.size === 2 && sum(x, 'gale_executed_total', { topology: 'g', component: 'sum' }) > 0 ? x : undefined;
    }, 60_000, 300);
    expect(e.types.get('gale_emitted_total')).toBe('counter');
    for (const s of select(e, 'gale_emitted_total', { topology: 'g' })) {
      expect(s.labels.supervisor).toBe('sup-h');
      expect(s.labels.worker).toMatch(/^127\.0\.0\.1:\d+$/);
    }
    expect(sum(e, 'gale_worker_rss_bytes', { topology: 'g' })).toBeGreaterThan(1e6);
    expect(select(e, 'gale_worker_event_loop_delay_seconds', { topology: 'g' }).length).toBe(6);
    expect(select(e, 'gale_worker_reconnects_total', { topology: 'g' }).length).toBe(2);
    expect(select(e, 'gale_executor_executed_total', { topology: 'g', component: 'double' }).map((s) => s.labels.executor).sort()).toEqual(['double#0', 'double#1']);
  }, 90_000);

  it('GET /api/v1/cluster, /topologies and /topologies/:name', async () => {
    const c = await get<{ leader: string; supervisors: { id: string; leader: boolean; slots: { topology: string | null }[] }[]; slots: { total: number; used: number } }>('/api/v1/cluster');
    expect(c.status).toBe(200);
    expect(c.body.leader).toBe('sup-h');
    expect(c.body.supervisors.map((s) => [s.id, s.leader])).toEqual([['sup-h', true]]);
    expect(c.body.slots).toEqual({ total: 2, used: 2, free: 0 });
    const list = await get<{ topologies: { name: string; status: string }[] }>('/api/v1/topologies');
    expect(list.body.topologies.map((t) => [t.name, t.status])).toEqual([['g', 'active']]);

    const t = await until('rates over the last 10 s', async () => {
      const x = await topology();
      const numbers = x.components.find((k) => k.component === 'numbers');
      return numbers !== undefined && numbers.rates['10s'].emitted > 0 ? x : undefined;
    }, 60_000, 300);
    expect(t.edges).toEqual(expect.arrayContaining([
      { from: 'numbers', stream: 'default', to: 'double', grouping: 'shuffle' },
      { from: 'double', stream: 'default', to: 'sum', grouping: 'fields', fields: ['key'] },
    ]));
    const sumC = t.components.find((k) => k.component === 'sum')!;
    expect(sumC.executorStats.map((x) => x.executor).sort()).toEqual(['sum#0', 'sum#1']);
    for (const x of sumC.executorStats) {
      expect(x.worker).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(Object.keys(x.rates).sort()).toEqual(['10m', '10s', '1m']);
    }
    expect(typeof sumC.executeLatencyMs.p999).toBe('number');
    const missing = await get<{ error: { code: string } }>('/api/v1/topologies/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('GALE_ERR_UNKNOWN_TOPOLOGY');
  }, 90_000);

  it('actions need the cluster secret: refused without it or with a wrong one, done with it', async () => {
    const none = await post('/api/v1/topologies/g/deactivate', {});
    expect(none.status).toBe(401);
    expect((none.body.error as { code: string }).code).toBe('GALE_ERR_HTTP_UNAUTHORIZED');
    expect((await post('/api/v1/topologies/g/deactivate', {}, `Bearer ${SECRET}x`)).status).toBe(401);
    expect((await post('/api/v1/topologies/g/kill', {}, 'Basic abc')).status).toBe(401);
    for (const verb of ['activate', 'deactivate', 'rebalance', 'kill']) {
      expect((await post(`/api/v1/topologies/g/${verb}`, { workers: 1 })).status).toBe(401);
    }
    expect((await topology()).status).toBe('active');

    const ok = await post('/api/v1/topologies/g/deactivate', {}, `Bearer ${SECRET}`);
    expect(ok).toEqual({ status: 200, body: { name: 'g', status: 'inactive', previous: 'active' } });
    expect((await topology()).status).toBe('inactive');
    // The spout stops: its emitted count holds still across fresh heartbeats of every worker.
    const emitted = (x: TopologyJson): number => x.components.find((k) => k.component === 'numbers')!.emitted;
    const beats = (x: TopologyJson): number => Math.min(...x.workerProcesses.map((w) => w.lastBeatAt));
    let prev = await topology();
    await until('the spout to stop emitting', async () => {
      const x = await topology();
      const stopped = beats(x) > beats(prev) && emitted(x) === emitted(prev);
      if (beats(x) > beats(prev)) prev = x;
      return stopped;
    }, 30_000, 200);

    const bad = await post('/api/v1/topologies/g/rebalance', { parallelism: { nope: 2 } }, `Bearer ${SECRET}`);
    expect(bad.status).toBe(400);
    expect((bad.body.error as { code: string }).code).toBe('GALE_ERR_UNKNOWN_COMPONENT');
    expect((await post('/api/v1/topologies/g/activate', {}, `Bearer ${SECRET}`)).body).toEqual({ name: 'g', status: 'active', previous: 'inactive' });
    const killed = await post('/api/v1/topologies/g/kill', { waitSecs: 0 }, `Bearer ${SECRET}`);
    expect(killed).toEqual({ status: 202, body: { name: 'g', status: 'killing' } });
    await until('the topology to be removed', async () => (await get<{ topologies: unknown[] }>('/api/v1/topologies')).body.topologies.length === 0, 60_000, 300);
  }, 120_000);
});
