import { TopologyBuilder, type Topology } from '@gale/runtime';
import { ManualClock } from '../testing/manual-time.js';
import { ManualEngine } from './manual-engine.js';
import { BoltProbe, HoldingBolt, ProbeSpout, SpoutProbe } from './timing-fixtures.js';

/** spout `s` -> bolt `hold` (keeps every tuple unacked), long tree timeout. */
function holdTopology(clock: ManualClock, config: object = {}): { topology: Topology; spout: SpoutProbe; bolt: BoltProbe } {
  const spout = new SpoutProbe(clock);
  const bolt = new BoltProbe(clock);
  const b = new TopologyBuilder();
  b.setSpout('s', () => new ProbeSpout(spout));
  b.setBolt('hold', () => new HoldingBolt(bolt)).shuffleGrouping('s');
  return { topology: b.build({ name: 'drain', config: { messageTimeoutMs: 60_000, ...config } }), spout, bolt };
}

/** Calls engine.close(drainMs) and records the manual time at which it resolved. */
function closeAt(h: ManualEngine, drainMs: number): { closedAt: () => number | undefined; done: Promise<void> } {
  let at: number | undefined;
  const done = h.engine.close(drainMs).then(() => {
    at = h.clock.now();
  });
  return { closedAt: () => at, done };
}

describe('close() drain timing (manual clock)', () => {
  it('waits for an in-flight tree and closes as soon as it completes', async () => {
    const clock = new ManualClock();
    const { topology, spout, bolt } = holdTopology(clock);
    spout.plan.push({ id: 'a', at: 0 });
    const h = new ManualEngine(topology, {}, clock);
    await h.start();
    const c = closeAt(h, 1000);
    await h.settle();
    h.advanceTo(300);
    await h.settle();
    expect(c.closedAt()).toBeUndefined();
    bolt.ack('a');
    await h.settle();
    await c.done;
    expect(c.closedAt()).toBe(300);
    expect(spout.acks.map((a) => [a.id, a.at])).toEqual([['a', 300]]);
    expect(h.logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('gives up after drainTimeoutMs with a warning', async () => {
    const clock = new ManualClock();
    const { topology, spout } = holdTopology(clock);
    spout.plan.push({ id: 'a', at: 0 });
    const h = new ManualEngine(topology, {}, clock);
    await h.start();
    const c = closeAt(h, 1000);
    h.advanceTo(999);
    await h.settle();
    expect(c.closedAt()).toBeUndefined();
    h.advanceTo(1000);
    await h.settle();
    await c.done;
    expect(c.closedAt()).toBe(1000);
    const warnings = h.logs.filter((l) => l.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.obj).toMatchObject({ drainTimeoutMs: 1000 });
    expect(spout.acks).toEqual([]);
  });

  it('a closed engine leaves no timer armed and runs nothing more', async () => {
    const clock = new ManualClock();
    const { topology, spout } = holdTopology(clock, { spoutWaitMs: 50, tickFrequencySecs: 1 });
    const h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.advanceTo(120);
    const calls = spout.nextTupleCalls;
    await h.close();
    // Lifecycle: whatever the engine armed (rotation, ticks, waiters, spout back-off) is cancelled.
    expect(h.scheduler.timerCount).toBe(0);
    h.advance(10_000);
    await h.settle();
    expect(spout.nextTupleCalls).toBe(calls);
  });
});
