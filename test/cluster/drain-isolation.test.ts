// One worker draining must not hold up its supervisor's other slots (issue 13, item 5): the
// reconcile loop used to await every stop before launching anything, so an unrelated deploy on
// the same supervisor waited out the whole drain (30.7 s measured with the default 30 s drain).
import { TestCluster, component, until, type StatusJson } from './cluster-harness.js';

const DRAIN_MS = 20_000;

describe('a draining worker does not block other topologies', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 1, slotsPerSupervisor: 3 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('an unrelated deploy runs in seconds while another topology drains for 20 s', async () => {
    const d = await cluster.gale(['deploy', 'test/cluster/fixtures/never-acks.ts', '--name', 'held', '--workers', '1', '--set', `drainTimeoutMs=${DRAIN_MS}`, '--wait', '30']);
    expect(d.code).toBe(0);
    await until('trees in flight', async () => {
      const s = await cluster.json<StatusJson>(['status', 'held']);
      return component(s, 'numbers').pending > 0 ? s : undefined;
    }, 30_000, 200);
    const sup = cluster.supervisors[0]!;
    const mark = sup.eventCount;
    // The held worker's executors change: it drains for the full 20 s (its trees never complete).
    const r = await cluster.gale(['rebalance', 'held', '--workers', '2']);
    expect(r.code).toBe(0);
    await sup.waitForEvent('assignment.changed', (e) => e.topology === 'held', 15_000, mark);

    const started = Date.now();
    const g = await cluster.gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'other', '--workers', '1', '--wait', '60']);
    const tookMs = Date.now() - started;
    process.stderr.write(`drain-isolation: unrelated deploy took ${tookMs} ms while "held" drained for ${DRAIN_MS} ms\n`);
    expect(g.code).toBe(0);
    // Before: the supervisor's reconcile loop waited for the drain (about 20 s here).
    expect(tookMs).toBeLessThan(10_000);
    // The drained worker did stop (it was not interrupted) and held's new workers run after it.
    const stopped = sup.eventsOf('worker.stopped', (e) => e.topology === 'held', mark);
    expect(stopped.length).toBe(0);
    await sup.waitForEvent('worker.stopped', (e) => e.topology === 'held', DRAIN_MS + 15_000, mark);
    await until('held running on 2 workers', async () => {
      const s = await cluster.json<StatusJson>(['status', 'held']);
      return s.workers.running === 2 ? s : undefined;
    }, 30_000, 250);
  }, 120_000);
});
