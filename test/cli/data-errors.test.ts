// What `gale local` shows for bad data that gale itself finds (an event-time timestamp that is not a
// number): one clear error line at the default log level, no stack trace (that is for errors in user
// code), and the run ends: the tuple is acked and emitted on the window's "invalid" stream, not
// failed into a replay loop.
import type { ComponentStats } from '@gale/runtime';
import { fixture, gale, lines } from './gale-process.js';

interface Report {
  stoppedBy: string;
  components: ComponentStats[];
  errors: { component: string; message: string }[];
}

describe('gale local: bad data found by gale', () => {
  it('a non-numeric event-time timestamp: one error line without a stack, counted, emitted on "invalid"; --until-idle ends', async () => {
    const started = Date.now();
    const r = await gale(['local', fixture('bad-timestamp.ts'), '--until-idle', '--json', '--stats-interval', '0'], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.stoppedBy).toBe('idle');
    const stats = (id: string): ComponentStats | undefined => report.components.find((c) => c.component === id);
    expect(stats('gen')).toMatchObject({ emitted: 10, acked: 10, failed: 0, replayed: 0, pending: 0 });
    expect(stats('count')).toMatchObject({ failed: 0, errors: 1 });
    expect(stats('invalid')).toMatchObject({ executed: 1, acked: 1 });
    const message = 'windowed bolt "count": field "ts" gave "noon", not a finite number of epoch ms; the tuple is emitted on stream "invalid" and acked';
    expect(report.errors).toEqual([expect.objectContaining({ component: 'count', message })]);
    // While running: one log line for the error, and no stack anywhere.
    const logged = lines(r.stderr).filter((l) => l.includes(JSON.stringify(message).slice(1, -1)));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/"msg":"component error"/);
    expect(r.stderr).not.toContain('component error stack');
    expect(r.stderr).not.toMatch(/^\s+at |\\n\s+at /m);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 40_000);

  it('a CountBolt amount that is not a number (bolt-kit): a line per bad tuple without a stack, emitted on "invalid"; nothing replayed, --until-idle ends', async () => {
    const r = await gale(['local', fixture('bad-amount.ts'), '--until-idle', '--json', '--stats-interval', '0'], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.stoppedBy).toBe('idle');
    const stats = (id: string): ComponentStats | undefined => report.components.find((c) => c.component === id);
    expect(stats('gen')).toMatchObject({ emitted: 10, acked: 10, failed: 0, replayed: 0, pending: 0 });
    expect(stats('count')).toMatchObject({ failed: 0, errors: 3 });
    expect(stats('invalid')).toMatchObject({ executed: 3, acked: 3 });
    // The three reports fold into one entry (the newest value's message) with their count.
    const message = 'CountBolt "count": field "n" of the input for "w1" is "n/a-7", not a finite number; nothing added, the tuple is emitted on stream "invalid" and acked';
    expect(report.errors).toEqual([expect.objectContaining({ component: 'count', message, code: 'GALE_ERR_BAD_AMOUNT', data: true, count: 3 })]);
    // The three logged lines name each value (the log line is per report, the list entry per code).
    expect(r.stderr).toContain('is \\"n/a-1\\", not a finite number');
    // One log line each (three are under the rate limit), no stack line after any.
    const logged = lines(r.stderr).filter((l) => l.includes('"msg":"component error"'));
    expect(logged).toHaveLength(3);
    expect(logged.every((l) => l.includes('not a finite number'))).toBe(true);
    expect(r.stderr).not.toContain('component error stack');
    expect(r.stderr).not.toMatch(/^\s+at |\\n\s+at /m);
  }, 40_000);
});
