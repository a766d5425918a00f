// `gale rebalance --wait` waits for the workers it stops to drain, and says so, instead of timing
// out while they drain: a topology whose trees never complete drains for its whole drainTimeoutMs.
import { TestCluster, component, lines, until, type StatusJson } from './cluster-harness.js';

describe('gale rebalance waits for the drain it started', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 2 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('reports the drain and exits 0 although --wait is shorter than drainTimeoutMs', async () => {
    const d = await cluster.gale(['deploy', 'test/cluster/fixtures/never-acks.ts', '--name', 'held', '--set', 'drainTimeoutMs=8000', '--wait', '30']);
    expect(d.code).toBe(0);
    // Trees in flight that never complete: each stopping worker drains for the full 8 s.
    await until('trees in flight', async () => {
      const s = await cluster.json<StatusJson>(['status', 'held']);
      return component(s, 'numbers').pending > 0 ? s : undefined;
    }, 30_000, 200);

    const started = Date.now();
    const r = await cluster.gale(['rebalance', 'held', '--workers', '1', '--wait', '5']);
    const tookMs = Date.now() - started;
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const err = lines(r.stderr);
    expect(err[0]).toBe('gale: rebalancing "held": workers 2 -> 1; the leader reassigns its executors');
    // drainTimeoutMs 8000 + the supervisors' drainGraceMs 5000. The worker without the spout has
    // nothing in flight and may be gone before the first look: 1 or 2 workers drain.
    const draining = err.findIndex((l) => /^gale: waiting for [12] workers? of "held" to drain \(up to 13 s\) before the new ones start$/.test(l));
    expect(draining).toBe(1);
    expect(err[2]).toMatch(/^gale: [12] workers? of "held" drained and stopped$/);
    expect(err.join('\n')).not.toContain('gale kill');
    expect(r.stdout.trim().split('\n')).toHaveLength(2); // header + one worker
    expect(tookMs).toBeGreaterThan(7000); // it did wait for the drain, past --wait
    const after = await cluster.json<StatusJson>(['status', 'held']);
    expect(after.workers).toEqual({ wanted: 1, assigned: 1, running: 1 });
  });
});
