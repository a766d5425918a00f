import {
  BaseBasicBolt, BaseRichBolt, BaseRichSpout, FailedException, TopologyBuilder,
  type BasicOutputCollector, type OutputFieldsDeclarer, type Tuple,
} from '@gale/runtime';
import { ManualEngine } from './manual-engine.js';

/*
 * The acks of one tree that run inline are merged before they reach the acker (Transfer.holdAck),
 * and the spout's init with them: what the acker sees changes, what the spout is told must not.
 */

/** Emits lines 0..limit-1 of `words` words each, with message ids; records acks and fails. */
class LineSpout extends BaseRichSpout {
  static acked: number[] = [];
  static failed: number[] = [];
  private next = 0;
  constructor(private readonly limit: number, private readonly words: number) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['line']);
  }
  nextTuple(): void {
    if (this.next >= this.limit) return;
    const n = this.next++;
    this.collector.emit([Array.from({ length: this.words }, (_, i) => `w${n}-${i}`).join(' ')], n);
  }
  override ack(id: unknown): void {
    LineSpout.acked.push(id as number);
  }
  override fail(id: unknown): void {
    LineSpout.failed.push(id as number);
  }
}

class Split extends BaseBasicBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  execute(t: Tuple, c: BasicOutputCollector): void {
    for (const w of (t.getValue(0) as string).split(' ')) c.emit([w]);
  }
}

/** Counts words; a word in `failing` fails its tuple (and so its tree). */
class Count extends BaseBasicBolt {
  constructor(private readonly failing: ReadonlySet<string> = new Set()) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    if (this.failing.has(t.getValue(0) as string)) throw new FailedException('no');
  }
}

/** Acks each input on a later turn of the event loop, outside any inline chain. */
class LateAcker extends BaseRichBolt {
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    setImmediate(() => this.collector.ack(t));
  }
}

/** Counts a word a turn later (async execute): the words after the first wait in the task's queue. */
class AsyncCount extends BaseBasicBolt {
  static counted = new Set<string>();
  declareOutputFields(): void {}
  execute(t: Tuple): Promise<void> {
    return new Promise((resolve) => setImmediate(() => {
      AsyncCount.counted.add(t.getValue(0) as string);
      resolve();
    }));
  }
}

/** A LineSpout whose ack checks that every word of the line was counted first. */
class CheckedLineSpout extends LineSpout {
  static premature: number[] = [];
  constructor(limit: number, private readonly n: number) {
    super(limit, n);
  }
  override ack(id: unknown): void {
    const line = id as number;
    for (let i = 0; i < this.n; i++) if (!AsyncCount.counted.has(`w${line}-${i}`)) CheckedLineSpout.premature.push(line);
    super.ack(id);
  }
}

describe('acks merged while a tree runs inline', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    LineSpout.acked = [];
    LineSpout.failed = [];
  });

  it('a tree run wholly inline reaches the acker as one message, and every tree is acked', async () => {
    const b = new TopologyBuilder();
    b.setSpout('lines', new LineSpout(50, 6));
    b.setBolt('split', new Split(), 2).shuffleGrouping('lines');
    b.setBolt('count', new Count(), 2).fieldsGrouping('split', ['word']);
    h = new ManualEngine(b.build({ name: 'merge', config: { ackers: 1, maxSpoutPending: 1000 } }));
    await h.start();
    await h.settle();
    expect(LineSpout.acked).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(LineSpout.failed).toEqual([]);
    expect(h.stats('lines')).toMatchObject({ acked: 50, pending: 0 });
    expect(h.stats('count')).toMatchObject({ executed: 300, acked: 300 });
    // 7 acks and an init per tree before: one merged init now; nothing left in the ledger.
    expect(h.stats('__acker')).toMatchObject({ executed: 50, acked: 50, failed: 0, pending: 0 });
  });

  it('a fail among held acks of its tree still fails the tree once, and leaves no ledger entry', async () => {
    const b = new TopologyBuilder();
    b.setSpout('lines', new LineSpout(20, 5));
    b.setBolt('split', new Split(), 2).shuffleGrouping('lines');
    // The third word of lines 3 and 11 fails after two words of its tree were acked (held).
    b.setBolt('count', new Count(new Set(['w3-2', 'w11-2'])), 2).fieldsGrouping('split', ['word']);
    h = new ManualEngine(b.build({ name: 'merge-fail', config: { ackers: 1, maxSpoutPending: 1000 } }));
    await h.start();
    await h.settle();
    expect(LineSpout.failed).toEqual([3, 11]);
    expect(LineSpout.acked).toEqual(Array.from({ length: 20 }, (_, i) => i).filter((i) => i !== 3 && i !== 11));
    expect(h.stats('__acker')).toMatchObject({ acked: 18, failed: 2, pending: 0 });
    expect(h.stats('lines')).toMatchObject({ pending: 0 });
  });

  // Part of the tree runs inline (the split, the first word), part waits in a queue (the other
  // words, behind an async execute): the merged init must not be zero, and no tree completes early.
  it('a tree partly queued is acked only once its last tuple was processed (2 ackers)', async () => {
    AsyncCount.counted = new Set();
    CheckedLineSpout.premature = [];
    const b = new TopologyBuilder();
    b.setSpout('lines', new CheckedLineSpout(20, 4));
    b.setBolt('split', new Split(), 2).shuffleGrouping('lines');
    b.setBolt('count', new AsyncCount(), 2).fieldsGrouping('split', ['word']);
    h = new ManualEngine(b.build({ name: 'merge-queued', config: { ackers: 2, maxSpoutPending: 1000 } }));
    await h.start();
    expect(await h.runUntil(() => LineSpout.acked.length === 20, 10_000)).toBe(true);
    expect(CheckedLineSpout.premature).toEqual([]);
    expect(LineSpout.failed).toEqual([]);
    expect(AsyncCount.counted.size).toBe(80);
    expect(h.stats('lines')).toMatchObject({ acked: 20, pending: 0 });
  });

  it('acks given outside any inline chain go to the acker at once and complete their trees', async () => {
    const b = new TopologyBuilder();
    b.setSpout('lines', new LineSpout(10, 3));
    b.setBolt('split', new Split()).shuffleGrouping('lines');
    b.setBolt('late', new LateAcker()).shuffleGrouping('split');
    h = new ManualEngine(b.build({ name: 'merge-late', config: { ackers: 1, maxSpoutPending: 1000 } }));
    await h.start();
    await h.settle();
    expect(LineSpout.acked).toEqual(Array.from({ length: 10 }, (_, i) => i));
    // Per tree: the init merged with the split's ack, then 3 late acks one by one (the last completes it).
    expect(h.stats('__acker')).toMatchObject({ executed: 40, acked: 10, pending: 0 });
  });
});
