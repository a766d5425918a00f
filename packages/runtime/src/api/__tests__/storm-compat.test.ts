// What a Storm user writes out of habit: Storm's argument order for fields groupings (accepted,
// typed by overloads), and Storm's lifecycle signatures (refused at build with one clear error).
import {
  BaseBasicBolt, BaseRichBolt, BaseRichSpout, Fields, FixedTupleSpout, TopologyBuilder, TopologyError,
  type OutputCollector, type OutputFieldsDeclarer, type SpoutOutputCollector, type TopologyContext,
} from '@gale/runtime';

class Two extends BaseBasicBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declareStream('odd', ['n', 'm']);
  }
  execute(): void {}
}
class Sink extends BaseBasicBolt {
  declareOutputFields(): void {}
  execute(): void {}
}

const spout = () => new FixedTupleSpout([[1]], ['n']);

function expectTopologyError(fn: () => unknown, code: string, message: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(TopologyError);
  expect(caught).toMatchObject({ code, message });
}

function wired(declare: (b: TopologyBuilder) => void) {
  const b = new TopologyBuilder();
  b.setSpout('s', spout());
  b.setBolt('two', new Two()).shuffleGrouping('s');
  declare(b);
  return b.build({ name: 't' }).components.get('sink');
}

describe('Storm habits in the builder', () => {
  it('fieldsGrouping and partialKeyGrouping take Storm\'s (component, streamId, fields) as well as gale\'s (component, fields, streamId)', () => {
    const storm = wired((b) => b.setBolt('sink', new Sink()).fieldsGrouping('two', 'odd', ['n']));
    const gale = wired((b) => b.setBolt('sink', new Sink()).fieldsGrouping('two', new Fields(['n']), 'odd'));
    expect(storm?.kind === 'bolt' && storm.inputs).toEqual([{ component: 'two', stream: 'odd', grouping: { type: 'fields', fields: ['n'] } }]);
    expect(gale?.kind === 'bolt' && gale.inputs).toEqual(storm?.kind === 'bolt' && storm.inputs);
    const pk = wired((b) => b.setBolt('sink', new Sink()).partialKeyGrouping('two', 'odd', new Fields(['m'])));
    expect(pk?.kind === 'bolt' && pk.inputs).toEqual([{ component: 'two', stream: 'odd', grouping: { type: 'partialKey', fields: ['m'] } }]);
  });

  it('a grouping without a field list is one clear error, not "names.forEach is not a function"', () => {
    expectTopologyError(
      // @ts-expect-error -- the overloads refuse a string where the fields go (the compile-time half of this test)
      () => wired((b) => b.setBolt('sink', new Sink()).fieldsGrouping('two', 'odd')),
      'GALE_ERR_BAD_GROUPING',
      'bolt "sink": fieldsGrouping("two", ...): fields must be a list of field names, got the string "odd"; use fieldsGrouping(component, ["field", ...]) or, as Storm, fieldsGrouping(component, streamId, ["field", ...])',
    );
    expectTopologyError(
      // @ts-expect-error -- a number is neither order
      () => wired((b) => b.setBolt('sink', new Sink()).partialKeyGrouping('two', 5)),
      'GALE_ERR_BAD_GROUPING',
      'bolt "sink": partialKeyGrouping("two", ...): expected a list of field names, got a number; use partialKeyGrouping(component, ["field", ...]) or, as Storm, partialKeyGrouping(component, streamId, ["field", ...])',
    );
    // @ts-expect-error -- declare() wants a list too
    expect(() => new Fields('word')).toThrow('fields must be a list of field names such as ["word"], got the string "word"');
  });

  it('refuses Storm\'s open(conf, context, collector) and prepare(conf, context, collector) at build', () => {
    class StormSpout extends BaseRichSpout {
      // @ts-expect-error -- Storm's signature is not gale's (the compile-time half)
      override open(_conf: unknown, _ctx: TopologyContext, _collector: SpoutOutputCollector): void {}
      declareOutputFields(d: OutputFieldsDeclarer): void {
        d.declare(['n']);
      }
      nextTuple(): void {}
    }
    class StormBolt extends BaseRichBolt {
      // @ts-expect-error -- Storm's signature is not gale's
      override prepare(_conf: unknown, _ctx: TopologyContext, _collector: OutputCollector): void {}
      declareOutputFields(): void {}
      execute(): void {}
    }
    class StormBasic extends BaseBasicBolt {
      // @ts-expect-error -- Storm's IBasicBolt.prepare(conf, context)
      override prepare(_conf: unknown, _ctx: TopologyContext): void {}
      declareOutputFields(): void {}
      execute(): void {}
    }
    const b1 = new TopologyBuilder();
    // @ts-expect-error -- and again where it is used
    b1.setSpout('storm', new StormSpout());
    expectTopologyError(() => b1.build({ name: 't' }), 'GALE_ERR_STORM_SIGNATURE',
      'spout "storm": open() declares 3 parameters, like Storm\'s open(conf, context, collector); gale calls open(context, collector): drop the conf parameter (read config from context)');
    for (const [bolt, storm, gale] of [
      [new StormBolt(), 'prepare(conf, context, collector)', 'prepare(context, collector)'],
      [new StormBasic(), 'prepare(conf, context)', 'prepare(context)'],
    ] as const) {
      const b = new TopologyBuilder();
      b.setSpout('s', spout());
      // @ts-expect-error -- and again where it is used
      b.setBolt('bolt', bolt).shuffleGrouping('s');
      expectTopologyError(() => b.build({ name: 't' }), 'GALE_ERR_STORM_SIGNATURE',
        `bolt "bolt": prepare() declares ${storm === 'prepare(conf, context)' ? 2 : 3} parameters, like Storm's ${storm}; gale calls ${gale}: drop the conf parameter`);
    }
  });
});
