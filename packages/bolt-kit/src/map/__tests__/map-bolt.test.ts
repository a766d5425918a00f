import {
  BaseBasicBolt, FailedException, FixedTupleSpout, LocalCluster, TopologyBuilder, completeTopology, type BasicBolt,
  type Topology, type Tuple, type Values,
} from '@gale/runtime';
import { FlatMapBolt, MapBolt } from '@gale/bolt-kit';

/** src (fixed tuples of [n]) -> bolt -> optional downstream. */
function pipeline(bolt: BasicBolt, tuples: Values[], downstream?: BasicBolt, parallelism = 1): Topology {
  const b = new TopologyBuilder();
  b.setSpout('src', new FixedTupleSpout(tuples, ['n']));
  b.setBolt('bolt', bolt, parallelism).shuffleGrouping('src');
  if (downstream !== undefined) b.setBolt('down', downstream).shuffleGrouping('bolt');
  return b.build({ name: 'kit' });
}

const nums = (k: number): Values[] => Array.from({ length: k }, (_, i) => [i]);
const sortNum = (vs: Values[]): Values[] => [...vs].sort((a, b) => (a[0] as number) - (b[0] as number));

/** Fails each distinct first value once, then passes. */
function failFirst(): BasicBolt {
  const seen = new Set<unknown>();
  return new (class extends BaseBasicBolt {
    declareOutputFields(): void {}
    execute(t: Tuple): void {
      if (!seen.has(t.getValue(0))) {
        seen.add(t.getValue(0));
        throw new FailedException();
      }
    }
  })();
}

describe('MapBolt', () => {
  it('emits fn(tuple) for every input', async () => {
    const out = await completeTopology(pipeline(new MapBolt({ fields: ['n', 'double'], fn: (t) => [t.getValue(0), (t.getValue(0) as number) * 2] }), nums(10), undefined, 3));
    expect(sortNum(out.emitted('bolt'))).toEqual(nums(10).map(([n]) => [n, (n as number) * 2]));
  });

  it('supports an async fn', async () => {
    const fn = async (t: Tuple): Promise<Values> => {
      await new Promise((r) => setImmediate(r));
      return [`#${String(t.getValue(0))}`];
    };
    const out = await completeTopology(pipeline(new MapBolt({ fields: ['s'], fn }), nums(5)));
    expect(out.emitted('bolt').map((v) => v[0]).sort()).toEqual(['#0', '#1', '#2', '#3', '#4']);
  });

  it('anchors its emit: a downstream failure replays the source tuple', async () => {
    let calls = 0;
    const map = new MapBolt({ fields: ['n'], fn: (t) => (calls++, [t.getValue(0)]) });
    const out = await completeTopology(pipeline(map, nums(10), failFirst()));
    expect(calls).toBe(20);
    expect(out.emitted('src')).toHaveLength(20);
  });

  it('fails the input when fn throws or rejects, and reports non-FailedException errors', async () => {
    let attempts = 0;
    const cluster = new LocalCluster();
    try {
      const fn = async (t: Tuple): Promise<Values> => {
        if (attempts++ === 0) throw new Error('boom');
        return [t.getValue(0)];
      };
      const t = await cluster.submit(pipeline(new MapBolt({ fields: ['n'], fn }), nums(1)));
      expect(await t.waitUntilDone(10_000)).toBe(true);
      expect(attempts).toBe(2);
      expect(t.errors('bolt').map((e) => e.message)).toEqual(['boom']);
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('ignores tick tuples', async () => {
    const seen: string[] = [];
    const map = new MapBolt({ fields: ['n'], fn: (t) => (seen.push(t.sourceComponent), [t.getValue(0)]) });
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(pipeline(map, nums(3)), { config: { tickFrequencySecs: 0.01 } });
      // Wait for a few ticks to have been delivered.
      expect(await t.waitUntil(() => { const s = t.stats().find((c) => c.component === 'bolt'); return (s?.ticks ?? 0) >= 3 && (s?.executed ?? 0) >= 3; }, 10_000)).toBe(true);
    } finally {
      await cluster.shutdown(0);
    }
    expect(seen).toEqual(['src', 'src', 'src']);
  });

  it('rejects a missing fn', () => {
    expect(() => new MapBolt({ fields: ['x'] } as unknown as ConstructorParameters<typeof MapBolt>[0])).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
  });
});

describe('FlatMapBolt', () => {
  const repeat = (t: Tuple): Values[] => Array.from({ length: t.getValue(0) as number }, (_, i) => [t.getValue(0), i]);

  it('emits every tuple of an array result (zero or more per input)', async () => {
    const out = await completeTopology(pipeline(new FlatMapBolt({ fields: ['n', 'i'], fn: repeat }), nums(4)));
    expect(out.emitted('bolt').length).toBe(0 + 1 + 2 + 3);
  });

  it('accepts generators, promises and async iterables', async () => {
    const fns = [
      function* gen(t: Tuple): Iterable<Values> {
        yield* repeat(t);
      },
      async (t: Tuple): Promise<Iterable<Values>> => repeat(t),
      async function* agen(t: Tuple): AsyncIterable<Values> {
        for (const v of repeat(t)) {
          await Promise.resolve();
          yield v;
        }
      },
    ];
    for (const fn of fns) {
      const out = await completeTopology(pipeline(new FlatMapBolt({ fields: ['n', 'i'], fn }), nums(4)));
      expect(out.emitted('bolt').map((v) => `${String(v[0])}.${String(v[1])}`).sort()).toEqual(['1.0', '2.0', '2.1', '3.0', '3.1', '3.2']);
    }
  });

  it('anchors every emit: a downstream failure replays the source tuple', async () => {
    let calls = 0;
    const fm = new FlatMapBolt({ fields: ['v'], fn: (t) => (calls++, [[`${String(t.getValue(0))}a`], [`${String(t.getValue(0))}b`]]) });
    const out = await completeTopology(pipeline(fm, nums(5), failFirst()));
    // Each source tuple is replayed once per failed child: 2 children each fail once.
    expect(out.emitted('src').length).toBeGreaterThan(5);
    expect(calls).toBe(out.emitted('src').length);
  });

  it('reports a result that is not iterable', async () => {
    const cluster = new LocalCluster();
    try {
      let first = true;
      const fm = new FlatMapBolt({ fields: ['v'], fn: () => (first ? ((first = false), 42 as unknown as Values[]) : []) });
      const t = await cluster.submit(pipeline(fm, nums(1)));
      expect(await t.waitUntilDone(10_000)).toBe(true);
      expect(t.errors('bolt')[0]!.message).toMatch(/not an iterable/);
    } finally {
      await cluster.shutdown(0);
    }
  });
});
