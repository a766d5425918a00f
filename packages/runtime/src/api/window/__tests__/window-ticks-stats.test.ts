// A windowed bolt executes a system tick every watermark interval, input or not: `executed`
// counts its inputs only (docs/metrics.md), the ticks count in `ticks`.
import {
  BaseRichSpout, BaseWindowedBolt, Duration, LocalCluster, TopologyBuilder, tumblingWindow,
  type OutputFieldsDeclarer, type TupleWindow, type WindowedOutputCollector,
} from '@gale/runtime';

class Six extends BaseRichSpout {
  private next = 0;
  declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['ts']); }
  nextTuple(): void { if (this.next < 6) this.collector.emit([1_000 + this.next * 10], this.next++); }
}

class CountWindow extends BaseWindowedBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['n']); }
  execute(w: TupleWindow, c: WindowedOutputCollector): void { c.emit([w.get().length]); }
}

it('a windowed bolt counts its ticks apart from the inputs it executed', async () => {
  const b = new TopologyBuilder();
  b.setSpout('events', () => new Six());
  b.setBolt('w', () => new CountWindow({ ...tumblingWindow(Duration.ofSeconds(10)), timestamp: 'ts', watermarkIntervalMs: 50 })).shuffleGrouping('events');
  const cluster = new LocalCluster();
  try {
    const t = await cluster.submit(b.build({ name: 'ticks', config: { maxSpoutPending: 100, messageTimeoutMs: 60_000 } }));
    const w = () => t.stats().find((s) => s.component === 'w')!;
    // Ticks go on with no input flowing (the window holds all 6: no later input moves the watermark).
    expect(await t.waitUntil(() => (w().ticks ?? 0) >= 10, 10_000)).toBe(true);
    expect(w().executed).toBe(6);
  } finally {
    await cluster.shutdown(0);
  }
});
