import {
  BaseBasicBolt, FixedTupleSpout, completeTopology, topologyFromSpec,
  type BasicOutputCollector, type ComponentDef, type OutputFieldsDeclarer, type ShellComponentFactory, type TopologyContext, type TopologySpec, type Tuple,
} from '@gale/runtime';

class Upper extends BaseBasicBolt {
  private suffix = '';
  constructor(private readonly opts: { suffix: string }) {
    super();
    if (typeof opts?.suffix !== 'string') throw new Error('Upper needs { suffix }');
  }
  override prepare(context: TopologyContext): void {
    super.prepare(context);
    const extra = context.config.componentConfig['test.suffix'];
    this.suffix = `${this.opts.suffix}${typeof extra === 'string' ? extra : ''}`;
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  execute(t: Tuple, c: BasicOutputCollector): void {
    c.emit([`${String(t.values[0]).toUpperCase()}${this.suffix}`]);
  }
}

const words = (): FixedTupleSpout => new FixedTupleSpout([['a'], ['b'], ['a']], ['word']);
const EVEN = { chooseTasks: (): number[] => [] };

const modules = {
  './spouts.ts': { words },
  './bolts.ts': { Upper, evenGrouping: () => EVEN, notAFunction: 3 },
};

const comp = (id: string, kind: 'spout' | 'bolt', exp: string, args: ComponentDef['source'] extends infer S ? S extends { args: infer A } ? A : never : never = [], line = 1): ComponentDef => ({
  id, kind, at: `t.yaml:${line}:5`, source: { type: 'module', module: kind === 'spout' ? './spouts.ts' : './bolts.ts', export: exp, args }, options: {},
});

const SPEC: TopologySpec = {
  name: 'spec', at: 't.yaml:1:7', config: { 'topology.max.spout.pending': 7, 'test.suffix': '!' },
  components: [comp('words', 'spout', 'words'), { ...comp('upper', 'bolt', 'Upper', [{ suffix: '?' }], 3), options: { parallelism: 2 } }],
  streams: [{ from: 'words', to: 'upper', stream: undefined, grouping: { type: 'fields', fields: ['word'] }, at: 't.yaml:9:5' }],
};

describe('topologyFromSpec', () => {
  it('builds the topology the builder would, constructing each export with its args per task', async () => {
    const t = topologyFromSpec(SPEC, modules);
    expect(t.name).toBe('spec');
    expect(t.config.maxSpoutPending).toBe(7);
    expect(t.config.componentConfig).toEqual({ 'test.suffix': '!' });
    expect([...t.components.keys()]).toEqual(['words', 'upper']);
    expect(t.components.get('upper')).toMatchObject({ parallelism: 2, inputs: [{ component: 'words', stream: 'default', grouping: { type: 'fields', fields: ['word'] } }] });
    const out = await completeTopology(t);
    expect(out.emitted('upper').map((v) => v[0]).sort()).toEqual(['A?!', 'A?!', 'B?!']);
  });

  it('builds custom groupings from their module', () => {
    const spec = { ...SPEC, streams: [{ ...SPEC.streams[0]!, grouping: { type: 'custom' as const, module: './bolts.ts', export: 'evenGrouping', args: [] } }] };
    const g = topologyFromSpec(spec, modules).components.get('upper')!.inputs[0]!.grouping;
    expect(g).toEqual({ type: 'custom', grouping: EVEN });
  });

  it('names the YAML position of a wrong export, a failing constructor and a wiring mistake', () => {
    expect(() => topologyFromSpec({ ...SPEC, components: [SPEC.components[0]!, comp('upper', 'bolt', 'Uper', [], 3)] }, modules))
      .toThrow('t.yaml:3:5: module "./bolts.ts" has no export "Uper" (did you mean "Upper"?); it exports "Upper", "evenGrouping"');
    expect(() => topologyFromSpec({ ...SPEC, components: [SPEC.components[0]!, comp('upper', 'bolt', 'notAFunction', [], 3)] }, modules))
      .toThrow('t.yaml:3:5: export "notAFunction" of "./bolts.ts" is a number, not a class or factory function');
    expect(() => topologyFromSpec({ ...SPEC, components: [SPEC.components[0]!, comp('upper', 'bolt', 'Upper', [], 3)] }, modules))
      .toThrow(/^t\.yaml:3:5: could not create bolt "upper" with Upper\(\): Upper needs \{ suffix \}$/);
    const badField = { ...SPEC, streams: [{ ...SPEC.streams[0]!, grouping: { type: 'fields' as const, fields: ['wrd'] } }] };
    expect(() => topologyFromSpec(badField, modules)).toThrow(/^t\.yaml:9:5: bolt "upper" groups "words"\/"default" by field "wrd"/);
  });

  it('makes shell components through the factory, and says what is missing without one', () => {
    const shell: ComponentDef = {
      id: 'py', kind: 'bolt', at: 't.yaml:5:5', options: {},
      source: { type: 'shell', command: 'python3', args: ['split.py'], cwd: '/x', env: {}, streams: { default: { fields: ['w'], direct: false } } },
    };
    const spec = { ...SPEC, components: [...SPEC.components, shell], streams: [...SPEC.streams, { from: 'upper', to: 'py', stream: undefined, grouping: { type: 'shuffle' as const }, at: 't.yaml:12:5' }] };
    expect(() => topologyFromSpec(spec, modules)).toThrow('t.yaml:5:5: bolt "py" is a shell component; pass { shell: shellComponentFactory } (from @gale/runtime) to topologyFromSpec to run it');
    const made: string[] = [];
    const factory: ShellComponentFactory = {
      spout: () => { throw new Error('no spouts here'); },
      bolt: (def) => {
        made.push(`${def.command} ${def.args.join(' ')} in ${def.cwd}: ${[...def.streams].map(([id, s]) => `${id}=${s.fields.names.join(',')}`).join(' ')}`);
        return new (class extends BaseBasicBolt {
          declareOutputFields(d: OutputFieldsDeclarer): void { for (const [id, s] of def.streams) d.declareStream(id, s.fields, s.direct); }
          execute(): void {}
        })();
      },
    };
    const t = topologyFromSpec(spec, modules, { shell: factory });
    expect(t.components.get('py')!.streams.get('default')!.fields.names).toEqual(['w']);
    expect(made[0]).toBe('python3 split.py in /x: default=w');
  });
});
