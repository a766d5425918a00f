import { TOPOLOGY_CONFIG_DEFAULTS } from '../../config/topology-config.js';
import type { Assignment, SupervisorInfo, TopologyRecord } from '../model.js';
import { deployOrder, freeSlots, scheduleTopology } from '../scheduler.js';

const sup = (id: string, ports: number[]): SupervisorInfo => ({ id, host: '127.0.0.1', ports, pid: 1, version: 'test', startedAt: 0 });
const record = (over: Partial<TopologyRecord> = {}): TopologyRecord => ({
  name: 'wc', codeSha256: 'abc', source: 'wc.ts', params: {}, config: TOPOLOGY_CONFIG_DEFAULTS, status: 'active',
  parallelism: { lines: 1, split: 2, count: 2, __acker: 2 }, numTasks: { lines: 1, split: 2, count: 2, __acker: 2 },
  workers: 2, deployedAt: 0, ...over,
});

describe('even scheduler', () => {
  it('spreads workers over supervisors and executors over workers', () => {
    const a = scheduleTopology(record(), undefined, [sup('s1', [6700, 6701]), sup('s2', [6700, 6701])], [])!;
    expect(a.workers.map((w) => w.supervisor).sort()).toEqual(['s1', 's2']);
    expect(a.workers.flatMap((w) => w.executors).sort()).toEqual(
      ['__acker#0', '__acker#1', 'count#0', 'count#1', 'lines#0', 'split#0', 'split#1'],
    );
    for (const w of a.workers) {
      expect(w.executors.filter((e) => e.startsWith('split')).length).toBe(1);
      expect(w.executors.filter((e) => e.startsWith('count')).length).toBe(1);
    }
    expect(a.version).toBe(1);
  });

  it('keeps a valid assignment and moves executors off a dead supervisor', () => {
    const sups = [sup('s1', [6700, 6701]), sup('s2', [6700, 6701])];
    const a = scheduleTopology(record(), undefined, sups, [])!;
    expect(scheduleTopology(record(), a, sups, [])).toBe(a);
    const b = scheduleTopology(record(), a, [sups[0]!], [])!;
    expect(b.version).toBe(2);
    expect(b.workers.every((w) => w.supervisor === 's1')).toBe(true);
    expect(b.workers).toHaveLength(2);
    expect(b.workers.flatMap((w) => w.executors)).toHaveLength(7);
  });

  it('does not reuse slots held by other topologies, uses fewer workers when short, and grows back', () => {
    const other: Assignment = { topology: 'x', version: 1, codeSha256: 'z', parallelism: {}, workers: [{ supervisor: 's1', host: 'h', port: 6700, executors: ['a#0'] }] };
    expect(freeSlots([sup('s1', [6700, 6701])], [other]).map((s) => s.port)).toEqual([6701]);
    const a = scheduleTopology(record(), undefined, [sup('s1', [6700, 6701])], [other])!;
    expect(a.workers).toHaveLength(1);
    const grown = scheduleTopology(record(), a, [sup('s1', [6700, 6701]), sup('s2', [6700])], [other])!;
    expect(grown.workers).toHaveLength(2);
    expect(scheduleTopology(record(), undefined, [], [])).toBeUndefined();
  });

  it('reschedules on rebalance (workers or parallelism changed)', () => {
    const sups = [sup('s1', [1, 2, 3]), sup('s2', [1, 2, 3])];
    const a = scheduleTopology(record(), undefined, sups, [])!;
    const b = scheduleTopology(record({ workers: 3 }), a, sups, [])!;
    expect(b.workers).toHaveLength(3);
    const c = scheduleTopology(record({ workers: 3, parallelism: { lines: 1, split: 4, count: 2, __acker: 2 } }), b, sups, [])!;
    expect(c.workers.flatMap((w) => w.executors).filter((e) => e.startsWith('split'))).toHaveLength(4);
    expect(c.version).toBe(3);
    const d = scheduleTopology(record({ workers: 1 }), c, sups, [])!;
    expect(d.workers).toHaveLength(1);
  });
});

describe('deploy order', () => {
  it('orders by deploy time, then name, whatever the names', () => {
    const rs = [record({ name: 'alpha', deployedAt: 300 }), record({ name: 'zulu', deployedAt: 100 }), record({ name: 'mike', deployedAt: 300 }), record({ name: 'bravo', deployedAt: 200 })];
    expect(deployOrder(rs)).toEqual(['zulu', 'bravo', 'alpha', 'mike']);
  });

  it('gives a freed slot to the topology that waited longest, not the first by name', () => {
    // The leader's loop: each topology in order sees the assignments settled before it.
    const sups = [sup('s1', [6700])];
    const waiting = [record({ name: 'alpha', workers: 1, deployedAt: 2000 }), record({ name: 'zulu', workers: 1, deployedAt: 1000 })];
    const settled: Assignment[] = [];
    for (const name of deployOrder(waiting)) {
      const a = scheduleTopology(waiting.find((r) => r.name === name)!, undefined, sups, settled);
      if (a !== undefined) settled.push(a);
    }
    expect(settled.map((a) => a.topology)).toEqual(['zulu']);
  });
});
