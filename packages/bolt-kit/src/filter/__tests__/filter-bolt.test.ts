import { FixedTupleSpout, TopologyBuilder, completeTopology, type Tuple, type Values } from '@gale/runtime';
import { FilterBolt } from '@gale/bolt-kit';

function run(filter: FilterBolt, tuples: Values[]) {
  const b = new TopologyBuilder();
  b.setSpout('src', new FixedTupleSpout(tuples, ['n', 'name']));
  b.setBolt('filter', filter, 2).shuffleGrouping('src');
  return completeTopology(b.build({ name: 'filter' }));
}

const input: Values[] = Array.from({ length: 20 }, (_, i) => [i, `item-${i}`]);
const even = (t: Tuple): boolean => (t.getValue(0) as number) % 2 === 0;
const sortNum = (vs: Values[]): Values[] => [...vs].sort((a, b) => (a[0] as number) - (b[0] as number));

describe('FilterBolt', () => {
  it('passes the values of matching tuples through unchanged', async () => {
    const out = await run(new FilterBolt({ fields: ['n', 'name'], predicate: even }), input);
    expect(sortNum(out.emitted('filter'))).toEqual(input.filter((v) => (v[0] as number) % 2 === 0));
  });

  it('supports an async predicate', async () => {
    const out = await run(new FilterBolt({ fields: ['n', 'name'], predicate: async (t) => !even(t) }), input);
    expect(sortNum(out.emitted('filter'))).toEqual(input.filter((v) => (v[0] as number) % 2 === 1));
  });

  it('declares the given fields', () => {
    const b = new TopologyBuilder();
    b.setSpout('src', new FixedTupleSpout([], ['n', 'name']));
    b.setBolt('filter', new FilterBolt({ fields: ['n', 'name'], predicate: even })).shuffleGrouping('src');
    expect(b.build({ name: 'f' }).components.get('filter')!.streams.get('default')!.fields.names).toEqual(['n', 'name']);
  });

  it('rejects a missing predicate', () => {
    expect(() => new FilterBolt({ fields: ['n'] } as unknown as ConstructorParameters<typeof FilterBolt>[0]))
      .toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
  });
});
