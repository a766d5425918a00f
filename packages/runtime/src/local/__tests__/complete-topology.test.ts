import { BaseBasicBolt, TopologyBuilder, completeTopology, type BasicOutputCollector, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import { FixedTupleSpout } from '@gale/runtime';

class Split extends BaseBasicBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  execute(t: Tuple, c: BasicOutputCollector): void {
    for (const w of String(t.getValue(0)).split(' ')) if (w) c.emit([w]);
  }
}

class Count extends BaseBasicBolt {
  private counts = new Map<string, number>();
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word', 'count']);
  }
  execute(t: Tuple, c: BasicOutputCollector): void {
    const w = t.getStringByField('word');
    const n = (this.counts.get(w) ?? 0) + 1;
    this.counts.set(w, n);
    c.emit([w, n]);
  }
}

function wordCount() {
  const b = new TopologyBuilder();
  b.setSpout('lines', new FixedTupleSpout([], ['line']));
  b.setBolt('split', new Split(), 2).shuffleGrouping('lines');
  b.setBolt('count', new Count(), 3).fieldsGrouping('split', ['word']);
  return b.build({ name: 'wc' });
}

describe('completeTopology', () => {
  it('runs word count with acking until every tree completes and captures every emit', async () => {
    const out = await completeTopology(wordCount(), {
      mockedSources: { lines: [['a b a'], ['c a'], ['b']] },
    });
    expect(out.emitted('lines')).toHaveLength(3);
    expect(out.emitted('split').map((v) => v[0]).sort()).toEqual(['a', 'a', 'a', 'b', 'b', 'c']);
    const finals = new Map<string, number>();
    for (const [w, n] of out.emitted('count')) finals.set(w as string, Math.max(finals.get(w as string) ?? 0, n as number));
    expect(Object.fromEntries(finals)).toEqual({ a: 3, b: 2, c: 1 });
  });

  it('works without ackers (trees complete at emit)', async () => {
    const out = await completeTopology(wordCount(), { mockedSources: { lines: [['x y'], ['x']] }, config: { ackers: 0 } });
    expect(out.emitted('split')).toHaveLength(3);
  });

  it('names the error of a component that fails every tuple when the run does not complete', async () => {
    class Broken extends BaseBasicBolt {
      declareOutputFields(): void {}
      execute(t: Tuple): void {
        t.getStringByField('text'); // the spout's field is "line"
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('lines', new FixedTupleSpout([], ['line']));
    b.setBolt('split', new Broken()).shuffleGrouping('lines');
    const err = await completeTopology(b.build({ name: 'broken' }), { mockedSources: { lines: [['a']] }, timeoutMs: 500 })
      .then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/did not complete within 500 ms .*; last error, from split task \d+: .*no field "text"; fields are \[line\]/);
  });
});
