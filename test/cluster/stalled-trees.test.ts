// A topology whose trees stall (issue 13, item 2): a bolt that holds every tuple, so trees time out
// and replay forever with pending > 0 and no tree ever completes. `gale status` (text and --json),
// `gale list` and the REST API flag it once nothing completed for longer than messageTimeoutMs; a
// healthy topology on the same cluster is never flagged.
import { freePort } from '../harness/ports.js';
import { TestCluster, component, until, type StatusJson } from './cluster-harness.js';

const TIMEOUT_MS = 3000;

interface Stall { stalled: boolean; stall: { stalled: boolean; pending: number; sinceCompletionMs: number | null } }

describe('stalled trees', () => {
  let cluster: TestCluster;
  let api: string;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 0 });
    const http = await freePort();
    await cluster.startSupervisor('sup-a', 2, ['--http-port', String(http)]);
    api = `http://127.0.0.1:${http}/api/v1`;
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('are flagged by status, list and the REST API; a healthy topology never is', async () => {
    // The bolt neither acks nor fails: every tree times out after ~3-4.5 s and the spout emits more.
    const held = await cluster.gale(['deploy', 'test/cluster/fixtures/never-acks.ts', '--name', 'stuck', '--workers', '1', '--set', `messageTimeoutMs=${TIMEOUT_MS}`, '--set', 'rate=20']);
    expect(held.code).toBe(0);
    const ok = await cluster.gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'healthy', '--workers', '1', '--set', 'rate=50']);
    expect(ok.code).toBe(0);

    const healthyChecks: boolean[] = [];
    const checkHealthy = async (): Promise<void> => {
      const h = await cluster.json<StatusJson & Stall>(['status', 'healthy']);
      healthyChecks.push(h.stalled);
      expect(h.stalled).toBe(false);
    };

    const stuck = await until('"stuck" flagged as stalled', async () => {
      await checkHealthy();
      const s = await cluster.json<StatusJson & Stall>(['status', 'stuck']);
      return s.stalled ? s : undefined;
    }, 60_000, 500);
    expect(component(stuck, 'numbers').pending).toBeGreaterThan(0);
    expect(component(stuck, 'numbers').acked).toBe(0);
    expect(stuck.stall.pending).toBeGreaterThan(0);
    expect(stuck.stall.sinceCompletionMs).toBeGreaterThan(TIMEOUT_MS);

    const text = await cluster.gale(['status', 'stuck']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^STALLED: \d+ trees pending and no tree completed for (\d+[dhm] )*\d+[dhms] \(messageTimeoutMs 3000\)/m);
    const healthyText = await cluster.gale(['status', 'healthy']);
    expect(healthyText.stdout).not.toContain('STALLED');

    const listed = await cluster.json<{ name: string; stalled: boolean }[]>(['list']);
    expect(listed.find((t) => t.name === 'stuck')?.stalled).toBe(true);
    expect(listed.find((t) => t.name === 'healthy')?.stalled).toBe(false);
    expect((await cluster.gale(['list'])).stdout).toMatch(/^stuck +active \(stalled\) /m);

    const rest = (await (await fetch(`${api}/topologies/stuck`)).json()) as Stall;
    expect(rest.stalled).toBe(true);
    const summary = (await (await fetch(`${api}/topologies`)).json()) as { topologies: { name: string; stalled: boolean }[] };
    expect(summary.topologies.map((t) => [t.name, t.stalled]).sort()).toEqual([['healthy', false], ['stuck', true]]);

    // The healthy one stayed unflagged all along, and still is a few heartbeats later.
    for (let i = 0; i < 3; i++) await checkHealthy();
    expect(healthyChecks.length).toBeGreaterThanOrEqual(4);
    expect(component(await cluster.json<StatusJson>(['status', 'healthy']), 'numbers').acked).toBeGreaterThan(0);
  }, 150_000);
});
