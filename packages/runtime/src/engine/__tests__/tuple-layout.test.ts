import { BaseBasicBolt, BaseRichSpout, TopologyBuilder, type BasicOutputCollector, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import { LocalCluster } from '../../local/local-cluster.js';
import { Fields } from '../../api/fields.js';
import { TrackedTuple, TreeTuple, TupleImpl, tupleFromAnchors, untrackedTuple, type StreamRef } from '../tuple.js';

/*
 * Tuple classes (tuple.ts): an untracked tuple carries only values, stream, source task and state
 * (56 bytes without pointer compression, against 104 for a tuple of one tree and 112 for one of
 * several), its tree fields coming from the prototype. The Tuple getters work on both, also on a tuple a
 * bolt keeps after its execute returned (as a window does).
 */

const REF: StreamRef = { component: 'src', id: 'default', fields: new Fields(['word', 'n']), index: 0, control: false };

describe('tuple layout', () => {
  it('an untracked tuple has four own fields; its tree fields read as untracked', () => {
    const t = untrackedTuple(['a', 1], REF, 3);
    expect(Object.keys(t).sort()).toEqual(['sourceTask', 'state', 'stream', 'values']);
    expect(t).toBeInstanceOf(TupleImpl);
    expect(t).not.toBeInstanceOf(TrackedTuple);
    expect([t.rootHi, t.rootLo, t.edgeHi, t.edgeLo, t.more, t.ackHi, t.ackLo]).toEqual([-1, 0, 0, 0, null, 0, 0]);
    expect(t.tracked).toBe(false);
    expect(t.anchors).toBeNull();
    expect(t.messageId).toBe('{}');
    // The prototype's values are shared: a second tuple is not affected by the first.
    expect(tupleFromAnchors(['b', 2], REF, 3, null).rootHi).toBe(-1);
  });

  it('a tuple of one tree has it inline in ten fields, and reads no other tree', () => {
    const root = 2 ** 40 + 5;
    const t = tupleFromAnchors(['a', 1], REF, 3, [root, 7, -8]);
    expect(t).toBeInstanceOf(TreeTuple);
    expect(t).not.toBeInstanceOf(TrackedTuple);
    expect(t).toBeInstanceOf(TupleImpl);
    expect(Object.keys(t).sort()).toEqual(['ackHi', 'ackLo', 'edgeHi', 'edgeLo', 'rootHi', 'rootLo', 'sourceTask', 'state', 'stream', 'values']);
    expect(t.more).toBeNull();
    expect(t.root).toBe(root);
    expect(t.anchors).toEqual([root, 7, -8]);
    expect(t.messageId).toBe(`{${root}:00000007fffffff8}`);
  });

  it('a tuple of several trees has the first inline, the others in more, and is a TupleImpl too', () => {
    const root = 2 ** 40 + 5;
    const t = tupleFromAnchors(['a', 1], REF, 3, [root, 7, -8, 99, 1, 2]);
    expect(t).toBeInstanceOf(TrackedTuple);
    expect(t).toBeInstanceOf(TreeTuple);
    expect(t).toBeInstanceOf(TupleImpl);
    expect(Object.keys(t)).toHaveLength(11);
    expect(t.tracked).toBe(true);
    expect(t.root).toBe(root);
    expect(t.anchors).toEqual([root, 7, -8, 99, 1, 2]);
    expect(t.messageId).toBe(`{${root}:00000007fffffff8,99:0000000100000002}`);
  });
});

class WordSpout extends BaseRichSpout {
  private i = 0;
  constructor(private readonly words: readonly string[], private readonly withIds: boolean) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word', 'n']);
  }
  nextTuple(): void {
    if (this.i >= this.words.length) return;
    const n = this.i++;
    if (this.withIds) this.collector.emit([this.words[n]!, n], n);
    else this.collector.emit([this.words[n]!, n]);
  }
}

/** Inputs kept by each KeepBolt, by name (a bolt is copied per task: the list lives outside it). */
const KEPT = new Map<string, Tuple[]>();

/** Keeps every input past its execute and passes each on (anchored, for a basic bolt). */
class KeepBolt extends BaseBasicBolt {
  constructor(private readonly name: string) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word', 'n']);
  }
  execute(t: Tuple, c: BasicOutputCollector): void {
    KEPT.get(this.name)!.push(t);
    c.emit([t.getStringByField('word'), t.getNumberByField('n')]);
  }
}

async function runKeeping(acked: boolean): Promise<{ kept: Tuple[]; last: Tuple[] }> {
  const kept: Tuple[] = [];
  const last: Tuple[] = [];
  KEPT.set(`keep-${acked}`, kept);
  KEPT.set(`last-${acked}`, last);
  const words = ['alpha', 'beta', 'gamma', 'delta'];
  const b = new TopologyBuilder();
  b.setSpout('words', new WordSpout(words, acked));
  b.setBolt('keep', new KeepBolt(`keep-${acked}`)).shuffleGrouping('words');
  b.setBolt('last', new KeepBolt(`last-${acked}`)).shuffleGrouping('keep');
  const cluster = new LocalCluster();
  try {
    const t = await cluster.submit(b.build({ name: `tuple-layout-${acked}`, config: { ackers: acked ? 1 : 0 } }));
    const deadline = Date.now() + 10_000;
    while (last.length < words.length && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    if (acked) {
      while (t.stats().find((s) => s.component === 'words')!.acked < words.length && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      expect(t.stats().find((s) => s.component === 'words')!.acked).toBe(words.length);
    }
  } finally {
    await cluster.shutdown(0);
  }
  return { kept, last };
}

describe('tuples kept after execute', () => {
  it.each([false, true])('keep every getter working (acked: %s)', async (acked) => {
    const { kept, last } = await runKeeping(acked);
    expect(kept).toHaveLength(4);
    expect(last).toHaveLength(4);
    const byWord = (ts: Tuple[]) => [...ts].sort((x, y) => x.getNumberByField('n') - y.getNumberByField('n'));
    for (const [i, t] of byWord(kept).entries()) {
      expect(t.values).toEqual([['alpha', 'beta', 'gamma', 'delta'][i], i]);
      expect(t.getValue(0)).toBe(['alpha', 'beta', 'gamma', 'delta'][i]);
      expect(t.getValueByField('n')).toBe(i);
      expect(t.fields.names).toEqual(['word', 'n']);
      expect(t.sourceComponent).toBe('words');
      expect(t.sourceStreamId).toBe('default');
      expect(t.isTick()).toBe(false);
      expect(t.messageId).toMatch(acked ? /^\{\d+:[0-9a-f]{16}\}$/ : /^\{\}$/);
      expect((t as TupleImpl).toString()).toContain('source: words:');
    }
    for (const t of last) {
      expect(t.sourceComponent).toBe('keep');
      expect(t.messageId).toMatch(acked ? /^\{\d+:[0-9a-f]{16}\}$/ : /^\{\}$/);
    }
  });
});
