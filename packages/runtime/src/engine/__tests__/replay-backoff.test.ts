import { BaseRichBolt, DEAD_LETTER_STREAM, TopologyBuilder, type Topology, type Tuple } from '@gale/runtime';
import { parseTopologyConfig, TOPOLOGY_CONFIG_DEFAULTS } from '../../config/topology-config.js';
import { REPLAY_JITTER, replayDelayMs } from '../replay-backoff.js';
import { seededRandom } from '../testing/counter-ids.js';
import { ManualClock } from '../testing/manual-time.js';
import { ManualEngine } from './manual-engine.js';
import { BoltProbe, HoldingBolt, ProbeSpout, RecordingBolt, SpoutProbe } from './timing-fixtures.js';

/*
 * Replay backoff on manual time. A message id's first failure is replayed at once; its n-th
 * consecutive failure (n >= 2) is handed back to the spout (`fail`) after
 * replayBackoffInitialMs * 2^(n-2) ±20%, capped at replayBackoffMaxMs. The jitter comes from
 * the engine's injected random (ManualEngine: seededRandom(1)); with one bolt task and no
 * shuffle among several tasks, nothing else draws from it, so the times below are exact.
 */

/** Fails every input whose id is in `poison`, and the first input of each id in `once`; acks the rest. */
class FailingBolt extends BaseRichBolt {
  constructor(private readonly poison: ReadonlySet<unknown>, private readonly once: Set<unknown>) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    const id = t.getValue(0);
    if (this.poison.has(id) || this.once.delete(id)) this.collector.fail(t);
    else this.collector.ack(t);
  }
}

function poisonTopology(clock: ManualClock, config: object, poison: unknown[] = ['p'], once: unknown[] = []): { topology: Topology; spout: SpoutProbe } {
  const spout = new SpoutProbe(clock);
  spout.replay = true;
  const b = new TopologyBuilder();
  b.setSpout('s', () => new ProbeSpout(spout));
  const onceSet = new Set(once);
  b.setBolt('b', () => new FailingBolt(new Set(poison), onceSet)).shuffleGrouping('s');
  return { topology: b.build({ name: 'replay-backoff', config: { ackers: 1, messageTimeoutMs: 30_000, ...config } }), spout };
}

/** spout `s` -> bolt `hold` (never acks): every tree times out; messageTimeoutMs 1000 (rotations every 500 ms). */
function holdTopology(clock: ManualClock): { topology: Topology; spout: SpoutProbe } {
  const spout = new SpoutProbe(clock);
  spout.replay = true;
  const b = new TopologyBuilder();
  b.setSpout('s', () => new ProbeSpout(spout));
  b.setBolt('hold', () => new HoldingBolt(new BoltProbe(clock))).shuffleGrouping('s');
  return { topology: b.build({ name: 'timeouts', config: { ackers: 1, messageTimeoutMs: 1000, replayBackoffInitialMs: 100, replayBackoffMaxMs: 1000 } }), spout };
}

/** The delays the seeded jitter gives for failures 2, 3, ... of one id (first failure: 0). */
function expectedDelays(n: number, initialMs: number, maxMs: number): number[] {
  const random = seededRandom(1);
  return Array.from({ length: n }, (_, i) => replayDelayMs(i + 2, { initialMs, maxMs }, random));
}

function timesOf(spout: SpoutProbe, id: unknown): number[] {
  return spout.fails.filter((f) => f.id === id).map((f) => f.at);
}

