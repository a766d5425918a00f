// The REST API of `gale local --ui` over a real LocalCluster and a real socket (port 0), read with
// fetch: the one "local" supervisor, the topology list, the topology with its graph, rates,
// latencies and errors with stack traces; deactivate stops the spout, rebalance is refused with a
// reason, kill removes the topology; and the same server serves the UI page and /metrics.
import { BaseBasicBolt, BaseRichSpout, TopologyBuilder, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import { LocalCluster } from '../../local/local-cluster.js';
import { rootLog } from '../../log.js';
import { startViewHttp, type GaleHttp } from '../gale-http.js';
import { LocalClusterView } from '../local-cluster-view.js';
import type { ClusterSummary, TopologyDetail } from '../cluster-view.js';
import path from 'node:path';

const HOSTILE = '<img src=x onerror="window.__galeXss=1"><script>window.__galeXss=2</script>';
const UI_DIR = path.resolve(__dirname, '..', '..', '..', 'ui');

/** Emits 0, 1, 2, ... with message ids, as fast as maxSpoutPending lets it. */
class CountingSpout extends BaseRichSpout {
  private seq = 0;
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['n']);
  }
  nextTuple(): void {
    const n = this.seq++;
    this.collector.emit([n], n);
  }
}

class ThrowsSometimes extends BaseBasicBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void {
    if ((t.values[0] as number) % 100 === 0) throw new Error(HOSTILE);
  }
}

