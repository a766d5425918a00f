// The HTTP server on a real socket (port 0): routing, JSON errors, body limits, the bearer check,
// and the Prometheus exporter's bound on per-executor series.
import type { ComponentStats, ExecutorStats, WindowRates } from '../../api/stats.js';
import { rootLog } from '../../log.js';
import { bearerMatches } from '../auth.js';
import { HttpError } from '../errors.js';
import { MAX_EXECUTOR_SERIES, PrometheusExporter } from '../prometheus.js';
import { HttpServer } from '../server.js';
import { parseExposition, select } from '../../../../../test/harness/prom-text.js';

const log = rootLog.child({ test: 'http' });
const rates = (capacity: number): Record<'10s' | '1m' | '10m', WindowRates> => {
  const r: WindowRates = { emitted: 1, transferred: 1, executed: 1, acked: 1, failed: 0, timedOut: 0, deadLettered: 0, replayed: 0, capacity };
  return { '10s': r, '1m': r, '10m': r };
};
const latency = { p50: 1, p99: 2, p999: 3, mean: 1 };

function executor(component: string, i: number): ExecutorStats {
  return {
    executor: `${component}#${i}`, tasks: [i + 1], emitted: 1, transferred: 1, executed: 1, acked: 1, failed: 0, queueDepth: 0,
    backpressureMs: 0, executeLatencyMs: latency, completeLatencyMs: latency, rates: rates(0.5),
  };
}

function component(id: string, executors: number): ComponentStats {
  return {
    component: id, kind: 'bolt', executors, tasks: executors, emitted: 10, transferred: 10, executed: 10, acked: 10, failed: 0,
    timedOut: 0, deadLettered: 0, replayed: 0, errors: 0, queueDepth: 0, queueHighWater: 0, queueCapacity: 4096, pending: 0,
    executeLatencyMs: latency, completeLatencyMs: latency, backpressureMs: 1500, rates: rates(0.25),
    executorStats: Array.from({ length: executors }, (_, i) => executor(id, i)),
  };
}

describe('HttpServer', () => {
  let server: HttpServer;
  let base: string;
  beforeAll(async () => {
    server = await HttpServer.listen({
      host: '127.0.0.1', port: 0, log,
      routes: [
        { method: 'GET', path: '/things/:id', handle: (req) => ({ json: { id: req.params.id } }) },
        { method: 'POST', path: '/things/:id', handle: async (req) => ({ status: 201, json: { got: await req.json() } }) },
        { method: 'GET', path: '/teapot', handle: () => { throw new HttpError(418, 'GALE_ERR_TEST', 'short and <stout>'); } },
        { method: 'GET', path: '/boom', handle: () => { throw new Error('internal detail'); } },
      ],
    });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  it('routes with decoded path parameters, answers JSON, and maps errors to { error: { code, message } }', async () => {
    const ok = await fetch(`${base}/things/a%20b`);
    expect([ok.status, await ok.json()]).toEqual([200, { id: 'a b' }]);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    const posted = await fetch(`${base}/things/x`, { method: 'POST', body: '{"n":1}' });
    expect([posted.status, await posted.json()]).toEqual([201, { got: { n: 1 } }]);
    const cases: [string, RequestInit, number, string][] = [
      ['/nope', {}, 404, 'GALE_ERR_HTTP_NOT_FOUND'],
      ['/things/x', { method: 'DELETE' }, 405, 'GALE_ERR_HTTP_METHOD'],
      ['/things/x', { method: 'POST', body: '{not json' }, 400, 'GALE_ERR_HTTP_BAD_REQUEST'],
      ['/things/x', { method: 'POST', body: 'x'.repeat(70_000) }, 413, 'GALE_ERR_HTTP_BAD_REQUEST'],
      ['/teapot', {}, 418, 'GALE_ERR_TEST'],
      ['/boom', {}, 500, 'GALE_ERR_HTTP_INTERNAL'],
    ];
    for (const [path, init, status, code] of cases) {
      const res = await fetch(`${base}${path}`, init);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
    }
  });

  it('refuses a second server on the same port with GALE_ERR_PORT_IN_USE', async () => {
    await expect(HttpServer.listen({ host: '127.0.0.1', port: server.port, routes: [], log })).rejects.toMatchObject({ code: 'GALE_ERR_PORT_IN_USE' });
  });
});

describe('bearerMatches', () => {
  it('accepts exactly "Bearer <secret>"', () => {
    const s = 'cluster-secret-0123456789';
    expect(bearerMatches(`Bearer ${s}`, s)).toBe(true);
    expect(bearerMatches(`bearer  ${s}`, s)).toBe(true);
    for (const h of [undefined, '', s, `Bearer ${s}x`, `Bearer ${s.slice(1)}`, `Basic ${s}`, 'Bearer ', `Bearer${s}`]) {
      expect(bearerMatches(h, s)).toBe(false);
    }
  });
});

describe('PrometheusExporter', () => {
  it('exports per-executor series only up to MAX_EXECUTOR_SERIES executors of a component in a worker', async () => {
    const exporter = new PrometheusExporter(() => [
      { topology: 't', worker: 'h:1', stats: [component('small', 3), component('wide', MAX_EXECUTOR_SERIES + 1)] },
    ], { supervisor: 's' });
    const e = parseExposition(await exporter.render());
    expect(select(e, 'gale_executor_executed_total', { component: 'small' }).length).toBe(3);
    expect(select(e, 'gale_executor_executed_total', { component: 'wide' }).length).toBe(0);
    expect(select(e, 'gale_executed_total', { component: 'wide', topology: 't', worker: 'h:1', supervisor: 's' })[0]!.value).toBe(10);
    expect(select(e, 'gale_backpressure_seconds_total', { component: 'small' })[0]!.value).toBe(1.5);
    expect(select(e, 'gale_execute_latency_seconds', { component: 'small', quantile: '0.999' })[0]!.value).toBe(0.003);
    expect(e.types.get('gale_executed_total')).toBe('counter');
  });
});