describe('replay backoff (manual clock)', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('the delay rule: first failure at once, then initial * 2^(n-2) ±20%, capped; 0 is off', () => {
    const mid = (): number => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 30, 2000].map((n) => replayDelayMs(n, { initialMs: 100, maxMs: 1000 }, mid))).toEqual([0, 100, 200, 400, 800, 1000, 1000, 1000, 1000]);
    expect(replayDelayMs(2, { initialMs: 100, maxMs: 1000 }, () => 0)).toBe(80);
    expect(replayDelayMs(2, { initialMs: 100, maxMs: 1000 }, () => 0.999999)).toBe(120);
    // Capped after jitter: never above maxMs.
    expect(replayDelayMs(9, { initialMs: 100, maxMs: 1000 }, () => 0.999999)).toBe(1000);
    expect(replayDelayMs(5, { initialMs: 0, maxMs: 0 }, mid)).toBe(0);
    expect(REPLAY_JITTER).toBe(0.2);
  });

  it('a poison id is replayed on the backoff schedule, a few times per second; other ids are not delayed', async () => {
    const clock = new ManualClock();
    const { topology, spout } = poisonTopology(clock, { replayBackoffInitialMs: 100, replayBackoffMaxMs: 1000 }, ['p'], ['once']);
    spout.plan.push({ id: 'p', at: 0 }, { id: 'once', at: 0 }, { id: 'a', at: 250 }, { id: 'b', at: 1200 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.advanceTo(10_000);

    // The seeded schedule: each delay within ±20% of 100, 200, 400, 800, then capped at 1000.
    expect(expectedDelays(6, 100, 1000)).toEqual([105, 160, 404, 954, 1000, 912]);
    // First failure at 0, handed back at once; the spout was in its 1 ms spout-wait, so p goes out
    // again at 1 and fails at 1: from there the held replays run at 1 + the sum of the delays.
    const want = [0, 106, 266, 670, 1624, 2624, 3536, 4536, 5536, 6506, 7506, 8488, 9484];
    expect(timesOf(spout, 'p')).toEqual(want);
    // Bounded: past the ramp-up at most ~1 replay per second (maxMs 1000 -20%), not a hot loop.
    for (let s = 2; s < 10; s++) expect(want.filter((x) => x >= s * 1000 && x < (s + 1) * 1000).length).toBeLessThanOrEqual(2);
    // A held replay coming due cuts the spout's wait short: it goes out at the ms of its fail.
    const pEmits = spout.emits.filter((e) => e.id === 'p').map((e) => e.at);
    expect(pEmits).toEqual([0, 1, ...want.slice(1)]);

    // Not delayed: a first failure replays at once, and other ids flow at their own times.
    expect(timesOf(spout, 'once')).toEqual([0]);
    expect(spout.acks.map((a) => [a.id, a.at])).toEqual([['once', 1], ['a', 250], ['b', 1200]]); // once: replayed after the 1 ms spout-wait, as before

    const s = h.stats('s');
    // 13 fails of p + 1 of once, each handed back; p's 14th failure (at 9484) waits until 10340.
    expect(s).toMatchObject({ failed: 15, replayed: 14, timedOut: 0, deadLettered: 0, pending: 0 });
    expect(h.engine.isQuiescent()).toBe(false);
    h.advanceTo(10_339);
    expect(timesOf(spout, 'p').at(-1)).toBe(9484);
    h.advanceTo(10_340);
    expect(timesOf(spout, 'p').at(-1)).toBe(10_340);
  });

  it('dead-letters after maxRetries as before: attempts count every failure, replays wait, the last one is not held', async () => {
    const clock = new ManualClock();
    const { topology, spout } = poisonTopology(clock, { replayBackoffInitialMs: 100, replayBackoffMaxMs: 1000, maxRetries: 3 });
    const b = new TopologyBuilder();
    const dead: { values: unknown[]; at: number }[] = [];
    // Same topology plus a dead-letter subscriber.
    b.setSpout('s', () => new ProbeSpout(spout));
    b.setBolt('b', () => new FailingBolt(new Set(['p']), new Set())).shuffleGrouping('s');
    b.setBolt('dlq', () => new RecordingBolt(dead, clock)).globalGrouping('s', DEAD_LETTER_STREAM);
    spout.plan.push({ id: 'p', at: 0 });
    h = new ManualEngine(b.build({ name: 'dlq', config: topology.config }), {}, clock);
    await h.start();
    h.advanceTo(5_000);
    // Failures 1, 2, 3 handed back (at 0, then after 105 and 160 from the seeded schedule).
    expect(timesOf(spout, 'p')).toEqual([0, 106, 266]);
    // The 4th failure (at 266, right after the replay) dead-letters at once, with attempts 4.
    expect(dead).toEqual([{ values: ['p', 'default', ['p'], 'failed', 4], at: 266 }]);
    expect(spout.acks.map((a) => [a.id, a.at])).toEqual([['p', 266]]);
    // emitted: 4 trees and the dead-letter tuple.
    expect(h.stats('s')).toMatchObject({ emitted: 5, failed: 4, replayed: 3, deadLettered: 1, pending: 0 });
    expect(h.engine.isQuiescent()).toBe(true);
  });

  it('timed-out trees back off too', async () => {
    const clock = new ManualClock();
    const { topology, spout } = holdTopology(clock);
    spout.plan.push({ id: 'x', at: 0 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.advanceTo(1500);
    // First timeout: handed back at once and replayed in the same turn (epoch 3).
    expect(timesOf(spout, 'x')).toEqual([1500]);
    h.advanceTo(3000);
    // Second timeout at 3000 (epoch 6): held for the seeded 105 ms.
    expect(h.stats('s')).toMatchObject({ timedOut: 2, failed: 2, replayed: 1, pending: 0 });
    expect(timesOf(spout, 'x')).toEqual([1500]);
    expect(h.engine.isQuiescent()).toBe(false);
    h.advanceTo(3104);
    expect(timesOf(spout, 'x')).toEqual([1500]);
    h.advanceTo(3105);
    expect(timesOf(spout, 'x')).toEqual([1500, 3105]);
    expect(spout.emits.map((e) => e.at)).toEqual([0, 1500, 3105]);
    expect(h.stats('s')).toMatchObject({ timedOut: 2, failed: 2, replayed: 2, pending: 1 });
  });

  it('replayBackoffInitialMs 0 is the old behaviour: every failure handed back at once', async () => {
    const clock = new ManualClock();
    // maxRetries bounds the hot loop (on manual time it would never end).
    const { topology, spout } = poisonTopology(clock, { replayBackoffInitialMs: 0, replayBackoffMaxMs: 0, maxRetries: 5 });
    spout.plan.push({ id: 'p', at: 0 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.advance(10);
    // Handed back at once, replayed after the spout's 1 ms spout-wait: one replay per ms.
    expect(timesOf(spout, 'p')).toEqual([0, 1, 2, 3, 4]);
    expect(h.stats('s')).toMatchObject({ failed: 6, replayed: 5, deadLettered: 1 });
    expect(h.scheduler.oneShotCount).toBeLessThanOrEqual(1); // at most the spout-wait timer
  });

  it('a failure while the spout is inactive is handed back at once', async () => {
    const clock = new ManualClock();
    const { topology, spout } = holdTopology(clock);
    spout.plan.push({ id: 'x', at: 0 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.advanceTo(2000);
    h.engine.deactivate();
    h.advanceTo(3000);
    // The second timeout (at 3000) would be held 105 ms if the spout were active.
    expect(timesOf(spout, 'x')).toEqual([1500, 3000]);
    expect(h.engine.isQuiescent()).toBe(true);
  });

  it('deactivate hands held replays back at once (their timers cancelled)', async () => {
    const clock = new ManualClock();
    const { topology, spout } = poisonTopology(clock, { replayBackoffInitialMs: 5000, replayBackoffMaxMs: 5000 });
    spout.plan.push({ id: 'p', at: 0 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.advanceTo(100);
    expect(timesOf(spout, 'p')).toEqual([0]);
    const timers = h.scheduler.oneShotCount;
    expect(h.engine.isQuiescent()).toBe(false);
    h.engine.deactivate();
    expect(h.scheduler.oneShotCount).toBe(timers - 1);
    await h.settle();
    expect(timesOf(spout, 'p')).toEqual([0, 100]);
    expect(h.engine.isQuiescent()).toBe(true);
    expect(h.stats('s')).toMatchObject({ failed: 2, replayed: 2 });
  });

  it('close cancels the timers of held replays and hands them back before the spout closes', async () => {
    const clock = new ManualClock();
    const { topology, spout } = poisonTopology(clock, { replayBackoffInitialMs: 5000, replayBackoffMaxMs: 5000 });
    spout.plan.push({ id: 'p', at: 0 });
    const m = new ManualEngine(topology, {}, clock);
    await m.start();
    m.advanceTo(100);
    expect(m.engine.isQuiescent()).toBe(false);
    await m.close();
    expect(timesOf(spout, 'p')).toEqual([0, 100]);
    expect(m.stats('s')).toMatchObject({ failed: 2, replayed: 2 });
    // Nothing of the engine is left armed: no replay timer fires after close.
    expect(m.scheduler.oneShotCount).toBe(0);
    m.advance(10_000);
    expect(timesOf(spout, 'p')).toEqual([0, 100]);
  });
});

describe('replay backoff config', () => {
  it('defaults, ranges, the max >= initial rule, did-you-mean', () => {
    expect(TOPOLOGY_CONFIG_DEFAULTS).toMatchObject({ replayBackoffInitialMs: 100, replayBackoffMaxMs: 10_000 });
    expect(parseTopologyConfig({ replayBackoffInitialMs: 0 }).replayBackoffInitialMs).toBe(0);
    expect(parseTopologyConfig({ replayBackoffInitialMs: 50, replayBackoffMaxMs: 50 })).toMatchObject({ replayBackoffInitialMs: 50, replayBackoffMaxMs: 50 });
    expect(() => parseTopologyConfig({ replayBackoffInitialMs: -1 })).toThrow('config key "replayBackoffInitialMs" must be an integer from 0 to 2147483647, got -1');
    expect(() => parseTopologyConfig({ replayBackoffMaxMs: 1.5 })).toThrow(expect.objectContaining({ code: 'GALE_ERR_CONFIG_VALUE' }));
    expect(() => parseTopologyConfig({ replayBackoffInitialMs: 20_000 })).toThrow('config key "replayBackoffMaxMs" must be >= replayBackoffInitialMs (20000), got 10000');
    expect(() => parseTopologyConfig({ replayBackofInitialMs: 5 })).toThrow(/did you mean "replayBackoffInitialMs"/);
  });
});
