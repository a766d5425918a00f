import { DEAD_LETTER_STREAM, TopologyBuilder, type Topology } from '@gale/runtime';
import { ManualClock } from '../testing/manual-time.js';
import { ManualEngine } from './manual-engine.js';
import { BoltProbe, HoldingBolt, ProbeSpout, RecordingBolt, SpoutProbe } from './timing-fixtures.js';

/*
 * Tree timeouts on manual time. With messageTimeoutMs T the engine rotates epochs every T/2 and
 * a tree expires on the third rotation after it was emitted (or last touched): between T and
 * 1.5 T later, exactly at a rotation (t = k * T/2).
 */

const T = 1000;

/** spout `s` -> bolt `hold` (keeps every tuple unacked). */
function holdTopology(clock: ManualClock, config: object = {}): { topology: Topology; spout: SpoutProbe; bolt: BoltProbe } {
  const spout = new SpoutProbe(clock);
  const bolt = new BoltProbe(clock);
  const b = new TopologyBuilder();
  b.setSpout('s', () => new ProbeSpout(spout));
  b.setBolt('hold', () => new HoldingBolt(bolt)).shuffleGrouping('s');
  return { topology: b.build({ name: 'timeouts', config: { messageTimeoutMs: T, ackers: 1, ...config } }), spout, bolt };
}

