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
