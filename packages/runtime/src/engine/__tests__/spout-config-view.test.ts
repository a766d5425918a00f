import { BaseRichSpout, TopologyBuilder, type OutputFieldsDeclarer, type SpoutOutputCollector, type TopologyContext } from '@gale/runtime';
import { ManualEngine } from './manual-engine.js';

/** Records the limits its context's config shows. */
class ConfigSpout extends BaseRichSpout {
  constructor(private readonly seen: Map<string, { maxSpoutPending: number | null; maxRetries: number | null }>) {
    super();
  }
  override open(context: TopologyContext, _collector: SpoutOutputCollector): void {
    this.seen.set(context.thisComponentId, { maxSpoutPending: context.config.maxSpoutPending, maxRetries: context.config.maxRetries });
  }
  nextTuple(): void {}
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['x']);
  }
}

describe('a spout context config', () => {
  it("shows the spout's own maxSpoutPending and maxRetries in place of the topology's (Storm's component config)", async () => {
    const seen = new Map<string, { maxSpoutPending: number | null; maxRetries: number | null }>();
    const b = new TopologyBuilder();
    b.setSpout('own', () => new ConfigSpout(seen), { maxSpoutPending: 7, maxRetries: null });
    b.setSpout('plain', () => new ConfigSpout(seen));
    const h = new ManualEngine(b.build({ name: 'spout-config', config: { maxSpoutPending: 500, maxRetries: 3 } }));
    try {
      await h.start();
      expect(seen.get('own')).toEqual({ maxSpoutPending: 7, maxRetries: null });
      expect(seen.get('plain')).toEqual({ maxSpoutPending: 500, maxRetries: 3 });
    } finally {
      await h.close();
    }
  });
});