function topology() {
  const b = new TopologyBuilder();
  b.setSpout('numbers', new CountingSpout());
  b.setBolt('check', new ThrowsSometimes(), 2).fieldsGrouping('numbers', ['n']);
  return b.build({ name: 'local-rest', config: { maxSpoutPending: 50, drainTimeoutMs: 500, spoutWaitMs: 5 } });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the REST API over a LocalCluster (gale local --ui)', () => {
  let cluster: LocalCluster;
  let http: GaleHttp;
  let base: string;
  const killed: string[] = [];

  beforeAll(async () => {
    cluster = new LocalCluster();
    const view = new LocalClusterView({
      cluster, version: '9.9.9',
      about: () => ({ source: 'topologies/<b>local</b>.ts', params: { p: '1' } }),
      kill: async (name, waitMs) => {
        killed.push(name);
        await cluster.kill(name, waitMs);
      },
    });
    http = await startViewHttp({
      host: '127.0.0.1', port: 0, view, uiDir: UI_DIR, log: rootLog.child({ test: 'local-rest' }),
      metrics: () => cluster.names().map((n) => ({ topology: n, worker: 'local', stats: cluster.get(n)!.stats() })),
    });
    base = `http://127.0.0.1:${http.port}`;
    await cluster.submit(topology());
  });

  afterAll(async () => {
    await http?.close();
    await cluster?.shutdown(0);
  });

  const get = async <T>(p: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${base}${p}`);
    return { status: res.status, body: (await res.json()) as T };
  };
  const post = async (p: string, body: unknown = {}): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const emitted = async (): Promise<number> => (await get<TopologyDetail>('/api/v1/topologies/local-rest')).body.components.find((c) => c.component === 'numbers')!.emitted;

  it('shows one local supervisor and the running topology', async () => {
    const c = await get<ClusterSummary>('/api/v1/cluster');
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ mode: 'local', leader: 'local', topologies: 1, slots: { total: 1, used: 1, free: 0 } });
    expect(c.body.supervisors).toEqual([expect.objectContaining({ id: 'local', version: '9.9.9', leader: true, slots: [{ port: 0, topology: 'local-rest' }] })]);
    const list = await get<{ topologies: { name: string; status: string; executors: number }[] }>('/api/v1/topologies');
    expect(list.body.topologies).toEqual([expect.objectContaining({ name: 'local-rest', status: 'active', executors: 4 })]);
  });

  it('shows the graph, rates, latencies, capacity and errors with stack traces', async () => {
    const t = await until('non-zero rates and an error', async () => {
      const { body } = await get<TopologyDetail>('/api/v1/topologies/local-rest');
      const check = body.components.find((c) => c.component === 'check');
      return (check?.rates?.['10s'].executed ?? 0) > 0 && (body.errors.check?.length ?? 0) > 0 ? body : undefined;
    });
    expect(t).toMatchObject({ mode: 'local', name: 'local-rest', status: 'active', source: 'topologies/<b>local</b>.ts', params: { p: '1' } });
    expect(t.edges).toEqual([{ from: 'numbers', stream: 'default', to: 'check', grouping: 'fields', fields: ['n'] }]);
    expect(t.components.map((c) => c.component)).toEqual(['numbers', 'check', '__acker']);
    const spout = t.components[0]!;
    expect(spout.kind).toBe('spout');
    expect(spout.rates!['10s'].emitted).toBeGreaterThan(0);
    expect(spout.completeLatencyMs.p99).toBeGreaterThan(0);
    const check = t.components[1]!;
    expect((check.executorStats ?? []).map((e) => [e.executor, e.worker])).toEqual([['check#0', 'local'], ['check#1', 'local']]);
    expect(typeof check.rates!['10s'].capacity).toBe('number');
    const err = t.errors.check![0]!;
    expect(err.message).toBe(HOSTILE);
    expect(err.stack).toContain('ThrowsSometimes.execute');
    expect(typeof err.taskId).toBe('number');
  });

  it('deactivates (the spout stops emitting) and activates again', async () => {
    expect(await post('/api/v1/topologies/local-rest/deactivate')).toEqual({ status: 200, body: { name: 'local-rest', status: 'inactive', previous: 'active' } });
    expect((await get<TopologyDetail>('/api/v1/topologies/local-rest')).body.status).toBe('inactive');
    let last = -1;
    await until('the spout to stop emitting', async () => {
      const now = await emitted();
      const stopped = now === last;
      last = now;
      if (!stopped) await new Promise((r) => setTimeout(r, 300));
      return stopped ? true : undefined;
    });
    expect(await post('/api/v1/topologies/local-rest/activate')).toEqual({ status: 200, body: { name: 'local-rest', status: 'active', previous: 'inactive' } });
    await until('the spout to emit again', async () => ((await emitted()) > last ? true : undefined));
  });

  it('refuses a rebalance with a reason, and answers 404 for an unknown topology', async () => {
    const r = await post('/api/v1/topologies/local-rest/rebalance', { workers: 2 });
    expect(r.status).toBe(501);
    expect(r.body.error).toEqual({ code: 'GALE_ERR_HTTP_UNSUPPORTED', message: expect.stringContaining('rebalance is not supported by gale local') });
    const unknown = await get<{ error: { code: string } }>('/api/v1/topologies/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('GALE_ERR_UNKNOWN_TOPOLOGY');
    expect((await post('/api/v1/topologies/nope/deactivate')).status).toBe(404);
  });

  it('serves the UI page and /metrics on the same server', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/gale_emitted_total\{[^}]*component="numbers"/);
  });

  it('kills through the kill hook, after which the topology is gone', async () => {
    expect(await post('/api/v1/topologies/local-rest/kill', { waitSecs: 0 })).toEqual({ status: 202, body: { name: 'local-rest', status: 'killing' } });
    await until('the topology to leave the list', async () => {
      const { body } = await get<{ topologies: unknown[] }>('/api/v1/topologies');
      return body.topologies.length === 0 ? true : undefined;
    });
    expect(killed).toEqual(['local-rest']);
    expect((await get<ClusterSummary>('/api/v1/cluster')).body.topologies).toBe(0);
  });
});

describe('a local kill in progress', () => {
  it('shows the topology as killed and refuses (de)activation with 409 until the run has drained', async () => {
    const cluster = new LocalCluster();
    let release: () => void = () => {};
    const draining = new Promise<void>((resolve) => {
      release = resolve;
    });
    const view = new LocalClusterView({
      cluster, version: '0',
      kill: async (name, waitMs) => {
        await draining;
        await cluster.kill(name, waitMs);
      },
    });
    const http = await startViewHttp({ host: '127.0.0.1', port: 0, view, log: rootLog.child({ test: 'local-kill' }), metrics: () => [] });
    const base = `http://127.0.0.1:${http.port}/api/v1/topologies`;
    try {
      await cluster.submit(topology());
      expect((await fetch(`${base}/local-rest/kill`, { method: 'POST' })).status).toBe(202);
      const t = (await (await fetch(`${base}/local-rest`)).json()) as TopologyDetail;
      expect([t.status, t.workers.running]).toEqual(['killed', 0]);
      const refused = await fetch(`${base}/local-rest/activate`, { method: 'POST' });
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('GALE_ERR_TOPOLOGY_KILLED');
      release();
      await until('the topology to be gone', async () => ((await fetch(`${base}/local-rest`)).status === 404 ? true : undefined));
    } finally {
      release();
      await http.close();
      await cluster.shutdown(0);
    }
  });
});
