// `gale local --until-idle` with an event-time window without idleFlushMs behind a parse bolt that
// throws on 2 malformed lines (replayed once, then dead-lettered): the window holds the good
// lines' trees forever, and the note naming the window shows once nothing has moved for 3 s.
import { GaleProcess, fixture } from './gale-process.js';

describe('gale local --until-idle: the idle-window note after dead-lettered bad lines', () => {
  it('shows the note while the window holds inputs, after the replays and dead letters ended', async () => {
    const p = new GaleProcess(['local', fixture('idle-bad-lines.ts'), '--until-idle', '--stats-interval', '0']);
    try {
      await p.waitFor('stderr', /gale: note: nothing has moved for 3s but 3 tuple trees are still pending: windowed bolt "count" uses event time without idleFlushMs/, 15_000);
    } finally {
      p.signal('SIGTERM');
    }
    const r = await p.exit();
    expect(r.stderr).toMatch(/dead-lettered 2/);
    expect(r.stderr.match(/gale: note: nothing has moved/g)).toHaveLength(1);
  }, 30_000);
});
