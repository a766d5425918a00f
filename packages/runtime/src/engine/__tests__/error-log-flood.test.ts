import { BaseBasicBolt, TopologyBuilder, type OutputFieldsDeclarer } from '@gale/runtime';
import { LOG_RATE_LIMIT, LOG_RATE_WINDOW_MS } from '../log-rate-limit.js';
import { ManualEngine } from './manual-engine.js';
import { ProbeSpout, SpoutProbe } from './timing-fixtures.js';
import { ManualClock } from '../testing/manual-time.js';

class AlwaysThrows extends BaseBasicBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(): void {
    throw new Error('EMFILE: too many open files');
  }
}

describe('a bolt failing every tuple', () => {
  it('is logged at most LOG_RATE_LIMIT times per second with the count left out, while stats and errors() count every error', async () => {
    const clock = new ManualClock();
    const probe = new SpoutProbe(clock);
    const seconds = 5;
    // 2000 tuples a second (20 every 10 ms), each failing in the bolt.
    for (let at = 0; at < seconds * LOG_RATE_WINDOW_MS; at += 10) for (let i = 0; i < 20; i++) probe.plan.push({ id: `${at}:${i}`, at });
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(probe));
    b.setBolt('sink', () => new AlwaysThrows(), 2).shuffleGrouping('s');
    const m = new ManualEngine(b.build({ name: 'flood' }), { ackers: 1 }, clock);
    await m.start();
    await m.runUntil(() => false, seconds * LOG_RATE_WINDOW_MS, 5);

    const errors = m.stats('sink').errors;
    expect(errors).toBeGreaterThan(50 * LOG_RATE_LIMIT); // a real flood
    expect(errors).toBe(probe.emits.length); // every tuple's error counted
    expect(m.stats('sink').failed).toBe(errors);
    // One error repeated: one entry with its count (it once filled the ten slots, hiding any other error).
    expect(m.engine.errors('sink')).toEqual([expect.objectContaining({ message: 'EMFILE: too many open files', count: errors })]);

    const lines = m.logs.filter((l) => l.msg === 'component error');
    expect(lines.length).toBeGreaterThanOrEqual(LOG_RATE_LIMIT);
    expect(lines.length).toBeLessThanOrEqual(LOG_RATE_LIMIT * (seconds + 1));
    const reported = lines.map((l) => (l.obj as { suppressed?: number }).suppressed ?? 0);
    // Each later window's first line says how many the previous windows left out.
    expect(reported.filter((n) => n > 0).length).toBeGreaterThanOrEqual(seconds - 1);
    const accounted = lines.length + reported.reduce((a, n) => a + n, 0);
    expect(accounted).toBeLessThanOrEqual(errors);
    // What is not accounted for yet is at most the current window's suppressed run.
    const lastWindow = errors - accounted;
    expect(lastWindow).toBeLessThan(errors / 2);
    expect(lines[0]!.obj).toEqual({ component: 'sink', task: expect.any(Number) as number, err: 'EMFILE: too many open files' });
    await m.close();
    // The last window's suppressed run is not lost at close: one line says how many were left out.
    const atClose = m.logs.filter((l) => l.msg === 'component errors left out of the log by its rate limit');
    expect(atClose).toEqual([{ level: 'warn', msg: expect.any(String) as string, obj: {
      suppressed: lastWindow, errors: [{ component: 'sink', err: 'EMFILE: too many open files', suppressed: lastWindow }],
    } }]);
    expect(lastWindow).toBeGreaterThan(0);
  });
});
