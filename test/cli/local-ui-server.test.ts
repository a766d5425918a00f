// `gale local --ui` as a process: a taken port is one clear line and exit 1 (like the supervisor's
// --http-port); with --metrics-port the one server serves the UI, /api/v1 and /metrics; the URL
// goes to stderr and --json's stdout stays JSON.
import net from 'node:net';
import { GaleProcess, gale, lines } from './gale-process.js';
import { freePort } from '../harness/ports.js';

describe('gale local --ui (process)', () => {
  it('exits 1 with one line saying how to fix a port in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await gale(['local', 'test/cluster/fixtures/generator.ts', '--ui-port', String(port), '--duration', '5'], { timeoutMs: 60_000 });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const err = lines(r.stderr);
      expect(err).toEqual([`gale: HTTP port ${port} on 127.0.0.1 is already in use; choose another --ui-port (0 picks a free one)`]);
    } finally {
      blocker.close();
    }
  }, 90_000);

  it('serves the UI, the REST API and /metrics on the --metrics-port server; the URL on stderr, --json alone on stdout', async () => {
    const port = await freePort();
    const g = new GaleProcess(['local', 'test/cluster/fixtures/generator.ts', '--ui', '--metrics-port', String(port), '--stats-interval', '0', '--json', '--set', 'rate=200']);
    try {
      await g.waitFor('stderr', /gale: running "generator"/, 60_000);
      expect(g.stderr).toContain(`gale: web UI on http://127.0.0.1:${port}/`);
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/`)).status).toBe(200);
      const cluster = (await (await fetch(`${base}/api/v1/cluster`)).json()) as { mode: string; topologies: number };
      expect(cluster).toMatchObject({ mode: 'local', topologies: 1 });
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('gale_emitted_total');
    } finally {
      g.signal('SIGTERM');
    }
    const r = await g.exit(30_000);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ topology: 'generator', stoppedBy: 'signal' });
    expect(r.stdout).not.toContain('web UI');
  }, 90_000);
});
