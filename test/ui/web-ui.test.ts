// The web UI end to end in headless Chromium (Debian's, driven by playwright-core) against a real
// supervisor with a cluster secret: the cluster page lists the topology, its page shows non-zero
// rates and the graph, an action without the secret is refused, Deactivate with the secret stops
// the spout, and an error message full of markup is shown as text and runs nothing.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT, gale } from '../cli/gale-process.js';
import { freePort } from '../harness/ports.js';
import { SupervisorProcess, TestCluster, until } from '../cluster/cluster-harness.js';
import { HOSTILE } from './fixtures/hostile-errors.js';

const SECRET = 'ui-secret-0123456789abcdef-4242';
const CHROMIUM = '/usr/bin/chromium';

interface ComponentJson { component: string; emitted: number }

describe('the web UI', () => {
  let cluster: TestCluster;
  let base: string;
  let browser: Browser;
  let page: Page;
  const flags: string[] = [];
  const withSecret = { env: { GALE_CLUSTER_SECRET: SECRET }, timeoutMs: 90_000 };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium; .ci/run does)`);
    cluster = await TestCluster.start({ supervisors: 0 });
    flags.push('--zk', cluster.zk.connectString, '--zk-root', '/gale-ui');
    const [a, b, http] = [await freePort(), await freePort(), await freePort()];
    const sup = new SupervisorProcess('sup-ui', [a, b], [...flags, '--host', '127.0.0.1', '--ports', `${a},${b}`, '--id', 'sup-ui',
      '--dir', path.join(cluster.tmp, 'sup-ui'), '--session-timeout', '4000', '--heartbeat', '300', '--http-port', String(http)], { GALE_CLUSTER_SECRET: SECRET });
    cluster.supervisors.push(sup);
    await sup.waitForEvent('ready');
    base = `http://127.0.0.1:${http}`;
    for (const [file, name, ...extra] of [['test/cluster/fixtures/generator.ts', 'g', '--set', 'rate=300'], ['test/ui/fixtures/hostile-errors.ts', 'hostile']]) {
      const d = await gale(['deploy', file!, '--name', name!, '--workers', '1', '--no-typecheck', ...extra, ...flags], withSecret);
      if (d.code !== 0) throw new Error(d.stderr);
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await cluster?.close();
  });

  it('serves the page with a policy that forbids inline script', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${base}/ui/app.js`)).status).toBe(200);
  });

  it('lists the topologies, shows non-zero rates and the graph, refuses an action without the secret, and deactivates with it', async () => {
    await page.goto(`${base}/`);
    await page.locator('#topologies a', { hasText: 'hostile' }).waitFor();
    await page.locator('#topologies a', { hasText: /^g$/ }).click();
    await page.locator('#status').waitFor();
    // Rates come from the workers' 10 s windows: wait for the spout's to show traffic.
    await until('a non-zero emit rate for the spout', async () => {
      const text = await page.locator('tr[data-component="numbers"] .rate-emitted').textContent();
      return text !== null && text !== '-' && Number.parseFloat(text) > 0 ? text : undefined;
    }, 60_000, 250);
    expect(await page.locator('svg.graph text.edge', { hasText: 'fields(key)' }).count()).toBe(1);
    const dir = process.env.GALE_UI_SCREENSHOT_DIR ?? path.join(cluster.tmp, 'shots');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, 'ui-topology.png'), fullPage: true });

    // No secret entered: read-only, the action is refused and nothing changes.
    await page.locator('#deactivate').click();
    await page.locator('#notice.notice-error').waitFor();
    expect(await page.locator('#notice').textContent()).toContain('deactivate refused');
    expect(await page.locator('#status').textContent()).toBe('active');

    await page.fill('#secret', SECRET);
    await page.locator('#secret').dispatchEvent('change');
    expect(await page.locator('#secret-state').textContent()).toBe('actions enabled');
    await page.locator('#deactivate').click();
    await until('the page to show inactive', async () => ((await page.locator('#status').textContent()) === 'inactive' ? true : undefined), 30_000, 200);

    // The spout stops emitting: its total no longer moves between two reads of the REST API.
    const emitted = async (): Promise<number> => {
      const t = (await (await fetch(`${base}/api/v1/topologies/g`)).json()) as { components: ComponentJson[] };
      return t.components.find((c) => c.component === 'numbers')!.emitted;
    };
    let last = -1;
    await until('the spout to stop emitting', async () => {
      const now = await emitted();
      const stopped = now === last;
      last = now;
      return stopped ? true : undefined;
    }, 30_000, 1000);
  }, 150_000);

  it('shows an error message full of markup as text, and runs none of it', async () => {
    await page.goto(`${base}/#/topology/hostile`);
    const message = page.locator('#errors .message').first();
    await message.waitFor({ timeout: 60_000 });
    expect(await message.textContent()).toBe(HOSTILE);
    expect(await page.locator('#errors img').count()).toBe(0);
    expect(await page.locator('#errors script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __galeXss?: number }).__galeXss)).toBeUndefined();
  }, 90_000);

  it('is documented with a screenshot', () => {
    expect(existsSync(path.join(REPO_ROOT, 'docs', 'ui-topology.png'))).toBe(true);
  });
});
