import { BaseBasicBolt, BaseRichBolt, TopologyBuilder, type BasicOutputCollector, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import { ManualClock } from '../testing/manual-time.js';
import { ManualEngine } from './manual-engine.js';
import { ProbeSpout, SpoutProbe } from './timing-fixtures.js';

/*
 * Tuples anchored to several trees (router.ts AnchoredEdges): each spout message's tuple is split
 * in two (two tuples of the same tree), a joiner holds `batch` inputs and emits one tuple anchored
 * to all of them, then acks them; a relay passes it on anchored to it; the sink acks or fails that. The joined tuple belongs to each
 * input's tree once (edges of the same tree merged), whether the trees are few (merged by a scan)
 * or many (merged through an index, emptied and reused by the next emit), and every tree
 * completes, or fails, with it.
 */

class TwinBolt extends BaseBasicBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id', 'half']);
  }
  execute(t: Tuple, c: BasicOutputCollector): void {
    c.emit([t.getValue(0), 'a']);
    c.emit([t.getValue(0), 'b']);
  }
}

class JoinBolt extends BaseRichBolt {
  private held: Tuple[] = [];
  constructor(private readonly batch: number) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['ids']);
  }
  execute(t: Tuple): void {
    this.held.push(t);
    if (this.held.length < this.batch) return;
    const held = this.held;
    this.held = [];
    // Anchored to one tuple twice as well: the same tree, the same anchor, still one entry. Twice,
    // as a window emits anchored to the same tuples on every slide.
    this.collector.emit([held.map((h) => h.getValue(0))], [...held, held[0]!]);
    this.collector.emit([held.map((h) => h.getValue(0))], held);
    for (const h of held) this.collector.ack(h);
  }
}

/** Passes the joined tuple on, anchored to it alone: the new tuple inherits all its trees. */
class RelayBolt extends BaseBasicBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['ids']);
  }
  execute(t: Tuple, c: BasicOutputCollector): void {
    c.emit([t.getValue(0)]);
  }
}

class SinkBolt extends BaseRichBolt {
  constructor(private readonly seen: string[], private readonly fail: boolean) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    this.seen.push(t.messageId);
    if (this.fail) this.collector.fail(t);
    else this.collector.ack(t);
  }
}

function setup(clock: ManualClock, spout: SpoutProbe, batch: number, seen: string[], fail: boolean): ManualEngine {
  const b = new TopologyBuilder();
  b.setSpout('s', () => new ProbeSpout(spout));
  b.setBolt('twin', () => new TwinBolt()).shuffleGrouping('s');
  b.setBolt('join', () => new JoinBolt(batch)).globalGrouping('twin');
  b.setBolt('relay', () => new RelayBolt()).shuffleGrouping('join');
  b.setBolt('sink', () => new SinkBolt(seen, fail)).shuffleGrouping('relay');
  const topology = b.build({ name: 'anchor-trees', config: { ackers: 1, messageTimeoutMs: 60_000 } });
  return new ManualEngine(topology, {}, clock);
}

describe('a tuple anchored to several trees', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  for (const messages of [3, 40]) {
    for (const fail of [false, true]) {
      it(`${messages} trees (${messages > 16 ? 'merged through an index' : 'merged by a scan'}) all ${fail ? 'fail' : 'complete'} with it`, async () => {
        const clock = new ManualClock();
        const spout = new SpoutProbe(clock);
        // Two batches of two emits each: every emit reuses the previous one's (emptied) merge state.
        for (let i = 0; i < 2 * messages; i++) spout.plan.push({ id: `m${i}`, at: 0 });
        const seen: string[] = [];
        h = setup(clock, spout, messages * 2, seen, fail);
        await h.start();
        const done = (): boolean => spout.acks.length + spout.fails.length === 2 * messages;
        expect(await h.runUntil(done, 10_000)).toBe(true);
        expect(spout.acks.length).toBe(fail ? 0 : 2 * messages);
        expect(spout.fails.length).toBe(fail ? 2 * messages : 0);
        expect(seen).toHaveLength(4);
        // One entry per tree: `{root:edge,...}`, distinct roots, every message's tree in one of them.
        const roots = new Set<string>();
        for (const id of seen) {
          const entries = id.slice(1, -1).split(',');
          for (const e of entries) expect(e).toMatch(/^\d+:[0-9a-f]{16}$/);
          const mine = new Set(entries.map((e) => e.split(':')[0]!));
          expect(mine.size).toBe(entries.length);
          for (const r of mine) roots.add(r);
        }
        expect(roots.size).toBe(2 * messages);
      });
    }
  }
});
