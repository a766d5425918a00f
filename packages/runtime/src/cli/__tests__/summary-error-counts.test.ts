import type { ComponentStats, ReportedError } from '../../api/stats.js';
import { summaryLines } from '../stats-format.js';

it('the gale local summary shows how many reports a folded error entry stands for', () => {
  const errors: ReportedError[] = [
    { component: 'count', task: 3, time: 1, message: 'redis: NOPERM' },
    { component: 'count', task: 3, time: 2, message: 'amount "x" is not a finite number', code: 'GALE_ERR_BAD_AMOUNT', count: 1000 },
  ];
  const lines = summaryLines([] as ComponentStats[], errors);
  expect(lines).toEqual([
    'gale: error in "count" (task 3): redis: NOPERM',
    'gale: error in "count" (task 3): amount "x" is not a finite number; 1000 times',
  ]);
});

it('the summary shows the first error of each code, which the list keeps through a flood, before the last three', () => {
  const errors: ReportedError[] = [
    { component: 'count', task: 3, time: 1, message: 'redis: connection refused', code: 'GALE_ERR_REDIS_CONNECT' },
    ...['a', 'b', 'c', 'd', 'e'].map((w, i): ReportedError => ({ component: 'count', task: 3, time: 2 + i, message: `bad row ${w}` })),
  ];
  expect(summaryLines([] as ComponentStats[], errors)).toEqual([
    'gale: error in "count" (task 3): redis: connection refused',
    'gale: error in "count" (task 3): bad row a',
    'gale: error in "count" (task 3): bad row c',
    'gale: error in "count" (task 3): bad row d',
    'gale: error in "count" (task 3): bad row e',
    'gale: 1 more distinct error(s) in "count" not shown (--json lists them)',
  ]);
});

it('a bolt whose every execute threw says so, not just "executed 0 ... failed 40"', () => {
  const latency = { p50: 0, p99: 0 };
  const bolt = (executed: number, failed: number) =>
    ({ component: 'parse', kind: 'bolt', executed, emitted: 0, acked: executed, failed, errors: failed, executeLatencyMs: latency }) as unknown as ComponentStats;
  expect(summaryLines([bolt(0, 40)], [])[0]).toMatch(/executed 0 .* failed 40 .*\(no execute completed: each of the 40 inputs failed, its execute threw; errors below\)$/);
  expect(summaryLines([bolt(10, 2)], [])[0]).not.toMatch(/no execute completed/);
});
