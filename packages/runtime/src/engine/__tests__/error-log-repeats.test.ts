// The recent-errors list of a component (LocalTopology.errors(), the `gale local` summary, what a
// worker writes for `gale status`): a flood of bad-data reports (DataError, one per bad value,
// every message different) used to push every other error out of the last ten. Repeats now fold
// into one entry, with a count: per message, and for bad data per code.
import { DataError } from '../../errors.js';
import { ErrorLog } from '../error-log.js';
import type { LogRecord } from './manual-engine.js';

function errorLog(): { log: ErrorLog; lines: LogRecord[]; at: (ms: number) => void } {
  let now = 0;
  const lines: LogRecord[] = [];
  const rec = (level: LogRecord['level']) => (obj: object, msg: string): void => void lines.push({ level, obj, msg });
  const log = new ErrorLog({ now: () => now, epochMs: () => 1_000_000 + now }, { error: rec('error'), warn: rec('warn'), info: rec('info'), debug: rec('debug') }, undefined);
  return { log, lines, at: (ms) => { now = ms; } };
}

it('a flood of DataErrors keeps one entry with its count, and the real error stays in the list', () => {
  const { log, at } = errorLog();
  at(1);
  log.report('count', 3, new Error('redis said NOPERM'));
  for (let i = 0; i < 1000; i++) {
    at(2 + i);
    log.report('count', 3, new DataError('GALE_ERR_BAD_AMOUNT', `amount "x${i}" is not a finite number`));
  }
  const list = log.list('count');
  expect(list.map((e) => [e.message, e.code, e.data, e.count])).toEqual([
    ['redis said NOPERM', undefined, undefined, undefined],
    ['amount "x999" is not a finite number', 'GALE_ERR_BAD_AMOUNT', true, 1000],
  ]);
  expect(list[1]!.time).toBe(1_000_000 + 1001); // the newest report's time
});

it('distinct errors still keep the newest ten, oldest first; a repeat moves to the end', () => {
  const { log } = errorLog();
  for (let i = 0; i < 12; i++) log.report('b', 1, new Error(`e${i}`));
  log.report('b', 2, new Error('e5'));
  expect(log.list('b').map((e) => `${e.message}${e.count === undefined ? '' : `x${e.count}`}`)).toEqual(['e2', 'e3', 'e4', 'e6', 'e7', 'e8', 'e9', 'e10', 'e11', 'e5x2']);
});

it('close() logs once how many lines the rate limit left out and no later line reported', () => {
  const { log, lines, at } = errorLog();
  for (let i = 0; i < 25; i++) log.report('sink', 1, new Error('EMFILE'));
  for (let i = 0; i < 13; i++) log.report('count', 2, new DataError('GALE_ERR_BAD_AMOUNT', `bad ${i}`));
  at(5000);
  log.report('count', 2, new DataError('GALE_ERR_BAD_AMOUNT', 'bad again')); // reports the 3 left out so far
  expect(lines.at(-1)!.obj).toMatchObject({ suppressed: 3 });
  log.close();
  expect(lines.filter((l) => l.level === 'warn')).toEqual([{
    level: 'warn', msg: 'component errors left out of the log by its rate limit',
    obj: { suppressed: 15, errors: [{ component: 'sink', err: 'EMFILE', suppressed: 15 }] },
  }]);
  log.close(); // nothing owed any more: no second line
  expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
});

it('errors that are not bad data fold by message only: one code with different messages stays apart', () => {
  const { log } = errorLog();
  const open = (why: string): Error => Object.assign(new Error(`spout "q" failed in open(): ${why}`), { code: 'GALE_ERR_SPOUT_OPEN' });
  log.report('q', 1, open('cannot connect'));
  log.report('q', 1, open('bad password'));
  log.report('q', 1, open('cannot connect'));
  expect(log.list('q').map((e) => [e.message, e.count])).toEqual([
    ['spout "q" failed in open(): bad password', undefined],
    ['spout "q" failed in open(): cannot connect', 2],
  ]);
});
