import type { ReportedError } from '../../api/stats.js';
import { ErrorWriteThrottle } from '../error-write-throttle.js';

/** With a code: a DataError of that code. */
const err = (time: number, message: string, code?: string, component = 'count'): ReportedError =>
  ({ component, task: 1, time, message, ...(code !== undefined ? { code, data: true as const } : {}) });

it('a flood of bad data (one code) does not take the write of another error in the same interval', () => {
  const t = new ErrorWriteThrottle(1000);
  expect(t.take(err(0, 'bad amount 0', 'GALE_ERR_BAD_AMOUNT'))).toEqual({ count: 1 });
  for (let i = 1; i < 50; i++) expect(t.take(err(i, `bad amount ${i}`, 'GALE_ERR_BAD_AMOUNT'))).toBeUndefined();
  // Before, one write per component per interval: this real error, 60 ms into the flood, was never written.
  expect(t.take(err(60, 'redis: NOPERM'))).toEqual({ count: 1 });
  expect(t.take(err(70, 'redis: NOPERM again'))).toBeUndefined();
  expect(t.take(err(70, 'other component', undefined, 'sink'))).toEqual({ count: 1 });
  // The next write of the flooding code carries what was not written since.
  expect(t.take(err(1000, 'bad amount 1000', 'GALE_ERR_BAD_AMOUNT'))).toEqual({ count: 50 });
  // 'redis: NOPERM again' was not written; this write is of another message: only its own repeats count.
  expect(t.take(err(1060, 'redis: NOPERM'))).toEqual({ count: 1 });
});

it("a written error's count is its own unwritten repeats, never another message's", () => {
  const t = new ErrorWriteThrottle(1000);
  expect(t.take(err(0, 'A'))).toEqual({ count: 1 });
  for (const time of [100, 200, 300, 400]) expect(t.take(err(time, 'A'))).toBeUndefined();
  // B happened once: written with count 1 (it was 5, A's skipped repeats, before).
  expect(t.take(err(1500, 'B'))).toEqual({ count: 1 });
  // A's next write carries its own 4 skipped repeats.
  expect(t.take(err(2600, 'A'))).toEqual({ count: 5 });
});
