// What a rebalance of parallelism moves: the scheduler keeps unchanged executors where they run
// (sticky-deal.ts), and assignment-diff.ts says which executors change, which workers keep running
// and which changes the running workers apply in place (the rule supervisor, worker and
// `gale rebalance --wait` share).
import { TOPOLOGY_CONFIG_DEFAULTS } from '../../config/topology-config.js';
import { appliesInPlace, executorChanges, workerKeepsRunning, workerIdentity } from '../assignment-diff.js';
import type { Assignment, SupervisorInfo, TopologyRecord } from '../model.js';
import { scheduleTopology } from '../scheduler.js';
import { stickyGroups } from '../sticky-deal.js';

const sup = (id: string, ports: number[]): SupervisorInfo => ({ id, host: '127.0.0.1', ports, pid: 1, version: 'test', startedAt: 0 });
const record = (parallelism: Record<string, number>, over: Partial<TopologyRecord> = {}): TopologyRecord => ({
  name: 'wc', codeSha256: 'abc', source: 'wc.ts', params: {}, config: TOPOLOGY_CONFIG_DEFAULTS, status: 'active',
  parallelism, numTasks: { lines: 1, split: 4, count: 4, sink: 2, __acker: 2 }, workers: 2, deployedAt: 0, ...over,
});
const BASE = { lines: 1, split: 2, count: 2, sink: 2, __acker: 2 };
const SUPS = [sup('s1', [6700, 6701]), sup('s2', [6700, 6701])];
const where = (a: Assignment): Map<string, string> => new Map(a.workers.flatMap((w) => w.executors.map((e) => [e, `${w.supervisor}:${w.port}`] as const)));

describe('a rebalance of one component\'s parallelism', () => {
  const a = scheduleTopology(record(BASE), undefined, SUPS, [])!;
  const b = scheduleTopology(record({ ...BASE, split: 4 }), a, SUPS, [])!;

  it('keeps the worker slots and every executor of the other components where it ran', () => {
    expect(b.version).toBe(a.version + 1);
    expect(b.workers.map((w) => `${w.supervisor}:${w.port}`).sort()).toEqual(a.workers.map((w) => `${w.supervisor}:${w.port}`).sort());
    const before = where(a);
    const after = where(b);
    for (const [e, slot] of before) if (!e.startsWith('split#')) expect(after.get(e)).toBe(slot);
    // The changed component is spread as evenly as the round-robin deal spreads it.
    for (const w of b.workers) expect(w.executors.filter((e) => e.startsWith('split#'))).toHaveLength(2);
  });

  it('changes only the executors of that component, and applies in place', () => {
    const changes = executorChanges(a, b);
    for (const c of changes) {
      expect([...c.added, ...c.removed].every((e) => e.startsWith('split#'))).toBe(true);
    }
    expect(changes.flatMap((c) => c.added).sort()).toEqual(['split#0', 'split#1', 'split#2', 'split#3']);
    expect(changes.flatMap((c) => c.removed).sort()).toEqual(['split#0', 'split#1']);
    expect(appliesInPlace(a, b)).toBe(true);
    for (const w of b.workers) expect(workerKeepsRunning(a, b, w)).toBe(true);
  });

  it('is no change at all for a worker when only another worker\'s executors change', () => {
    const one = scheduleTopology(record({ ...BASE, split: 1 }), undefined, SUPS, [])!;
    const sticky = scheduleTopology(record({ ...BASE, split: 1, count: 4 }), one, SUPS, [])!;
    expect(executorChanges(one, sticky).flatMap((c) => [...c.added, ...c.removed]).every((e) => e.startsWith('count#'))).toBe(true);
  });
});

describe('changes that restart workers, as before', () => {
  const a = scheduleTopology(record(BASE), undefined, SUPS, [])!;

  it('more workers: not in place; workers whose executors changed restart', () => {
    const b = scheduleTopology(record(BASE, { workers: 3 }), a, SUPS, [])!;
    expect(b.workers).toHaveLength(3);
    expect(appliesInPlace(a, b)).toBe(false);
    expect(a.workers.some((w) => !workerKeepsRunning(a, b, w))).toBe(true);
  });

  it('new code: not in place, and a new worker identity', () => {
    const b: Assignment = { ...a, version: a.version + 1, codeSha256: 'def' };
    expect(appliesInPlace(a, b)).toBe(false);
    expect(workerKeepsRunning(a, b, a.workers[0]!)).toBe(false);
    expect(workerIdentity(b, b.workers[0]!)).not.toBe(workerIdentity(a, a.workers[0]!));
  });

  it('peers moved but this worker\'s executors and the parallelism are the same: it keeps running', () => {
    const w0 = a.workers[0]!;
    const moved: Assignment = { ...a, version: a.version + 1, workers: [w0, { ...a.workers[1]!, port: 6799 }] };
    expect(appliesInPlace(a, moved)).toBe(false);
    expect(workerKeepsRunning(a, moved, w0)).toBe(true);
    expect(workerKeepsRunning(a, moved, a.workers[1]!)).toBe(false);
  });
});

describe('sticky deal', () => {
  it('balances new executors by component, then by load', () => {
    const current: Assignment = {
      topology: 't', version: 1, codeSha256: 'x', parallelism: { a: 2, b: 1 },
      workers: [
        { supervisor: 's1', host: 'h', port: 1, executors: ['a#0', 'b#0'] },
        { supervisor: 's2', host: 'h', port: 1, executors: ['a#1'] },
      ],
    };
    const groups = stickyGroups(current, ['s1:1', 's2:1'], ['a#0', 'a#1', 'b#0', 'b#1', 'b#2'], { a: 2, b: 3 });
    expect(groups[0]).toEqual(expect.arrayContaining(['a#0']));
    expect(groups[1]).toEqual(expect.arrayContaining(['a#1']));
    expect(groups.flat().sort()).toEqual(['a#0', 'a#1', 'b#0', 'b#1', 'b#2']);
    expect(groups.map((g) => g.filter((e) => e.startsWith('b#')).length).sort()).toEqual([1, 2]);
  });
});
