import pino from 'pino';
import { Writable } from 'node:stream';
import { ManualClock } from '../../engine/testing/manual-time.js';
import { LimitedLog, REPEATED_WARNING_WINDOW_MS } from '../limited-log.js';

interface Line {
  level: number;
  msg: string;
  suppressed?: number;
  path?: string;
  lines?: Array<{ level?: string; msg?: string; key?: string; overflow?: true; suppressed: number }>;
}

function capture(): { log: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done): void {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as (typeof lines)[number]);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

describe('a daemon warning repeated every period', () => {
  it('is written once per window per message and key; the next line carries the count left out', () => {
    const clock = new ManualClock();
    const { log, lines } = capture();
    const repeated = new LimitedLog(log, clock, { limit: 1, windowMs: REPEATED_WARNING_WINDOW_MS });
    // ZooKeeper away for three minutes, the supervisor retrying every second, one bad znode too.
    for (let s = 0; s < 180; s++) {
      repeated.warn({ err: 'connection lost' }, 'supervisor: cannot read assignments; will retry');
      repeated.warn({ path: '/gale/assignments/a' }, 'supervisor: unreadable assignment skipped', '/gale/assignments/a');
      repeated.warn({ path: '/gale/assignments/b' }, 'supervisor: unreadable assignment skipped', '/gale/assignments/b');
      clock.advance(1000);
    }
    const retries = lines.filter((l) => l.msg === 'supervisor: cannot read assignments; will retry');
    expect(retries.map((l) => l.suppressed)).toEqual([undefined, 59, 59]);
    const skipped = lines.filter((l) => l.msg === 'supervisor: unreadable assignment skipped');
    expect(skipped.map((l) => [l.path, l.suppressed])).toEqual([
      ['/gale/assignments/a', undefined], ['/gale/assignments/b', undefined],
      ['/gale/assignments/a', 59], ['/gale/assignments/b', 59],
      ['/gale/assignments/a', 59], ['/gale/assignments/b', 59],
    ]);
    expect(retries.every((l) => l.level === 40)).toBe(true); // warn
  });

  it('at close, the counts no later line reported are logged in one line, once', () => {
    const clock = new ManualClock();
    const { log, lines } = capture();
    const repeated = new LimitedLog(log, clock, { limit: 1, windowMs: REPEATED_WARNING_WINDOW_MS });
    // 90 s of a retry every second: the line at 60 s reported 59; the 29 since are owed.
    for (let s = 0; s < 90; s++) {
      repeated.warn({}, 'leader: reconcile failed; will retry');
      repeated.error({}, 'supervisor: unreadable assignment skipped', '/gale/assignments/a');
      clock.advance(1000);
    }
    repeated.info({}, 'logged once, nothing owed');
    const before = lines.length;
    repeated.close();
    repeated.close();
    expect(lines.slice(before)).toEqual([expect.objectContaining({
      level: 40,
      msg: 'repeated log lines left out by the rate limit',
      suppressed: 58,
      lines: [
        { level: 'warn', msg: 'leader: reconcile failed; will retry', suppressed: 29 },
        { level: 'error', msg: 'supervisor: unreadable assignment skipped', key: '/gale/assignments/a', suppressed: 29 },
      ],
    })]);
  });

  it('at close, lines counted under the overflow key (more distinct lines than tracked) are named as such, not garbled', () => {
    const clock = new ManualClock();
    const { log, lines } = capture();
    const limited = new LimitedLog(log, clock, { limit: 1, windowMs: REPEATED_WARNING_WINDOW_MS, maxKeys: 2 });
    limited.warn({}, 'a');
    limited.warn({}, 'b');
    for (let i = 0; i < 5; i++) limited.warn({}, `more ${i}`); // the first shares the overflow key's one line; 4 left out
    limited.warn({}, 'a'); // 1 left out under 'a'
    const before = lines.length;
    limited.close();
    expect(lines.slice(before)).toEqual([expect.objectContaining({
      msg: 'repeated log lines left out by the rate limit',
      suppressed: 5,
      lines: [{ level: 'warn', msg: 'a', suppressed: 1 }, { overflow: true, suppressed: 4 }],
    })]);
  });

  it('closing with nothing owed logs nothing', () => {
    const { log, lines } = capture();
    const limited = new LimitedLog(log, new ManualClock(), { limit: 1 });
    limited.warn({}, 'x');
    limited.close();
    expect(lines.map((l) => l.msg)).toEqual(['x']);
  });

  it('levels are limited apart, so an error is never silenced by a warning with the same text', () => {
    const clock = new ManualClock();
    const { log, lines } = capture();
    const limited = new LimitedLog(log, clock, { limit: 1 });
    limited.warn({}, 'x');
    limited.warn({}, 'x');
    limited.error({}, 'x');
    limited.info({}, 'x');
    expect(lines.map((l) => l.level)).toEqual([40, 50, 30]);
  });
});
