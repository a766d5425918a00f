import { BaseBasicBolt, BaseRichSpout, TopologyBuilder, type OutputFieldsDeclarer } from '@gale/runtime';
import { ManualEngine } from './manual-engine.js';

/** Emits ids 0..limit-1 with message ids; records, for each ack, how many nextTuple calls came before it. */
class CountingSpout extends BaseRichSpout {
  static calls = 0;
  static acks: { id: number; afterCalls: number }[] = [];
  private next = 0;
  constructor(private readonly limit: number) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['n']);
  }
  nextTuple(): void {
    CountingSpout.calls++;
    if (this.next < this.limit) this.collector.emit([this.next], this.next++);
  }
  override ack(id: unknown): void {
    CountingSpout.acks.push({ id: id as number, afterCalls: CountingSpout.calls });
  }
}

class Sink extends BaseBasicBolt {
  declareOutputFields(): void {}
  execute(): void {}
}

describe('spout turn: trees completed within it are handed back during it', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    CountingSpout.calls = 0;
    CountingSpout.acks = [];
  });

  it('acks a tree that completed inline after at most 16 more emits, not at the end of a 200-emit turn', async () => {
    const b = new TopologyBuilder();
    b.setSpout('s', new CountingSpout(200));
    b.setBolt('sink', new Sink()).shuffleGrouping('s');
    h = new ManualEngine(b.build({ name: 'handback', config: { ackers: 1, maxSpoutPending: 1000 } }));
    await h.start();
    await h.settle();
    const acks = CountingSpout.acks;
    expect(acks.map((a) => a.id)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    // Every tree is handed back within 16 emits of its own (the turn's budget is 512: before, all
    // 200 acks came after the 200th nextTuple).
    for (const a of acks) expect(a.afterCalls - (a.id + 1)).toBeLessThanOrEqual(16);
    expect(h.stats('s')).toMatchObject({ emitted: 200, acked: 200, pending: 0 });
  });
});
