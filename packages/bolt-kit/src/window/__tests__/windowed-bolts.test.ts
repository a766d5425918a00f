import {
  Count, Duration, FeederSpout, TopologyBuilder, completeTopology, trackedTopology, tumblingWindow, slidingWindow,
  BaseRichSpout, type OutputFieldsDeclarer, type TrackedTopology,
} from '@gale/runtime';
import { WindowedCountBolt, WindowedTopNBolt, topN } from '../../index.js';

class Words extends BaseRichSpout {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  nextTuple(): void {}
}

const WORDS = ['a', 'b', 'a', 'c', 'b', 'b', 'a', 'a'].map((w) => [w]);

describe('windowed bolt kit', () => {
  it('WindowedCountBolt counts per key over each count window, with null bounds (LocalCluster via completeTopology)', async () => {
    const b = new TopologyBuilder();
    b.setSpout('words', new Words());
    b.setBolt('count', new WindowedCountBolt({ window: tumblingWindow(Count.of(4)) })).globalGrouping('words');
    const captured = await completeTopology(b.build({ name: 'wcount' }), { mockedSources: { words: WORDS } });
    expect(captured.emitted('count')).toEqual([
      ['a', 2, null, null], ['b', 1, null, null], ['c', 1, null, null],
      ['b', 2, null, null], ['a', 2, null, null],
    ]);
  });

  it('WindowedTopNBolt ranks the top n of each sliding count window', async () => {
    const b = new TopologyBuilder();
    b.setSpout('words', new Words());
    b.setBolt('top', new WindowedTopNBolt({ window: slidingWindow(Count.of(4), Count.of(4)), n: 2 })).globalGrouping('words');
    const captured = await completeTopology(b.build({ name: 'wtop' }), { mockedSources: { words: WORDS } });
    expect(captured.emitted('top')).toEqual([[[['a', 2], ['b', 1]], null, null], [[['a', 2], ['b', 2]], null, null]]);
  });

  it('topN: largest first, ties by key, at most n', () => {
    expect(topN(new Map<unknown, number>([['x', 1], ['b', 3], ['a', 3], ['c', 2]]), 3)).toEqual([['a', 3], ['b', 3], ['c', 2]]);
    expect(topN(new Map(), 3)).toEqual([]);
  });

  it('rejects bad options at construction', () => {
    expect(() => new WindowedCountBolt({ window: tumblingWindow(Count.of(2)), keyField: '' })).toThrow(/keyField must be a non-empty string/);
    expect(() => new WindowedTopNBolt({ window: tumblingWindow(Count.of(2)), n: 0 })).toThrow(/n must be an integer >= 1/);
  });

  describe('event time in a LocalCluster', () => {
    let t: TrackedTopology | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('counts per key per 10 s event-time window, whatever the arrival order, and ranks the counts', async () => {
      const feeder = new FeederSpout(['user', 'ts']);
      const b = new TopologyBuilder();
      b.setSpout('visits', feeder);
      const window = tumblingWindow(Duration.ofSeconds(10), { timestamp: 'ts', maxLagMs: 1000, watermarkIntervalMs: 10 });
      b.setBolt('count', new WindowedCountBolt({ window, keyField: 'user' }), 2).fieldsGrouping('visits', ['user']);
      // The ranker's event time is the counted window's start. Its watermark is the slowest count
      // task's: bob's task has no later window, so idleFlushMs closes the ranker's last windows.
      const rankWindow = tumblingWindow(Duration.ofSeconds(10), { timestamp: 'windowStart', watermarkIntervalMs: 10, idleFlushMs: 100 });
      b.setBolt('rank', new WindowedTopNBolt({ window: rankWindow, n: 2, keyField: 'user', countField: 'count' })).globalGrouping('count');
      t = await trackedTopology(b.build({ name: 'visits', config: { maxSpoutPending: 100 } }));
      const T = 1_700_000_000_000;
      for (const [user, s] of [['ann', 1], ['bob', 2], ['ann', 9], ['cid', 4], ['ann', 12], ['bob', 3], ['bob', 5], ['cid', 15]] as const) feeder.feed([user, T + s * 1000]);
      // Far ahead, one per key: watermarks are per task, so every count task must see one.
      for (const user of ['ann', 'bob', 'cid']) feeder.feed([user, T + 60_000]);
      const rows = (): unknown[][] => t!.captured.emitted('count');
      expect(await t.topology.waitUntil(() => rows().length >= 5 && t!.captured.emitted('rank').length >= 1, 10_000)).toBe(true);
      const sorted = [...rows()].map((r) => r.join(' ')).sort();
      expect(sorted).toEqual([
        `ann 1 ${T + 10_000} ${T + 20_000}`, `ann 2 ${T} ${T + 10_000}`, `bob 3 ${T} ${T + 10_000}`, `cid 1 ${T} ${T + 10_000}`, `cid 1 ${T + 10_000} ${T + 20_000}`,
      ]);
      expect(t.captured.emitted('rank')[0]).toEqual([[['bob', 3], ['ann', 2]], T, T + 10_000]);
    });
  });
});
