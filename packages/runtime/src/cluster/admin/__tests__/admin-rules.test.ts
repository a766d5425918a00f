// The admin rules that need no cluster: rebalance limits, the assignment a rebalance waits for,
// and merging per-worker stats.
import { CLUSTER_CONFIG_DEFAULTS } from '../../../config/cluster-config.js';
import { TOPOLOGY_CONFIG_DEFAULTS } from '../../../config/topology-config.js';
import type { ComponentStats } from '../../../engine/metrics.js';
import type { Assignment, TopologyRecord, WorkerHeartbeat } from '../../model.js';
import { AdminRequestError } from '../errors.js';
import { checkParallelism, rebalanceSettled } from '../rebalance.js';
import { mergeStats, placementOf } from '../stats.js';

const record: TopologyRecord = {
  name: 'wc', codeSha256: 'a'.repeat(64), source: 'wc.ts', params: {}, config: TOPOLOGY_CONFIG_DEFAULTS, status: 'active',
  parallelism: { lines: 1, split: 2, __acker: 1 }, numTasks: { lines: 1, split: 4, __acker: 1 }, workers: 2, deployedAt: 0,
};

function requestError(fn: () => unknown): AdminRequestError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AdminRequestError);
    return err as AdminRequestError;
  }
  throw new Error('expected an AdminRequestError');
}

function stats(component: string, over: Partial<ComponentStats>): ComponentStats {
  return {
    component, kind: 'bolt', executors: 1, tasks: 1, emitted: 0, transferred: 0, executed: 0, acked: 0, failed: 0, timedOut: 0,
    deadLettered: 0, errors: 0, queueDepth: 0, queueHighWater: 0, queueCapacity: 0, pending: 0,
    executeLatencyMs: { p50: 0, p99: 0, mean: 0 }, completeLatencyMs: { p50: 0, p99: 0, mean: 0 }, ...over,
  };
}

function beat(port: number, s: ComponentStats[]): WorkerHeartbeat {
  return { topology: 'wc', supervisor: 's', host: 'h', port, pid: 1, assignmentVersion: 1, state: 'running', time: 0, executors: [], stats: s };
}

describe('admin rules', () => {
  test('rebalance: known components, at most numTasks executors, ackers fixed', () => {
    expect(() => checkParallelism(record, { split: 4 })).not.toThrow();
    expect(requestError(() => checkParallelism(record, { splt: 2 })).message)
      .toBe('topology "wc" has no component "splt" (did you mean "split"?); components: lines, split');
    expect(requestError(() => checkParallelism(record, { split: 5 })).message).toContain('"split" has 4 tasks, so at most 4 executors');
    expect(requestError(() => checkParallelism(record, { __acker: 2 })).message).toContain('acker count of "wc" is fixed at deploy');
  });

  test('rebalance waits for the new plan, or for the leader to have had its chance', () => {
    const after = { ...record, parallelism: { ...record.parallelism, split: 4 } };
    const a = (version: number, workers: number, split: number): Assignment => ({
      topology: 'wc', version, codeSha256: record.codeSha256, parallelism: { ...record.parallelism, split },
      workers: Array.from({ length: workers }, (_, i) => ({ supervisor: 's', host: 'h', port: 6700 + i, executors: [] })),
    });
    const settled = rebalanceSettled(after, a(1, 1, 2), performance.now(), CLUSTER_CONFIG_DEFAULTS);
    expect(settled(a(1, 1, 2))).toBe(false); // old plan
    expect(settled(a(2, 1, 4))).toBe(true); // new version with the new plan
    const late = rebalanceSettled(after, a(1, 1, 4), performance.now() - 60_000, CLUSTER_CONFIG_DEFAULTS);
    expect(late(a(1, 1, 4))).toBe(true); // unchanged long after: final (no free slot for a second worker)
  });

  test('stats are summed per component; latencies weighted by count, p99 the worst', () => {
    const merged = mergeStats([
      beat(1, [stats('split', { executed: 10, acked: 10, executeLatencyMs: { p50: 1, p99: 4, mean: 2 } })]),
      beat(2, [stats('split', { executed: 30, acked: 30, executeLatencyMs: { p50: 3, p99: 9, mean: 4 } })]),
    ]);
    expect(merged.get('split')).toMatchObject({ workers: 2, executed: 40, acked: 40, executeLatencyMs: { p50: 2.5, p99: 9, mean: 3.5 } });
    const a: Assignment = { topology: 'wc', version: 1, codeSha256: record.codeSha256, parallelism: {}, workers: [
      { supervisor: 's', host: 'h', port: 1, executors: ['split#0'] }, { supervisor: 's', host: 'h', port: 2, executors: ['lines#0'] },
    ] };
    expect(placementOf(a, 'split')).toEqual(['h:1']);
    expect(placementOf(undefined, 'split')).toEqual([]);
  });

  it('sums executeThrew and ticks over the workers that report them, and leaves them out when none does', () => {
    const merged = mergeStats([
      beat(1, [stats('count', { executed: 6, failed: 3, executeThrew: 2, ticks: 10 }), stats('lines', { kind: 'spout' })]),
      beat(2, [stats('count', { executed: 4, failed: 1, ticks: 5 }), stats('lines', { kind: 'spout' })]),
    ]);
    expect(merged.get('count')).toMatchObject({ executed: 10, failed: 4, executeThrew: 2, ticks: 15 });
    expect(merged.get('lines')).not.toHaveProperty('executeThrew');
    expect(merged.get('lines')).not.toHaveProperty('ticks');
  });
});
