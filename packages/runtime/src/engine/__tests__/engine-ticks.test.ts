import { BaseBasicBolt, SYSTEM_COMPONENT, TICK_STREAM, TOPOLOGY_CONFIG_DEFAULTS, TopologyBuilder, type OutputFieldsDeclarer, type Topology, type Tuple } from '@gale/runtime';
import { ManualClock } from '../testing/manual-time.js';
import { ManualEngine } from './manual-engine.js';
import { ProbeSpout, SpoutProbe } from './timing-fixtures.js';

interface Seen {
  task: number;
  at: number;
  tick: boolean;
  source: string;
  stream: string;
  values: unknown[];
}

/** What the tick bolts saw, and the async executes the test has not released yet. */
class TickProbe {
  readonly seen: Seen[] = [];
  readonly unreleased: (() => void)[] = [];
  constructor(readonly clock: ManualClock, readonly asyncExecute = false) {}
  ticks(task?: number): number[] {
    return this.seen.filter((s) => s.tick && (task === undefined || s.task === task)).map((s) => s.at);
  }
}

/** Records every input; non-tick inputs run as async executes the test releases, when asked to. */
class TickBolt extends BaseBasicBolt {
  constructor(private readonly probe: TickProbe) {
    super();
  }
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void | Promise<void> {
    const p = this.probe;
    p.seen.push({
      task: this.context.thisTaskId, at: p.clock.now(), tick: t.isTick(), source: t.sourceComponent, stream: t.sourceStreamId, values: [...t.values],
    });
    if (!t.isTick() && p.asyncExecute) return new Promise<void>((resolve) => p.unreleased.push(resolve));
    return undefined;
  }
}

describe('tick tuples (manual clock)', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("arrive every tickFrequencySecs (the bolt's option) from __system on __tick, carrying the frequency", async () => {
    const clock = new ManualClock();
    const probe = new TickProbe(clock);
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(new SpoutProbe(clock)));
    b.setBolt('ticker', () => new TickBolt(probe), { tickFrequencySecs: 2 }).shuffleGrouping('s');
    h = new ManualEngine(b.build({ name: 'ticks' }), {}, clock);
    await h.start();
    h.advanceTo(1999);
    expect(probe.seen).toEqual([]);
    h.advanceTo(7000);
    expect(probe.ticks()).toEqual([2000, 4000, 6000]);
    for (const s of probe.seen) expect(s).toMatchObject({ tick: true, source: SYSTEM_COMPONENT, stream: TICK_STREAM, values: [2] });
    expect(SYSTEM_COMPONENT).toBe('__system');
    expect(TICK_STREAM).toBe('__tick');
    // Ticks are no inputs: they count in `ticks`, not in `executed` (docs/metrics.md).
    expect(h.stats('ticker').ticks).toBe(3);
    expect(h.stats('ticker').executed).toBe(0);
  });

  it("the topology's tickFrequencySecs reaches every bolt task; a bolt's own option wins", async () => {
    const clock = new ManualClock();
    const everyBolt = new TickProbe(clock);
    const own = new TickProbe(clock);
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(new SpoutProbe(clock)));
    b.setBolt('a', () => new TickBolt(everyBolt), { parallelism: 2 }).shuffleGrouping('s');
    b.setBolt('b', () => new TickBolt(own), { tickFrequencySecs: 1.5 }).shuffleGrouping('s');
    h = new ManualEngine(b.build({ name: 'config-ticks', config: { tickFrequencySecs: 0.5 } }), {}, clock);
    await h.start();
    h.advanceTo(3200);
    // Bolt a: tasks 2 and 3 (__acker is 1), each ticked every 500 ms with the topology's value.
    expect(everyBolt.ticks(2)).toEqual([500, 1000, 1500, 2000, 2500, 3000]);
    expect(everyBolt.ticks(3)).toEqual([500, 1000, 1500, 2000, 2500, 3000]);
    expect(everyBolt.seen.every((s) => s.values[0] === 0.5)).toBe(true);
    expect(own.ticks()).toEqual([1500, 3000]);
    expect(own.seen.every((s) => s.values[0] === 1.5 && s.source === '__system' && s.stream === '__tick')).toBe(true);
  });

  it('a submit-time override of tickFrequencySecs applies to bolts without their own option', async () => {
    const clock = new ManualClock();
    const probe = new TickProbe(clock);
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(new SpoutProbe(clock)));
    b.setBolt('a', () => new TickBolt(probe)).shuffleGrouping('s');
    h = new ManualEngine(b.build({ name: 'override-ticks', config: { tickFrequencySecs: 10 } }), { tickFrequencySecs: 1 }, clock);
    await h.start();
    h.advanceTo(3000);
    expect(probe.ticks()).toEqual([1000, 2000, 3000]);
  });

  it('a tick waits for an in-flight async execute (maxConcurrency 1), then runs as soon as it settles', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'x', at: 1000 });
    const probe = new TickProbe(clock, true);
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(spout));
    b.setBolt('slow', () => new TickBolt(probe), { tickFrequencySecs: 2 }).shuffleGrouping('s');
    h = new ManualEngine(b.build({ name: 'async-ticks', config: { messageTimeoutMs: 60_000 } }), {}, clock);
    await h.start();
    h.advanceTo(1000);
    expect(probe.seen.map((s) => [s.tick, s.at])).toEqual([[false, 1000]]);
    h.advanceTo(2000);
    await h.settle();
    h.advanceTo(2500);
    await h.settle();
    // Due at 2000, held back while 'x' executes.
    expect(probe.ticks()).toEqual([]);
    expect(probe.unreleased).toHaveLength(1);
    probe.unreleased.shift()!();
    await h.settle();
    expect(probe.seen.map((s) => [s.tick, s.at])).toEqual([[false, 1000], [true, 2500]]);
    expect(spout.acks.map((a) => [a.id, a.at])).toEqual([['x', 2500]]);
    // The tick timer keeps its own period.
    h.advanceTo(4000);
    expect(probe.ticks()).toEqual([2500, 4000]);
  });

  it('a due tick is not starved by a backlog of async executes (maxConcurrency 2)', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    for (let i = 1; i <= 10; i++) spout.plan.push({ id: `x${i}`, at: 0 });
    const probe = new TickProbe(clock, true);
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(spout));
    b.setBolt('slow', () => new TickBolt(probe), { tickFrequencySecs: 1, maxConcurrency: 2 }).shuffleGrouping('s');
    h = new ManualEngine(b.build({ name: 'busy-ticks', config: { messageTimeoutMs: 60_000 } }), {}, clock);
    await h.start();
    expect(probe.seen.map((s) => s.values[0])).toEqual(['x1', 'x2']);
    // From 1100 on, one execute completes every 100 ms; the backlog keeps both slots busy.
    h.advanceTo(1000);
    for (let t = 1100; t <= 2000; t += 100) {
      h.advanceTo(t);
      probe.unreleased.shift()?.();
      await h.settle();
    }
    // The tick due at 1000 runs once a slot frees (1100), or, if ticks are barriers, once the two
    // executes in flight at 1000 are done (1200) — not after the whole backlog.
    expect(probe.ticks()[0]).toBeLessThanOrEqual(1200);
    const order = probe.seen.map((s) => (s.tick ? 'tick' : s.values[0]));
    expect(order.indexOf('tick')).toBeLessThan(order.indexOf('x10'));
  });
});

