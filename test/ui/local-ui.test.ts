// `gale local --ui` end to end in headless Chromium (Debian's, driven by playwright-core): the real
// CLI runs a topology with its UI on a free port (--ui-port 0, the URL read from stderr); the page
// shows the one local supervisor, non-zero rates, the graph, a refused-with-a-reason rebalance and
// an error message full of markup as text; Deactivate stops the spout, and Kill ends the run, whose
// --json report on stdout is untouched by the UI's lines.
import { mkdirSync, mkdtempSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { GaleProcess } from '../cli/gale-process.js';
import { until } from '../cluster/cluster-harness.js';
import { HOSTILE } from './fixtures/hostile-errors.js';

const CHROMIUM = '/usr/bin/chromium';
const URL_LINE = /gale: web UI on (http:\/\/127\.0\.0\.1:(\d+)\/)/;

interface ComponentJson { component: string; emitted: number }

describe('gale local --ui', () => {
  let g: GaleProcess;
  let base: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium; .ci/run does)`);
    g = new GaleProcess(['local', 'test/ui/fixtures/hostile-errors.ts', '--ui', '--ui-port', '0', '--stats-interval', '0', '--json']);
    await g.waitFor('stderr', URL_LINE, 60_000);
    base = URL_LINE.exec(g.stderr)![1]!.replace(/\/$/, '');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (g !== undefined && g.child.exitCode === null) {
      g.signal('SIGTERM');
      await g.exit(20_000).catch(() => undefined);
    }
  });

  it('shows the local cluster, rates, the graph and the errors as text, deactivates, and kills the run', async () => {
    await page.goto(`${base}/`);
    await page.locator('#topologies a', { hasText: 'hostile' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#mode b').textContent()).toBe('local');
    expect(await page.locator('#secret-form').isVisible()).toBe(false);
    await page.locator('#topologies a', { hasText: 'hostile' }).click();
    await page.locator('#status').waitFor();
    await until('a non-zero emit rate for the spout', async () => {
      const text = await page.locator('tr[data-component="numbers"] .rate-emitted').textContent();
      return text !== null && text !== '-' && Number.parseFloat(text) > 0 ? text : undefined;
    }, 60_000, 250);
    expect(await page.locator('svg.graph text.edge', { hasText: 'shuffle' }).count()).toBe(1);
    expect(await page.locator('#rebalance').isDisabled()).toBe(true);
    expect(await page.locator('#rebalance-note').textContent()).toContain('not supported by gale local');

    // Errors: the message full of markup is text, and none of it ran.
    const message = page.locator('#errors .message').first();
    await message.waitFor({ timeout: 60_000 });
    expect(await message.textContent()).toBe(HOSTILE);
    expect(await page.locator('#errors pre.stack').first().textContent()).toContain('Hostile.execute');
    expect(await page.locator('#errors img').count()).toBe(0);
    expect(await page.locator('#errors script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __galeXss?: number }).__galeXss)).toBeUndefined();
    const dir = process.env.GALE_UI_SCREENSHOT_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'gale-local-ui-'));
    mkdirSync(dir, { recursive: true });
    // The viewport only: the error list below it repeats one stack trace.
    await page.screenshot({ path: path.join(dir, 'ui-local.png') });

    // No secret in local mode: Deactivate works at once, and the spout stops emitting.
    await page.locator('#deactivate').click();
    await until('the page to show inactive', async () => ((await page.locator('#status').textContent()) === 'inactive' ? true : undefined), 30_000, 200);
    const emitted = async (): Promise<number> => {
      const t = (await (await fetch(`${base}/api/v1/topologies/hostile`)).json()) as { components: ComponentJson[] };
      return t.components.find((c) => c.component === 'numbers')!.emitted;
    };
    let last = -1;
    await until('the spout to stop emitting', async () => {
      const now = await emitted();
      const stopped = now === last;
      last = now;
      return stopped ? true : undefined;
    }, 30_000, 1000);

    // Kill (after the confirm dialog) ends the run: drain, summary on stderr, the JSON report on stdout.
    page.once('dialog', (d) => void d.accept());
    await page.locator('#kill').click();
    const r = await g.exit(30_000);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('killed from the web UI');
    const report = JSON.parse(r.stdout) as { stoppedBy: string; topology: string };
    expect(report).toMatchObject({ topology: 'hostile', stoppedBy: 'killed' });
  }, 180_000);
});
