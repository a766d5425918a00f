import {
  BaseWindowedBolt, Duration, FeederSpout, TopologyBuilder, slidingWindow, trackedTopology,
  type OutputFieldsDeclarer, type TrackedTopology, type TupleWindow, type WindowedOutputCollector,
} from '@gale/runtime';

/** Emits [size of the window, new tuples, sum of `n` over the new tuples]. */
class NewSum extends BaseWindowedBolt {
  constructor() {
    super(slidingWindow(Duration.ofMillis(200), Duration.ofMillis(50)));
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['size', 'fresh', 'sum']);
  }
  execute(w: TupleWindow, c: WindowedOutputCollector): void {
    c.emit([w.get().length, w.getNew().length, w.getNew().reduce((s, t) => s + t.getNumberByField('n'), 0)]);
  }
}

describe('windowed bolts in a LocalCluster (public API, real time)', () => {
  let t: TrackedTopology | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('processing-time sliding windows see every tuple once as new, and every tree is acked once it left its windows', async () => {
    const feeder = new FeederSpout(['n']);
    const b = new TopologyBuilder();
    b.setSpout('numbers', feeder);
    b.setBolt('sum', NewSum).shuffleGrouping('numbers');
    t = await trackedTopology(b.build({ name: 'windowed-local', config: { maxSpoutPending: 100 } }));
    for (let i = 1; i <= 40; i++) feeder.feed([i]);
    // Idle = spout exhausted and no tree pending: every tuple has left all its windows and was acked.
    await t.waitForIdle(10_000);
    const rows = t.captured.emitted('sum') as [number, number, number][];
    expect(rows.reduce((s, r) => s + r[1], 0)).toBe(40);
    expect(rows.reduce((s, r) => s + r[2], 0)).toBe((40 * 41) / 2);
    expect(t.topology.stats().find((s) => s.component === 'numbers')).toMatchObject({ acked: 40, failed: 0 });
  });
});