describe('spout wait (manual clock)', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  function idleSpout(clock: ManualClock, config: object): { spout: SpoutProbe; build: () => Topology } {
    const spout = new SpoutProbe(clock);
    const build = (): Topology => {
      const b = new TopologyBuilder();
      b.setSpout('s', () => new ProbeSpout(spout));
      b.setBolt('sink', () => new TickBolt(new TickProbe(clock))).shuffleGrouping('s');
      return b.build({ name: 'wait', config });
    };
    return { spout, build };
  }

  it('a nextTuple that emits nothing is not repeated until spoutWaitMs has passed', async () => {
    const clock = new ManualClock();
    const { spout, build } = idleSpout(clock, { spoutWaitMs: 100 });
    h = new ManualEngine(build(), {}, clock);
    await h.start();
    expect(spout.nextTupleCalls).toBe(1);
    await h.settle();
    expect(spout.nextTupleCalls).toBe(1);
    h.advanceTo(99);
    expect(spout.nextTupleCalls).toBe(1);
    h.advanceTo(100);
    expect(spout.nextTupleCalls).toBe(2);
    h.advanceTo(1000);
    expect(spout.nextTupleCalls).toBe(11);
  });

  it('while the spout emits it is asked again at once; it waits only after an empty call', async () => {
    const clock = new ManualClock();
    const { spout, build } = idleSpout(clock, { spoutWaitMs: 100 });
    spout.plan.push({ id: 1, at: 250 }, { id: 2, at: 250 }, { id: 3, at: 250 });
    h = new ManualEngine(build(), {}, clock);
    await h.start();
    h.advanceTo(299);
    expect(spout.nextTupleCalls).toBe(3); // at 0, 100, 200
    expect(spout.emits).toEqual([]);
    h.advanceTo(300);
    // Three emits and the empty call that ends the burst, all at 300.
    expect(spout.emits.map((e) => [e.id, e.at])).toEqual([[1, 300], [2, 300], [3, 300]]);
    expect(spout.nextTupleCalls).toBe(7);
    h.advanceTo(1000);
    expect(spout.nextTupleCalls).toBe(14);
  });

  it('the default spoutWaitMs is 1 ms', async () => {
    const clock = new ManualClock();
    const { spout, build } = idleSpout(clock, {});
    h = new ManualEngine(build(), {}, clock);
    expect(TOPOLOGY_CONFIG_DEFAULTS.spoutWaitMs).toBe(1);
    await h.start();
    h.advanceTo(1000);
    expect(spout.nextTupleCalls).toBe(1001);
  });

  it('a deactivated spout is not polled at all', async () => {
    const clock = new ManualClock();
    const { spout, build } = idleSpout(clock, { spoutWaitMs: 100 });
    h = new ManualEngine(build(), {}, clock);
    await h.start();
    h.engine.deactivate();
    h.advanceTo(1000);
    expect(spout.nextTupleCalls).toBe(1);
    h.engine.activate();
    await h.settle();
    expect(spout.nextTupleCalls).toBe(2);
  });
});
