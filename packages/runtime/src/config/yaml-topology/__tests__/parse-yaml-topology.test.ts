import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ParamSet } from '../../../api/params.js';
import { parseYamlTopology } from '../parse-yaml-topology.js';

const GOOD = `name: wc
config:
  topology.workers: 2
spouts:
  - id: lines
    module: ./spouts.ts
    export: LineSpout
    args: [{ path: "\${input}" }]
bolts:
  - id: split
    module: ./bolts.ts
    export: Split
    parallelism: \${p:-2}
  - id: count
    shell:
      command: python3
      args: [count.py, "--n", 3]
      env: { MODE: fast }
    streams:
      default: [word, n]
      errors: { fields: msg, direct: true }
streams:
  - from: lines
    to: split
    grouping: SHUFFLE
  - name: "split --> count"
    from: split
    to: count
    grouping: { type: FIELDS, args: [word], streamId: default }
`;

function parse(text: string, params: Record<string, string> = {}, env: Record<string, string> = {}): ReturnType<typeof parseYamlTopology> {
  return parseYamlTopology(text, { file: 't.yaml', dir: '/top', params: new ParamSet(params), env });
}

/** The message of what `fn` throws, checking it is a YAML error (TopologyError, code GALE_ERR_YAML_*). */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect((err as { name: string; code: string }).name).toBe('TopologyError');
    expect((err as { code: string }).code).toMatch(/^GALE_ERR_YAML_/);
    return (err as Error).message;
  }
  throw new Error('did not throw');
}

