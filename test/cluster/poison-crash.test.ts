// A tuple that kills its worker every time (issue 13, items 2 and 3). Before, the spout's retry
// counts died with the worker: the poison id replayed for ever (17 crashes, 0 dead letters, 510 of
// 3000 ids stalled), and `gale status` said "errors: none". Now the dying worker counts the crash
// against the message its bolt was executing (engine/crash-counts.ts, cluster/crash-store.ts):
// after maxRetries + 1 crashes the id is dead-lettered (reason `worker-crashed`), every other id is
// acked, and each crash is in ZooKeeper with its exit code and last stderr lines.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestCluster, readFileLines, until, type StatusJson } from './cluster-harness.js';

const COUNT = 300;
const POISON = 77;
const MAX_RETRIES = 2;

describe.each(['exit', 'throw'])('a poison tuple that kills its worker (%s)', (mode) => {
  let cluster: TestCluster;
  let dir: string;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 1, slotsPerSupervisor: 1 });
    dir = mkdtempSync(path.join(os.tmpdir(), 'gale-poison-'));
  });

  afterAll(async () => {
    await cluster?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is dead-lettered after maxRetries crashes; every other id is acked; the crashes are in gale status', async () => {
    const sup = cluster.supervisors[0]!;
    const name = `poison-${mode}`;
    const d = await cluster.gale([
      'deploy', 'test/cluster/fixtures/poison-exit.ts', '--name', name, '--wait', '0',
      '--set', `dir=${dir}`, '--set', `count=${COUNT}`, '--set', `poison=${POISON}`, '--set', `mode=${mode}`, '--set', `maxRetries=${MAX_RETRIES}`,
    ]);
    expect(d.code).toBe(0);
    const dead = await until('the poison id dead-lettered', async () => {
      const l = readFileLines(path.join(dir, 'dead.txt'));
      return l.length > 0 ? l : undefined;
    }, 90_000, 250);
    expect(dead.map((l) => JSON.parse(l) as unknown)).toEqual([{ messageId: POISON, reason: 'worker-crashed', attempts: MAX_RETRIES + 1 }]);
    const acked = await until(`all ${COUNT} ids acked`, async () => {
      const ids = new Set(readFileLines(path.join(dir, 'acked.txt')).map(Number));
      return ids.size === COUNT ? ids : undefined;
    }, 60_000, 250);
    expect(acked.size).toBe(COUNT); // the poison id's dead letter is acked at the spout too
    // Bounded: one crash per attempt, then none.
    const crashes = sup.eventsOf('worker.crashed', (e) => e.topology === name && e.code !== null);
    expect(crashes.length).toBe(MAX_RETRIES + 1);
    expect(crashes.every((e) => e.data.code === (mode === 'exit' ? 3 : 1))).toBe(true);

    const st = await until('the crashes in gale status', async () => {
      const s = await cluster.json<StatusJson>(['status', name]);
      // The crashes differ only in numbers (port, delay, crash n): one entry with a count (docs/errors.md, "Recent errors").
      return (s.errors.__worker ?? []).reduce((n, e) => n + (e.count ?? 1), 0) >= MAX_RETRIES + 1 ? s : undefined;
    }, 15_000, 250);
    const exits = st.errors.__worker!.map((e) => e.message);
    expect(exits[0]).toMatch(new RegExp(`^worker sup-a:\\d+ exited with code ${mode === 'exit' ? 3 : 1}; restarting in \\d+ ms; last stderr lines:\\n`));
    expect(exits[0]).toContain(`while bolt "work" task `);
    expect(exits[0]).toMatch(new RegExp(`executed a tuple of spout "ledger" message ${POISON} \\(crash \\d of that message\\)`));
    if (mode === 'throw') expect(exits[0]).toContain(`uncaught exception: Error: poison ${POISON}`);
    expect(st.errors.__worker!.every((e) => e.code === 'GALE_ERR_WORKER_EXITED')).toBe(true);
    const text = await cluster.gale(['status', name]);
    expect(text.stdout).toMatch(/__worker .* exited with code/);
  }, 180_000);
});
