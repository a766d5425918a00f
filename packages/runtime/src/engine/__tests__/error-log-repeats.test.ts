// The recent-errors list of a component (LocalTopology.errors(), the `gale local` summary, what a
// worker writes for `gale status`): a flood of bad-data reports (DataError, one per bad value,
// every message different) used to push every other error out of the last ten. Repeats now fold
// into one entry, with a count: per message, and for bad data per code.
import { DataError } from '../../errors.js';
import { errorRepeatKey } from '../../api/stats.js';
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

/** A word without digits for `i` (messages that differ in digits only are one error): a, b, ..., z, ba, bb, ... */
function word(i: number): string {
  let w = '';
  do {
    w = String.fromCharCode(97 + (i % 26)) + w;
    i = Math.floor(i / 26);
  } while (i > 0);
  return w;
}

it('distinct errors keep ten, oldest first: the first of their code (here: no code) and the newest nine; a repeat moves to the end', () => {
  const { log } = errorLog();
  for (let i = 0; i < 12; i++) log.report('b', 1, new Error(`e${word(i)}`));
  log.report('b', 2, new Error('ef'));
  expect(log.list('b').map((e) => `${e.message}${e.count === undefined ? '' : `x${e.count}`}`)).toEqual(['ea', 'ed', 'ee', 'eg', 'eh', 'ei', 'ej', 'ek', 'el', 'efx2']);
});

it('messages that differ only in the ids and numbers inside them fold into one entry, the newest as the example', () => {
  const { log, lines } = errorLog();
  log.report('orders', 1, new Error('redis said NOPERM'));
  for (let i = 0; i < 1000; i++) log.report('orders', 1, new Error(`order ord-${1000 + i} not found (shard 10.0.0.${i % 4}:6379, after ${i} ms)`));
  log.report('orders', 1, new Error('order id missing'));
  expect(log.list('orders').map((e) => [e.message, e.count])).toEqual([
    ['redis said NOPERM', undefined],
    ['order ord-1999 not found (shard 10.0.0.3:6379, after 999 ms)', 1000],
    ['order id missing', undefined],
  ]);
  // One rate limit for the folded error too: its log lines do not flood either.
  expect(lines.filter((l) => l.msg === 'component error' && String((l.obj as { err: string }).err).startsWith('order ord-')).length).toBeLessThanOrEqual(10);
});

it('a flood of errors that do not fold cannot push out the first error of any code, nor its own first one', () => {
  const { log } = errorLog();
  const coded = (code: string, message: string): Error => Object.assign(new Error(message), { code });
  log.report('sink', 1, coded('GALE_ERR_REDIS_CONNECT', 'cannot connect to redis'));
  log.report('sink', 1, coded('GALE_ERR_FILE_WRITE', 'disk full'));
  log.report('sink', 1, new Error('first plain failure'));
  for (let i = 0; i < 500; i++) log.report('sink', 1, new Error(`unexpected token ${word(i + 1000)} in reply`));
  log.report('sink', 1, coded('GALE_ERR_FILE_WRITE', 'read-only file system'));
  const list = log.list('sink').map((e) => e.message);
  expect(list).toHaveLength(10);
  expect(list.slice(0, 3)).toEqual(['cannot connect to redis', 'disk full', 'first plain failure']);
  // The rest: the newest of the flood, then the newest error (its code's second entry, newer than the flood's).
  expect(list.slice(3, 9)).toEqual(Array.from({ length: 6 }, (_, k) => `unexpected token ${word(1000 + 494 + k)} in reply`));
  expect(list[9]).toBe('read-only file system');
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

it('close() names the errors counted under the rate limiter\'s overflow key (more distinct errors than it tracks) as such', () => {
  const { log, lines } = errorLog();
  // 1024 keys are tracked per window; these 1100 distinct messages (letters: they do not fold) overflow it.
  for (let i = 0; i < 1100; i++) log.report('parse', 1, new Error(`unexpected token ${word(i)}`));
  log.close();
  const owed = lines.filter((l) => l.msg === 'component errors left out of the log by its rate limit');
  expect(owed).toHaveLength(1);
  const errors = (owed[0]!.obj as { errors: unknown[] }).errors;
  // 76 over the tracked keys: the first 10 share the overflow key's lines, 66 are left out.
  expect(errors).toEqual([{ overflow: true, suppressed: 66 }]);
});

it('each report masks its message once: the entries already listed keep the key computed when they were reported', () => {
  let keys = 0;
  const counting: typeof errorRepeatKey = (e) => (keys++, errorRepeatKey(e));
  const log = new ErrorLog({ now: () => 0, epochMs: () => 0 }, { error() {}, warn() {}, info() {}, debug() {} }, undefined, counting);
  // 200 distinct errors (the list full at 10 after the first ten), then repeats of listed ones.
  for (let i = 0; i < 200; i++) log.report('count', 3, new Error(`store refused ${word(i)}`));
  for (let i = 0; i < 50; i++) log.report('count', 3, new Error(`store refused ${word(199)}`));
  expect(log.list('count')).toHaveLength(10);
  expect(log.list('count').at(-1)).toMatchObject({ message: `store refused ${word(199)}`, count: 51 });
  expect(keys).toBe(250);
});
