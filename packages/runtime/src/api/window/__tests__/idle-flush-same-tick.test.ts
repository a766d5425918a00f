import { Duration, TopologyBuilder, type WindowSpec } from '@gale/runtime';
import { ManualClock } from '../../../engine/testing/manual-time.js';
import { ManualEngine } from '../../../engine/__tests__/manual-engine.js';
import { IdBolt, PlanSpout } from './window-id-fixtures.js';

/*
 * rolling-top-users with the README's settings wrote 1 of 46 windows and acked the rest: an
 * upstream task that never sent turned idle (the watermark jumped from -Infinity to the newest
 * timestamp) on the very tick the idle flush fired, and the windows between were skipped. Here on
 * the engine, for the tuple window and the event-time panes: every window fires, in order, and
 * every input is acked only after its window fired.
 */

const T = 1_000_000;

class Probe {
  readonly seen: { at: number; end: number; ids: string[] }[] = [];
  readonly acks: string[] = [];
  readonly fails: string[] = [];
  constructor(readonly clock: ManualClock) {}
  readonly outcome = (kind: 'ack' | 'fail', id: string): void => {
    (kind === 'ack' ? this.acks : this.fails).push(id);
  };
}

describe.each([['tuple window', false], ['event-time panes', true]])('%s: a channel turning idle on the idle flush tick', (_name, usePanes) => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('fires every window between the old watermark and the flush target, in order, before acking their inputs', async () => {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    // Two inputs per 1 s window over 5 windows, all sent by "busy" before the first tick; "silent" sends nothing.
    const plan = Array.from({ length: 10 }, (_, i) => ({ id: `v${i}`, at: i < 9 ? 10 : 150, ts: T + i * 500 }));
    // Ticks every 100 ms. "silent" is behind (it never sent) from the tick at 100 and turns idle at
    // 1100; the last input came at 150, so the ticks 200 ... 1100 make idleFlushMs (1000) at 1100 too.
    const spec: WindowSpec = { length: Duration.ofSeconds(1), timestamp: 'ts', watermarkIntervalMs: 100, idleInputMs: 1000, idleFlushMs: 1000 };
    const b = new TopologyBuilder();
    b.setSpout('busy', () => new PlanSpout(plan, clock, probe.outcome));
    b.setSpout('silent', () => new PlanSpout([], clock, probe.outcome));
    b.setBolt('w', () => new IdBolt(spec, (end, ids) => probe.seen.push({ at: clock.now(), end, ids }), usePanes)).globalGrouping('busy').globalGrouping('silent');
    h = new ManualEngine(b.build({ name: 'same-tick', config: { maxSpoutPending: 1000, messageTimeoutMs: 60_000 } }), {}, clock);
    await h.start();
    expect(await h.runUntil(() => probe.acks.length === 10, 3000)).toBe(true);
    expect(probe.seen).toEqual([0, 1, 2, 3, 4].map((k) => ({ at: 1100, end: T + (k + 1) * 1000, ids: [`v${2 * k}`, `v${2 * k + 1}`] })));
    expect(probe.fails).toEqual([]);
  });
});
