// `gale local --metrics-port`: a real HTTP client scrapes /metrics while a topology runs, and the
// exposition text parses, with per-component, per-executor and process series.
import { freePort } from '../harness/ports.js';
import { scrape, select, sum, type Exposition } from '../harness/prom-text.js';
import { GaleProcess } from './gale-process.js';

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('gale local --metrics-port', () => {
  it('serves Prometheus /metrics for the running topology', async () => {
    const port = await freePort();
    const g = new GaleProcess(['local', 'test/cluster/fixtures/generator.ts', '--metrics-port', String(port), '--stats-interval', '0', '--set', 'rate=1000']);
    try {
      await g.waitFor('stderr', /Prometheus metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/);
      const url = `http://127.0.0.1:${port}/metrics`;
      const e: Exposition = await until('sum to execute tuples', async () => {
        const x = await scrape(url);
        return sum(x, 'gale_executed_total', { topology: 'generator', component: 'sum' }) > 0 ? x : undefined;
      });
      expect(e.types.get('gale_executed_total')).toBe('counter');
      expect(e.types.get('gale_queue_depth')).toBe('gauge');
      expect(sum(e, 'gale_emitted_total', { component: 'numbers', worker: 'local' })).toBeGreaterThan(0);
      // Two executors of "double": a series each, labelled by executor.
      const execs = select(e, 'gale_executor_executed_total', { component: 'double' }).map((s) => s.labels.executor).sort();
      expect(execs).toEqual(['double#0', 'double#1']);
      expect(select(e, 'gale_execute_latency_seconds', { component: 'sum' }).map((s) => s.labels.quantile).sort()).toEqual(['0.5', '0.99', '0.999']);
      expect(sum(e, 'gale_worker_rss_bytes', { worker: 'local' })).toBeGreaterThan(1e6);
      expect(select(e, 'gale_capacity', { component: 'sum' }).map((s) => s.labels.window).sort()).toEqual(['10m', '10s', '1m']);
      // Node's default metrics of the serving process.
      expect(select(e, 'process_cpu_user_seconds_total').length).toBe(1);
      const later = await until('counts to grow', async () => {
        const x = await scrape(url);
        return sum(x, 'gale_executed_total', { component: 'sum' }) > sum(e, 'gale_executed_total', { component: 'sum' }) ? x : undefined;
      });
      expect(later.samples.length).toBeGreaterThan(0);
      const missing = await fetch(`http://127.0.0.1:${port}/nope`);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('GALE_ERR_HTTP_NOT_FOUND');
    } finally {
      g.signal('SIGTERM');
      await g.exit(20_000);
    }
  }, 60_000);
});