describe('tuple tree timeouts (manual clock)', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('an unacked tree times out between 1x and 1.5x messageTimeoutMs, at an epoch rotation, and fail() gets its message id', async () => {
    const clock = new ManualClock();
    const { topology, spout, bolt } = holdTopology(clock);
    // Emitted right after a rotation (t=0: 1.5 T to live), just before one (t=499: just over T),
    // and on one (t=500: the rotation fires first, so the tree belongs to the new epoch).
    spout.plan.push({ id: 'a', at: 0 }, { id: 'b', at: 499 }, { id: 'c', at: 500 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.advanceTo(500);
    expect(spout.emits.map((e) => [e.id, e.at])).toEqual([['a', 0], ['b', 499], ['c', 500]]);
    expect(bolt.held.map((x) => x.at)).toEqual([0, 499, 500]);
    expect(h.stats('s').pending).toBe(3);
    expect(h.stats('__acker').pending).toBe(3);

    h.advanceTo(1499);
    expect(spout.fails).toEqual([]);
    h.advanceTo(1500);
    expect(spout.fails.map((f) => [f.id, f.at])).toEqual([['a', 1500], ['b', 1500]]);
    h.advanceTo(1999);
    expect(spout.failedIds()).toEqual(['a', 'b']);
    h.advanceTo(2000);
    expect(spout.fails.map((f) => [f.id, f.at])).toEqual([['a', 1500], ['b', 1500], ['c', 2000]]);

    for (const e of spout.emits) {
      const lived = spout.fails.find((f) => f.id === e.id)!.at - e.at;
      expect(lived).toBeGreaterThan(T);
      expect(lived).toBeLessThanOrEqual(1.5 * T);
    }
    const s = h.stats('s');
    expect(s).toMatchObject({ emitted: 3, acked: 0, failed: 3, timedOut: 3, pending: 0 });
    // The acker forgot the expired trees too.
    expect(h.stats('__acker').pending).toBe(0);
    expect(spout.acks).toEqual([]);
    expect(h.engine.isQuiescent()).toBe(true);
  });

  it('an acked tree never times out, also when acked just before its timeout', async () => {
    const clock = new ManualClock();
    const { topology, spout, bolt } = holdTopology(clock);
    spout.plan.push({ id: 'early', at: 0 }, { id: 'late', at: 0 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.advanceTo(10);
    bolt.ack('early');
    await h.settle();
    expect(spout.acks.map((a) => [a.id, a.at])).toEqual([['early', 10]]);

    h.advanceTo(1499); // 'late' expires at the rotation at 1500
    bolt.ack('late');
    await h.settle();
    expect(spout.acks.map((a) => [a.id, a.at])).toEqual([['early', 10], ['late', 1499]]);

    h.advance(20 * T);
    expect(spout.fails).toEqual([]);
    expect(h.stats('s')).toMatchObject({ acked: 2, failed: 0, timedOut: 0, pending: 0 });
    expect(h.stats('__acker').pending).toBe(0);
  });

  it('a tree acked at once by a basic bolt completes at its emit time and never times out', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    const seen: { values: unknown[]; at: number }[] = [];
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(spout));
    b.setBolt('sink', () => new RecordingBolt(seen, clock)).shuffleGrouping('s');
    spout.plan.push({ id: 1, at: 0 }, { id: 2, at: 700 }, { id: 3, at: 1400 });
    h = new ManualEngine(b.build({ name: 'acked', config: { messageTimeoutMs: T } }), {}, clock);
    await h.start();
    h.advanceTo(10 * T);
    expect(seen).toEqual([{ values: [1], at: 0 }, { values: [2], at: 700 }, { values: [3], at: 1400 }]);
    expect(spout.acks.map((a) => [a.id, a.at])).toEqual([[1, 0], [2, 700], [3, 1400]]);
    expect(spout.fails).toEqual([]);
    expect(h.stats('s')).toMatchObject({ acked: 3, timedOut: 0, completeLatencyMs: { p50: 0, p99: 0, mean: 0 } });
  });

  it('resetTimeout on an input keeps its tree alive past the timeout; the tree still acks, or expires 1x-1.5x after the last reset', async () => {
    const clock = new ManualClock();
    const { topology, spout, bolt } = holdTopology(clock);
    spout.plan.push({ id: 'kept', at: 0 }, { id: 'once', at: 0 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();

    // 'kept' is touched every T for 4 T, then acked; 'once' is touched once, at T.
    for (let t = T; t <= 4 * T; t += T) {
      h.advanceTo(t);
      bolt.resetTimeout('kept');
      if (t === T) bolt.resetTimeout('once');
      await h.settle();
    }
    // Touched at T (after the rotation at T, epoch 2): expires at the third rotation after, 2.5 T.
    expect(spout.fails.map((f) => [f.id, f.at])).toEqual([['once', 2500]]);
    h.advanceTo(4 * T + 400);
    expect(spout.failedIds()).toEqual(['once']);
    bolt.ack('kept');
    await h.settle();
    expect(spout.acks.map((a) => [a.id, a.at])).toEqual([['kept', 4400]]);
    h.advance(10 * T);
    expect(spout.failedIds()).toEqual(['once']);
    expect(h.stats('s')).toMatchObject({ acked: 1, failed: 1, timedOut: 1, pending: 0 });
    expect(h.stats('__acker').pending).toBe(0);
  });

  it('without resetTimeout the same tree would have expired: the reset is what kept it', async () => {
    const clock = new ManualClock();
    const { topology, spout, bolt } = holdTopology(clock);
    spout.plan.push({ id: 'kept', at: 0 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.advanceTo(1500);
    expect(spout.fails.map((f) => [f.id, f.at])).toEqual([['kept', 1500]]);
    // A late ack of an expired tree is ignored.
    bolt.ack('kept');
    await h.settle();
    expect(spout.acks).toEqual([]);
    expect(h.stats('s')).toMatchObject({ acked: 0, timedOut: 1, pending: 0 });
  });

  it('maxRetries: a tree that keeps timing out is replayed, then dead-lettered with reason "timed-out" and acked', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.replay = true;
    const bolt = new BoltProbe(clock);
    const dead: { values: unknown[]; at: number }[] = [];
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(spout));
    b.setBolt('hold', () => new HoldingBolt(bolt)).shuffleGrouping('s');
    b.setBolt('dlq', () => new RecordingBolt(dead, clock)).shuffleGrouping('s', DEAD_LETTER_STREAM);
    spout.plan.push({ id: 5, at: 0 });
    h = new ManualEngine(b.build({ name: 'dlq', config: { messageTimeoutMs: T, maxRetries: 1 } }), {}, clock);
    await h.start();

    h.advanceTo(1500);
    // First timeout: a retry. The spout replays at once (same turn), in the new epoch (3).
    expect(spout.fails.map((f) => [f.id, f.at])).toEqual([[5, 1500]]);
    expect(spout.emits.map((e) => [e.id, e.at])).toEqual([[5, 0], [5, 1500]]);
    h.advanceTo(2999);
    expect(dead).toEqual([]);
    h.advanceTo(3000);
    // Second timeout: out of retries. Dead-lettered, then acked to the spout (not failed).
    expect(dead).toEqual([{ values: [5, 'default', [5], 'timed-out', 2], at: 3000 }]);
    expect(spout.acks.map((a) => [a.id, a.at])).toEqual([[5, 3000]]);
    expect(spout.failedIds()).toEqual([5]);
    h.advance(10 * T);
    expect(spout.emits).toHaveLength(2);
    // emitted counts the dead-letter emit too (two attempts + one dead letter).
    expect(h.stats('s')).toMatchObject({ emitted: 3, acked: 0, failed: 2, timedOut: 2, deadLettered: 1, pending: 0 });
    expect(h.stats('dlq').executed).toBe(1);
  });

  it('with several acker tasks every tree expires on the same schedule, and resetTimeout reaches its acker', async () => {
    const clock = new ManualClock();
    const { topology, spout, bolt } = holdTopology(clock, { ackers: 3 });
    const ids = Array.from({ length: 12 }, (_, i) => i + 1);
    for (const id of ids) spout.plan.push({ id, at: 0 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    expect(h.stats('__acker')).toMatchObject({ tasks: 3, pending: 12 });
    h.advanceTo(T);
    for (const id of ids) if (id % 2 === 0) bolt.resetTimeout(id); // epoch 2: expire at 2.5 T
    await h.settle();
    h.advanceTo(1.5 * T);
    expect(spout.fails.filter((f) => f.at === 1.5 * T).map((f) => f.id)).toEqual(ids.filter((id) => id % 2 === 1));
    // The touched trees are still tracked at their ackers: acking completes them.
    bolt.ack(2);
    bolt.ack(4);
    await h.settle();
    expect(spout.acks.map((a) => [a.id, a.at])).toEqual([[2, 1500], [4, 1500]]);
    h.advanceTo(2.5 * T);
    expect(spout.fails.filter((f) => f.at === 2.5 * T).map((f) => f.id)).toEqual([6, 8, 10, 12]);
    expect(h.stats('s')).toMatchObject({ acked: 2, timedOut: 10, pending: 0 });
    expect(h.stats('__acker').pending).toBe(0);
  });

  it('complete latency in stats() is measured on the engine clock', async () => {
    const clock = new ManualClock();
    const { topology, spout, bolt } = holdTopology(clock);
    spout.plan.push({ id: 'x', at: 0 }, { id: 'y', at: 100 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.advanceTo(250);
    bolt.ack('x'); // 250 ms
    await h.settle();
    h.advanceTo(850);
    bolt.ack('y'); // 750 ms
    await h.settle();
    const s = h.stats('s');
    expect(s.acked).toBe(2);
    // mean is exact; p99 is capped at the largest sample; p50 is the upper bound of the
    // log-linear bucket holding 250 ms (2^17 us * 2 = 262.144 ms).
    expect(s.completeLatencyMs).toEqual({ p50: 262.144, p99: 750, p999: 750, mean: 500 });
  });

  it('with ackers 0 a tracked emit completes at once and nothing ever times out', async () => {
    const clock = new ManualClock();
    const { topology, spout } = holdTopology(clock, { ackers: 0 });
    spout.plan.push({ id: 'a', at: 0 }, { id: 'b', at: 300 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.advanceTo(10 * T);
    expect(spout.acks.map((a) => [a.id, a.at])).toEqual([['a', 0], ['b', 300]]);
    expect(spout.fails).toEqual([]);
    expect(h.stats('s')).toMatchObject({ acked: 2, timedOut: 0, pending: 0 });
    expect(h.engine.stats().some((c) => c.component === '__acker')).toBe(false);
  });
});
