import {
  BaseBasicBolt, ConfigError, FixedTupleSpout, TopologyBuilder, TopologyError, parseTopologyConfig, coerceConfigString,
  type OutputFieldsDeclarer,
} from '@gale/runtime';

class Pass extends BaseBasicBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['v']);
  }
  execute(): void {}
}

const spout = () => new FixedTupleSpout([], ['v']);

function expectTopologyError(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TopologyError);
    expect((err as TopologyError).code).toBe(code);
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected a TopologyError');
}

describe('topology validation', () => {
  it('rejects duplicate component ids', () => {
    const b = new TopologyBuilder();
    b.setSpout('a', spout());
    expectTopologyError(() => b.setBolt('a', new Pass()), 'GALE_ERR_DUPLICATE_ID', /component id "a" is declared twice/);
  });

  it('rejects dangling inputs with a suggestion', () => {
    const b = new TopologyBuilder();
    b.setSpout('lines', spout());
    b.setBolt('split', new Pass()).shuffleGrouping('line');
    expectTopologyError(() => b.build({ name: 't' }), 'GALE_ERR_DANGLING_INPUT', /subscribes to "line", which is not declared \(did you mean "lines"\?\)/);
  });

  it('rejects unknown streams and fields', () => {
    const b = new TopologyBuilder();
    b.setSpout('s', spout());
    b.setBolt('x', new Pass()).shuffleGrouping('s', 'other');
    expectTopologyError(() => b.build({ name: 't' }), 'GALE_ERR_UNKNOWN_STREAM', /stream "other" of "s", which declares only \[default\]/);
    const c = new TopologyBuilder();
    c.setSpout('s', spout());
    c.setBolt('x', new Pass()).fieldsGrouping('s', ['word']);
    expectTopologyError(() => c.build({ name: 't' }), 'GALE_ERR_UNKNOWN_FIELD', /by field "word", which is not one of \[v\]/);
  });

  it('rejects cycles and names the path', () => {
    const b = new TopologyBuilder();
    b.setSpout('s', spout());
    b.setBolt('a', new Pass()).shuffleGrouping('s').shuffleGrouping('c');
    b.setBolt('b', new Pass()).shuffleGrouping('a');
    b.setBolt('c', new Pass()).shuffleGrouping('b');
    expectTopologyError(() => b.build({ name: 't' }), 'GALE_ERR_CYCLE', /cycle: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/);
  });

  it('rejects bad parallelism, missing spouts, bolts without inputs, reserved stream names, direct mismatches', () => {
    const b = new TopologyBuilder();
    expectTopologyError(() => b.setSpout('s', spout(), 0), 'GALE_ERR_BAD_PARALLELISM', /parallelism must be an integer >= 1, got 0/);
    expectTopologyError(() => b.setSpout('s2', spout(), { parallelism: 3, numTasks: 2 }), 'GALE_ERR_BAD_PARALLELISM', /numTasks \(2\) must be >= parallelism \(3\)/);
    const n = new TopologyBuilder();
    n.setBolt('x', new Pass());
    expectTopologyError(() => n.build({ name: 't' }), 'GALE_ERR_NO_SPOUT', /has no spout/);
    const i = new TopologyBuilder();
    i.setSpout('s', spout());
    i.setBolt('x', new Pass());
    expectTopologyError(() => i.build({ name: 't' }), 'GALE_ERR_NO_INPUTS', /bolt "x" subscribes to nothing/);
    const d = new TopologyBuilder();
    d.setSpout('s', spout());
    d.setBolt('x', new Pass()).directGrouping('s');
    expectTopologyError(() => d.build({ name: 't' }), 'GALE_ERR_DIRECT_MISMATCH', /not declared direct/);
    class Reserved extends BaseBasicBolt {
      declareOutputFields(dd: OutputFieldsDeclarer): void {
        dd.declareStream('__ack', ['x']);
      }
      execute(): void {}
    }
    const r = new TopologyBuilder();
    r.setSpout('s', spout());
    r.setBolt('x', new Reserved()).shuffleGrouping('s');
    expectTopologyError(() => r.build({ name: 't' }), 'GALE_ERR_BAD_STREAM', /must not start with "__"/);
    expectTopologyError(() => new TopologyBuilder().setSpout('bad id', spout()), 'GALE_ERR_BAD_ID', /spout id "bad id" is not valid/);
  });

  it('accepts instances, factories and classes, giving each task its own copy', () => {
    const b = new TopologyBuilder();
    b.setSpout('s', spout());
    b.setBolt('inst', new Pass(), 2).shuffleGrouping('s');
    b.setBolt('fact', () => new Pass()).shuffleGrouping('s');
    b.setBolt('cls', Pass).shuffleGrouping('s');
    const t = b.build({ name: 'ok', workers: 2 });
    expect([...t.components.keys()]).toEqual(['s', 'cls', 'fact', 'inst']);
    const inst = t.components.get('inst')!;
    expect(inst.kind === 'bolt' && inst.create() !== inst.create()).toBe(true);
    expect(t.config.workers).toBe(2);
  });
});

describe('config validation', () => {
  it('applies defaults and rejects unknown keys with a suggestion', () => {
    expect(parseTopologyConfig({}).messageTimeoutMs).toBe(30_000);
    expect(() => parseTopologyConfig({ messageTimeoutMS: 5 })).toThrow(/unknown config key "messageTimeoutMS" \(did you mean "messageTimeoutMs"\?\)/);
    expect(() => parseTopologyConfig({ messageTimeoutMS: 5 })).toThrow(ConfigError);
  });

  it('rejects wrong types and ranges naming the key and the expected type', () => {
    expect(() => parseTopologyConfig({ ackers: -1 })).toThrow('config key "ackers" must be an integer >= 0 or null, got -1');
    expect(() => parseTopologyConfig({ maxSpoutPending: '10' })).toThrow(/"maxSpoutPending" must be an integer >= 1 or null, got "10"/);
    expect(() => new TopologyBuilder().build({ name: 'x', config: { queueCapacity: 1.5 } })).toThrow(/queueCapacity" in topology "x" must be an integer/);
  });

  it('bounds timer and capacity keys (Node timers fire at once past 2^31-1 ms)', () => {
    expect(() => parseTopologyConfig({ queueCapacity: 2 ** 25 })).toThrow('config key "queueCapacity" must be an integer from 1 to 16777216, got 33554432');
    expect(() => parseTopologyConfig({ messageTimeoutMs: 1e10 })).toThrow(/"messageTimeoutMs" must be an integer from 1 to 2147483647/);
    expect(parseTopologyConfig({ drainTimeoutMs: 2 ** 31 - 1 }).drainTimeoutMs).toBe(2 ** 31 - 1);
  });

  it('coerces --set text by the key type', () => {
    expect(coerceConfigString('maxSpoutPending', '1_000')).toBe(1000);
    expect(coerceConfigString('maxSpoutPending', 'null')).toBeNull();
    expect(() => coerceConfigString('ackers', 'many')).toThrow(/--set ackers=many: "ackers" must be an integer >= 0 or null/);
  });
});
