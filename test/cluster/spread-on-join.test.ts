// Placement after a supervisor joins (issue 13, item 4): the supervisor that was up first got
// every worker, and a valid assignment used to stay that way for good. Now, once the newcomer has
// been registered for spreadCoolDownMs, the leader moves one worker to it (drain, then restart
// with the same executors), under load from an ack-tracked durable spout, losing no id.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readIds } from '../chaos/fixtures/numbered.js';
import { TestCluster, until, type StatusJson } from './cluster-harness.js';

const N = 1500;
const COOL_DOWN_MS = 3000;
const CONFIG = ['--cluster-set', `spreadCoolDownMs=${COOL_DOWN_MS}`, '--cluster-set', 'leaderPeriodMs=1000'];

describe('spreading workers when a supervisor joins', () => {
  let cluster: TestCluster;
  let out: string;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 0 });
    out = mkdtempSync(path.join(os.tmpdir(), 'gale-spread-'));
  }, 60_000);

  afterAll(async () => {
    await cluster?.close();
    if (out !== undefined) rmSync(out, { recursive: true, force: true });
  });

  it('moves one worker to the new supervisor after its cool-down, and loses no id', async () => {
    const a = await cluster.startSupervisor('sup-a', 2, CONFIG);
    await a.waitForEvent('leader.elected');
    const d = await cluster.gale(['deploy', 'test/chaos/fixtures/numbered.ts', '--name', 'numbered', '--workers', '2',
      '--set', `n=${N}`, '--set', 'rate=100', '--set', `out=${out}`, '--set', 'timeout=5000']);
    expect(d.code).toBe(0);
    const before = await cluster.json<StatusJson>(['status', 'numbered']);
    expect(before.workerProcesses.map((w) => w.supervisor)).toEqual(['sup-a', 'sup-a']);
    await until('ids acked before the join', async () => readIds(out, 'acked').size >= 100, 60_000, 200);

    const b = await cluster.startSupervisor('sup-b', 2, CONFIG);
    const joinedAt = Date.now();
    const moved = await a.waitForEvent('worker.moved', (e) => e.topology === 'numbered', 60_000);
    expect(moved.data.from.supervisor).toBe('sup-a');
    expect(moved.data.to.supervisor).toBe('sup-b');
    // Not before the newcomer was registered for the cool-down (as the leader saw it).
    expect(moved.atMs - joinedAt).toBeGreaterThanOrEqual(COOL_DOWN_MS - 500);
    const started = await b.waitForEvent('worker.started', (e) => e.topology === 'numbered' && e.port === moved.data.to.port, 60_000);
    await a.waitForEvent('worker.stopped', (e) => e.topology === 'numbered' && e.port === moved.data.from.port, 60_000);
    expect(started.data.pid).toBeGreaterThan(0);

    const after = await until('both workers running, one per supervisor', async () => {
      const s = await cluster.json<StatusJson>(['status', 'numbered']);
      return s.workers.running === 2 && new Set(s.workerProcesses.map((w) => w.supervisor)).size === 2 ? s : undefined;
    }, 60_000, 250);
    expect(after.assignmentVersion).toBe(moved.data.version);

    // Zero lost ids: every id acked (the spout is a durable ledger, so a moved spout resumes).
    const acked = await until(`all ${N} ids acked`, async () => {
      const ids = readIds(out, 'acked');
      return ids.size === N ? ids : undefined;
    }, 120_000, 500);
    const missing = Array.from({ length: N }, (_, i) => i + 1).filter((id) => !acked.has(id));
    expect(missing).toEqual([]);
    const duplicates = [...acked.values()].filter((c) => c > 1).length;
    process.stderr.write(`spread-on-join: moved ${moved.data.from.supervisor}:${moved.data.from.port} -> ${moved.data.to.supervisor}:${moved.data.to.port} ` +
      `${moved.atMs - joinedAt} ms after the join; ${N} ids acked, ${duplicates} acked more than once\n`);
    // The spread is even now: no further move (no churn).
    expect(a.eventsOf('worker.moved')).toHaveLength(1);
  }, 240_000);
});