describe('YAML topology schema', () => {
  it('parses components, Flux-style groupings, shell components and substitutions', () => {
    const { spec, modules } = parse(GOOD, { input: '/data/in.txt' });
    expect(spec.name).toBe('wc');
    expect(spec.config).toEqual({ 'topology.workers': 2 });
    expect(spec.components.map((c) => [c.id, c.kind, c.at])).toEqual([['lines', 'spout', 't.yaml:5:5'], ['split', 'bolt', 't.yaml:10:5'], ['count', 'bolt', 't.yaml:14:5']]);
    expect(spec.components[0]!.source).toEqual({ type: 'module', module: './spouts.ts', export: 'LineSpout', args: [{ path: '/data/in.txt' }] });
    expect(spec.components[1]!.options).toEqual({ parallelism: 2 });
    expect(spec.components[2]!.source).toEqual({
      type: 'shell', command: 'python3', args: ['count.py', '--n', '3'], cwd: '/top', env: { MODE: 'fast' },
      streams: { default: { fields: ['word', 'n'], direct: false }, errors: { fields: ['msg'], direct: true } },
    });
    expect(spec.streams).toEqual([
      { from: 'lines', to: 'split', stream: undefined, grouping: { type: 'shuffle' }, at: 't.yaml:23:5' },
      { from: 'split', to: 'count', stream: 'default', grouping: { type: 'fields', fields: ['word'] }, at: 't.yaml:26:5' },
    ]);
    expect(modules).toEqual([{ module: './spouts.ts', at: 't.yaml:6:13' }, { module: './bolts.ts', at: 't.yaml:11:13' }]);
  });

  it('types a value that is one unquoted ${...}, keeps quoted ones text, and reads the environment', () => {
    const { spec } = parse(GOOD.replace('${p:-2}', '${p}'), { input: 'x', p: '4' });
    expect(spec.components[1]!.options).toEqual({ parallelism: 4 });
    expect(parse(GOOD, { input: '42' }).spec.components[0]!.source).toMatchObject({ args: [{ path: '42' }] });
    expect(parse(GOOD.replace('${input}', '${ENV-IN}'), {}, { IN: '/env' }).spec.components[0]!.source).toMatchObject({ args: [{ path: '/env' }] });
    expect(parse(GOOD, {}, { input: '/from-env' }).spec.components[0]!.source).toMatchObject({ args: [{ path: '/from-env' }] });
  });

  it('names every reference without a value at once, one file:line:col line each', () => {
    expect(failure(() => parse(GOOD.replace('${p:-2}', '${p}').replace('${input}', '${ENV-IN}'))).split('\n')).toEqual([
      't.yaml:8:20: ${ENV-IN}: environment variable IN is not set',
      't.yaml:13:18: ${p} is not set: give --set p=<value> (or set the environment variable p)',
    ]);
  });

  it('names file, line and column for every mistake', () => {
    expect(failure(() => parse(GOOD))).toBe('t.yaml:8:20: ${input} is not set: give --set input=<value> (or set the environment variable input)');
    const p = { input: 'x' };
    expect(failure(() => parse(GOOD.replace('grouping: SHUFFLE', 'grouping: shufle'), p)))
      .toBe('t.yaml:25:15: unknown grouping "shufle" (did you mean "shuffle"?); groupings: shuffle, localOrShuffle, none, all, global, direct, fields, partialKey, custom');
    expect(failure(() => parse(GOOD.replace('to: count', 'to: cuont'), p)))
      .toBe('t.yaml:28:9: unknown component "cuont" (did you mean "count"?); declared: lines, split, count');
    expect(failure(() => parse(GOOD.replace('    parallelism:', '    paralelism:'), p)))
      .toMatch(/^t\.yaml:13:5: unknown key "paralelism" in a bolt \(did you mean "parallelism"\?\); known keys: /);
    expect(failure(() => parse(GOOD.replace('    export: Split', '    className: Split'), p)))
      .toMatch(/^t\.yaml:12:5: unknown key "className" in a bolt; gale YAML names a JS\/TS module and its export/);
    expect(failure(() => parse(GOOD.replace('    export: LineSpout', '      export: LineSpout'), p))).toMatch(/^t\.yaml:\d+:\d+: YAML (indentation|syntax) error: /);
    expect(failure(() => parse(GOOD.replace('  - id: lines', '\t- id: lines'), p))).toMatch(/^t\.yaml:5:1: YAML indentation error: /);
    expect(failure(() => parse(GOOD.replace('streamId: default }', 'streamId: default'), p))).toMatch(/^t\.yaml:30:1: YAML (indentation|syntax) error: Flow map/);
    expect(failure(() => parse(GOOD.replace('{ type: FIELDS, args: [word], streamId: default }', '{ type: fields }'), p)))
      .toBe('t.yaml:29:23: a fields grouping needs "fields" (the field names to group by)');
    expect(failure(() => parse(GOOD.replace('to: split', 'to: lines'), p))).toBe('t.yaml:24:9: stream "to: lines" names a spout; streams flow into bolts');
    expect(failure(() => parse(GOOD.replace('  - id: split', '  - id: lines'), p))).toBe('t.yaml:10:5: component id "lines" is declared twice (first at t.yaml:5:5)');
    expect(failure(() => parse(GOOD.replace('    streams:\n      default: [word, n]\n      errors: { fields: msg, direct: true }\n', ''), p)))
      .toBe('t.yaml:15:5: bolt "count" must declare its output with exactly one of "fields" (the default stream) or "streams" (by stream id)');
    expect(failure(() => parse(GOOD.replace('      command: python3\n', ''), p))).toBe('t.yaml:16:7: bolt "count" "shell" needs a "command" (e.g. python3)');
    expect(failure(() => parse(GOOD.replace('name: wc\n', 'name: wc\nincludes: []\n'), p))).toMatch(/^t\.yaml:2:1: unknown key "includes" in the topology; gale YAML has no includes/);
    expect(failure(() => parse(`${GOOD}  - from: lines\n    to: split\n`, p))).toBe('t.yaml:30:5: the stream lines -> split needs a "grouping" (shuffle, localOrShuffle, none, all, global, direct, fields, partialKey, custom)');
    expect(failure(() => parse('', p))).toBe('t.yaml: the file is empty; a YAML topology needs name, spouts, bolts and streams (docs/yaml.md)');
    expect(failure(() => parse('- a\n- b\n', p))).toBe('t.yaml:1:1: the topology must be a mapping (key: value lines), got a list');
    expect(failure(() => parse(GOOD.replace('parallelism: ${p:-2}', 'parallelism: 0'), p))).toBe('t.yaml:13:18: bolt "split" parallelism must be an integer >= 1, got number 0');
    expect(failure(() => parse(GOOD.replace(/streams:\n {2}- from: lines[\s\S]*$/, 'streams: []\n'), p))).toBe('t.yaml:10:5: bolt "split" receives nothing: add a stream with "to: split"');
  });

  it('reads topologies/word-count-shell.yaml: a Python shell bolt between a TS spout and kit bolts', () => {
    const dir = path.resolve(__dirname, '../../../../../../topologies');
    const file = path.join(dir, 'word-count-shell.yaml');
    const { spec } = parseYamlTopology(readFileSync(file, 'utf8'), { file, dir, params: new ParamSet({ input: 'in', output: 'out' }), env: {} });
    expect(spec.components.find((c) => c.id === 'split')!.source).toEqual({
      type: 'shell', command: 'python3', args: ['split_words.py'], cwd: dir, env: {}, streams: { default: { fields: ['word'], direct: false } },
    });
    expect(parse(GOOD.replace('      env: { MODE: fast }', '      cwd: ../py/./x'), { input: 'x' }).spec.components[2]!.source).toMatchObject({ cwd: '/py/x' });
  });
});
