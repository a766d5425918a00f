import {
  BaseBasicBolt, BaseRichSpout, LocalCluster, TopologyBuilder, type BasicOutputCollector, type OutputFieldsDeclarer, type Tuple,
} from '@gale/runtime';

const observed = { maxPending: 0, emitted: 0 };

class EndlessSpout extends BaseRichSpout {
  private seq = 0;
  private pending = 0;
  constructor(private readonly tracked: boolean) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['n', 'payload']);
  }
  nextTuple(): void {
    this.seq++;
    observed.emitted++;
    if (this.tracked) {
      this.pending++;
      observed.maxPending = Math.max(observed.maxPending, this.pending);
      this.collector.emit([this.seq, 'x'.repeat(100)], this.seq);
    } else {
      this.collector.emit([this.seq, 'x'.repeat(100)]);
    }
  }
  override ack(): void {
    this.pending--;
  }
  override fail(): void {
    this.pending--;
  }
}

class Fanout extends BaseBasicBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['n']);
  }
  execute(t: Tuple, c: BasicOutputCollector): void {
    for (let i = 0; i < 3; i++) c.emit([t.getValue(0)]);
  }
}

/** 100x slower than the spout: each tuple waits for a macrotask. */
class SlowBolt extends BaseBasicBolt {
  declareOutputFields(): void {}
  execute(): Promise<void> {
    return new Promise((r) => setImmediate(r));
  }
}

function topology(tracked: boolean) {
  const b = new TopologyBuilder();
  b.setSpout('endless', new EndlessSpout(tracked));
  b.setBolt('fanout', new Fanout()).shuffleGrouping('endless');
  b.setBolt('slow', new SlowBolt(), 2).shuffleGrouping('fanout');
  return b.build({
    name: `bp-${tracked}`,
    config: { queueCapacity: 64, ...(tracked ? { maxSpoutPending: 50 } : { ackers: 0 }) },
  });
}

describe('backpressure and maxSpoutPending', () => {
  beforeEach(() => {
    observed.maxPending = 0;
    observed.emitted = 0;
  });

  it('a slow bolt throttles an untracked spout: queues never exceed capacity, memory stays bounded', async () => {
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(topology(false));
      const slowDone = () => t.stats().find((s) => s.component === 'slow')!.executed >= 3000;
      expect(await t.waitUntil(slowDone, 30_000)).toBe(true);
      const stats = t.stats();
      for (const s of stats.filter((x) => x.kind === 'bolt')) {
        expect(s.queueHighWater).toBeLessThanOrEqual(64);
      }
      const executedBySlow = stats.find((s) => s.component === 'slow')!.executed;
      // Everything the spout emitted is in a bounded queue, an outbox (one execute's output) or done.
      const inFlightBound = 64 /* fanout queue */ + 2 * 64 /* slow queues */ + 3 /* one execute's outbox */ + 2;
      expect(observed.emitted * 3 - executedBySlow).toBeLessThanOrEqual(inFlightBound * 3);
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('maxSpoutPending is never exceeded', async () => {
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(topology(true));
      const acked = () => t.stats().find((s) => s.component === 'endless')!.acked >= 500;
      expect(await t.waitUntil(acked, 30_000)).toBe(true);
      expect(observed.maxPending).toBeLessThanOrEqual(50);
      expect(observed.maxPending).toBeGreaterThan(10);
      for (const s of t.stats().filter((x) => x.kind === 'bolt')) expect(s.queueHighWater).toBeLessThanOrEqual(64);
    } finally {
      await cluster.shutdown(0);
    }
  });
});
