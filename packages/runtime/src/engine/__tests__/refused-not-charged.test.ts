// A data tuple a worker refuses (its task moved away in a rebalance, or is not open there yet) is
// failed at once so that its spout replays it now. That is the rebalance's doing, not the tuple's:
// the failure must not be charged to maxRetries (outcome FAILED_STOPPED, as a drain's), or a
// rebalance would dead-letter messages that never failed.
import { BaseBasicBolt, BaseRichSpout, TopologyBuilder, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import type { TupleImpl } from '../tuple.js';
import { ManualEngine } from './manual-engine.js';

const seen = { acked: [] as unknown[], failed: [] as unknown[] };

class OneShot extends BaseRichSpout {
  private sent = false;
  declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['n']); }
  nextTuple(): void {
    if (!this.sent) this.collector.emit([1], 'id-1');
    this.sent = true;
  }
  override ack(id: unknown): void { seen.acked.push(id); }
  override fail(id: unknown): void { seen.failed.push(id); }
}

class Quiet extends BaseBasicBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(_t: Tuple): void {}
}

describe('a tuple refused by a worker (rebalance)', () => {
  it('fails its tree as FAILED_STOPPED: replayed, not charged to maxRetries (0 here), not dead-lettered', async () => {
    const b = new TopologyBuilder();
    b.setSpout('numbers', () => new OneShot(), { maxRetries: 0 });
    b.setBolt('far', () => new Quiet()).shuffleGrouping('numbers'); // on the other worker
    b.setBolt('near', () => new Quiet()).shuffleGrouping('numbers'); // here: the task failRefused fails through
    const topology = b.build({ name: 'refused', config: { ackers: 1, workers: 2, messageTimeoutMs: 600_000 } });
    const sent: TupleImpl[] = [];
    const m = new ManualEngine(topology, {}, undefined, {
      placement: { isLocal: (component) => component !== 'far', link: { sendTuple: (_task, t) => (sent.push(t), true) } },
    });
    seen.acked.length = 0;
    seen.failed.length = 0;
    await m.start();
    expect(await m.runUntil(() => sent.length === 1, 1000)).toBe(true);
    // The worker that should have run "far" refused it; what it does, done here (one acker, here).
    expect(m.engine.failRefused(sent[0]!.anchors)).toBe(true);
    expect(await m.runUntil(() => seen.failed.length + seen.acked.length > 0, 1000)).toBe(true);
    expect(seen).toEqual({ acked: [], failed: ['id-1'] });
    expect(m.stats('numbers').deadLettered ?? 0).toBe(0);
    await m.close();
  });
});
