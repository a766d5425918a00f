import { TopologyBuilder, type SpoutOptions, type Topology } from '@gale/runtime';
import { ManualClock } from '../testing/manual-time.js';
import { ManualEngine } from './manual-engine.js';
import { BoltProbe, HoldingBolt, ProbeSpout, SpoutProbe } from './timing-fixtures.js';

const T = 10_000;

/** An endless spout `s` -> bolt `hold` that keeps every tuple unacked. */
function capped(clock: ManualClock, config: object, spoutOptions: SpoutOptions = {}): { topology: Topology; spout: SpoutProbe; bolt: BoltProbe } {
  const spout = new SpoutProbe(clock);
  spout.unlimited = true;
  const bolt = new BoltProbe(clock);
  const b = new TopologyBuilder();
  b.setSpout('s', () => new ProbeSpout(spout), spoutOptions);
  b.setBolt('hold', () => new HoldingBolt(bolt)).shuffleGrouping('s');
  return { topology: b.build({ name: 'capped', config: { messageTimeoutMs: T, ...config } }), spout, bolt };
}

function perTask(spout: SpoutProbe): Record<number, number> {
  const out: Record<number, number> = {};
  for (const e of spout.emits) out[e.task] = (out[e.task] ?? 0) + 1;
  return out;
}

describe('maxSpoutPending (manual clock)', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('caps the trees in flight exactly; the spout is not polled while capped and is asked again after each ack', async () => {
    const clock = new ManualClock();
    const { topology, spout, bolt } = capped(clock, { maxSpoutPending: 3 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    expect(spout.emits.map((e) => e.id)).toEqual(['0:1', '0:2', '0:3']);
    expect(spout.nextTupleCalls).toBe(3);
    expect(h.stats('s').pending).toBe(3);

    // Capped: no spout-wait polling either, however long nothing completes.
    h.advance(T / 2);
    expect(spout.nextTupleCalls).toBe(3);
    expect(spout.emits).toHaveLength(3);

    bolt.ack('0:2');
    await h.settle();
    expect(spout.acks.map((a) => [a.id, a.at])).toEqual([['0:2', T / 2]]);
    expect(spout.emits.map((e) => [e.id, e.at])).toEqual([['0:1', 0], ['0:2', 0], ['0:3', 0], ['0:4', T / 2]]);
    expect(spout.nextTupleCalls).toBe(4);
    expect(h.stats('s').pending).toBe(3);

    bolt.ack('0:1');
    bolt.ack('0:3');
    await h.settle();
    expect(spout.emits.map((e) => e.id)).toEqual(['0:1', '0:2', '0:3', '0:4', '0:5', '0:6']);
    expect(spout.nextTupleCalls).toBe(6);
    expect(h.stats('s')).toMatchObject({ emitted: 6, acked: 3, pending: 3 });
    expect(bolt.held).toHaveLength(6);
  });

  it('a timed-out tree frees its slot like an ack', async () => {
    const clock = new ManualClock();
    const { topology, spout } = capped(clock, { maxSpoutPending: 2 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    expect(spout.emits).toHaveLength(2);
    h.advanceTo(1.5 * T - 1);
    expect(spout.emits).toHaveLength(2);
    h.advanceTo(1.5 * T);
    expect(spout.fails.map((f) => [f.id, f.at])).toEqual([['0:1', 1.5 * T], ['0:2', 1.5 * T]]);
    expect(spout.emits.slice(2).map((e) => [e.id, e.at])).toEqual([['0:3', 1.5 * T], ['0:4', 1.5 * T]]);
    expect(h.stats('s')).toMatchObject({ emitted: 4, timedOut: 2, pending: 2 });
  });

  it('the cap is per spout task', async () => {
    const clock = new ManualClock();
    const { topology, spout, bolt } = capped(clock, { maxSpoutPending: 2 }, { parallelism: 1, numTasks: 3 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    // Tasks 3, 4, 5 (ids are Storm-numbered over components sorted by id: __acker 1, hold 2).
    expect(spout.emits.map((e) => e.id)).toEqual(['0:1', '1:1', '2:1', '0:2', '1:2', '2:2']);
    expect(perTask(spout)).toEqual({ 3: 2, 4: 2, 5: 2 });
    expect(spout.nextTupleCalls).toBe(6);
    expect(h.stats('s').pending).toBe(6);

    // An ack frees a slot of its own task only.
    bolt.ack('1:1');
    await h.settle();
    expect(perTask(spout)).toEqual({ 3: 2, 4: 3, 5: 2 });
    expect(spout.emits.at(-1)!.id).toBe('1:3');
    expect(spout.nextTupleCalls).toBe(7);
    expect(h.stats('s').pending).toBe(6);
  });

  it("a spout's own maxSpoutPending overrides the topology's", async () => {
    const clock = new ManualClock();
    const { topology, spout } = capped(clock, { maxSpoutPending: 5 }, { maxSpoutPending: 2 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.advance(100);
    expect(spout.emits).toHaveLength(2);
    expect(h.stats('s').pending).toBe(2);
  });

  it('deactivate stops asking for tuples even when slots free up; activate resumes', async () => {
    const clock = new ManualClock();
    const { topology, spout, bolt } = capped(clock, { maxSpoutPending: 2 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.engine.deactivate();
    bolt.ack('0:1');
    bolt.ack('0:2');
    await h.settle();
    h.advance(100);
    expect(spout.acks).toHaveLength(2);
    expect(spout.emits).toHaveLength(2);
    expect(h.engine.isQuiescent()).toBe(true);
    h.engine.activate();
    await h.settle();
    expect(spout.emits.map((e) => e.id)).toEqual(['0:1', '0:2', '0:3', '0:4']);
    expect(h.engine.isQuiescent()).toBe(false);
  });
});
