import { LineCounter, isMap, isScalar, parseDocument, type Node } from 'yaml';
import type { ComponentDef, GroupingDef, ModuleRef, ShellRef, StreamDef, TopologySpec } from '../../api/topology-spec.js';
import { TopologyError } from '../../errors.js';
import { didYouMean } from '../did-you-mean.js';
import { isConfigJson, type ConfigJson } from '../storm-config.js';
import { substitute, type SubstitutionSource } from './substitute.js';
import { YamlCursor, describeNode } from './yaml-cursor.js';

/**
 * Parses and validates a YAML topology (docs/yaml.md) into a {@link TopologySpec}. Pure: the
 * caller reads the file and loads the modules. Every mistake is a TopologyError whose message
 * starts with `file:line:col`.
 */

export interface ParseYamlOptions extends SubstitutionSource {
  /** The file as the user typed it (messages). */
  readonly file: string;
  /** Absolute directory of the file: the default working directory of shell components. */
  readonly dir: string;
}

/** A module the spec imports, with where it was named (for "module not found"). */
export interface ModuleSite {
  readonly module: string;
  readonly at: string;
}

export interface ParsedYamlTopology {
  readonly spec: TopologySpec;
  readonly modules: readonly ModuleSite[];
}

const TOP_KEYS = ['name', 'config', 'spouts', 'bolts', 'streams'];
const FLUX_TOP_HINTS: Record<string, string> = {
  components: 'gale YAML has no shared "components" section; give each spout or bolt its args (docs/yaml.md)',
  includes: 'gale YAML has no includes; use ${param} substitution with --set (docs/yaml.md)',
  topologySource: 'a YAML topology declares its spouts and bolts; for a TS topology run the .ts file',
};
const SPOUT_OPTIONS = ['parallelism', 'numTasks', 'maxSpoutPending', 'maxRetries'];
const BOLT_OPTIONS = ['parallelism', 'numTasks', 'tickFrequencySecs', 'maxConcurrency'];
const MODULE_KEYS = ['module', 'export', 'args'];
const SHELL_KEYS = ['shell', 'fields', 'streams'];
const FLUX_COMPONENT_HINTS: Record<string, string> = {
  className: 'gale YAML names a JS/TS module and its export: "module: ./bolts.ts" and "export: SplitBolt"',
  constructorArgs: 'use "args" (a list of constructor arguments)',
  configMethods: 'gale YAML has no config methods; pass options in "args"',
  properties: 'gale YAML has no properties; pass options in "args"',
};
const GROUPINGS: Record<string, GroupingDef['type']> = {
  shuffle: 'shuffle', localorshuffle: 'localOrShuffle', none: 'none', all: 'all', global: 'global', direct: 'direct',
  fields: 'fields', partialkey: 'partialKey', custom: 'custom',
};
const GROUPING_NAMES = ['shuffle', 'localOrShuffle', 'none', 'all', 'global', 'direct', 'fields', 'partialKey', 'custom'];

export function parseYamlTopology(text: string, opts: ParseYamlOptions): ParsedYamlTopology {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const c = new YamlCursor(opts.file, lines);
  const bad = doc.errors[0];
  if (bad !== undefined) {
    const first = bad.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw new TopologyError('GALE_ERR_YAML_SYNTAX', `${c.atOffset(bad.pos[0])}: YAML ${bad.code === 'BAD_INDENT' || bad.code === 'TAB_AS_INDENT' ? 'indentation' : 'syntax'} error: ${first}`);
  }
  if (doc.contents === null) throw new TopologyError('GALE_ERR_YAML_SCHEMA', `${opts.file}: the file is empty; a YAML topology needs name, spouts, bolts and streams (docs/yaml.md)`);
  substitute(doc, c, opts);
  const top = c.map(doc.contents, 'the topology', TOP_KEYS, FLUX_TOP_HINTS);
  const nameNode = top.get('name')?.value;
  if (nameNode === undefined) c.fail(doc.contents, 'GALE_ERR_YAML_SCHEMA', 'the topology needs a "name"');
  const name = c.str(nameNode, '"name"');
  const modules: ModuleSite[] = [];
  const components: ComponentDef[] = [];
  const ids = new Map<string, Node>();
  for (const kind of ['spout', 'bolt'] as const) {
    const listNode = top.get(`${kind}s`)?.value;
    if (listNode === undefined || listNode === null) {
      if (kind === 'spout') c.fail(doc.contents, 'GALE_ERR_YAML_SCHEMA', 'the topology needs "spouts" (a list of at least one spout)');
      continue;
    }
    for (const item of c.seq(listNode, `"${kind}s"`)) {
      const def = component(c, item, kind, opts, modules);
      const first = ids.get(def.id);
      if (first !== undefined) c.fail(item, 'GALE_ERR_YAML_DUPLICATE_ID', `component id "${def.id}" is declared twice (first at ${c.at(first)})`);
      ids.set(def.id, item);
      components.push(def);
    }
  }
  if (!components.some((x) => x.kind === 'spout')) c.fail(top.get('spouts')?.value, 'GALE_ERR_YAML_SCHEMA', '"spouts" must list at least one spout');
  const streamsNode = top.get('streams')?.value;
  const streams = streamsNode === undefined || streamsNode === null ? [] : c.seq(streamsNode, '"streams"').map((s) => stream(c, s, components, modules));
  for (const b of components) {
    if (b.kind === 'bolt' && !streams.some((s) => s.to === b.id)) {
      c.fail(ids.get(b.id), 'GALE_ERR_YAML_NO_INPUTS', `bolt "${b.id}" receives nothing: add a stream with "to: ${b.id}"`);
    }
  }
  const config = configOf(c, top.get('config')?.value);
  return { spec: { name, at: c.at(nameNode), config, components, streams }, modules };
}

function configOf(c: YamlCursor, node: Node | null | undefined): Record<string, unknown> {
  if (node === undefined || node === null) return {};
  const out: Record<string, unknown> = {};
  for (const [key, pair] of c.map(node, '"config"', [])) {
    const v = (pair.value as Node | null)?.toJSON() as unknown;
    if (!isConfigJson(v)) c.fail(pair.value, 'GALE_ERR_YAML_SCHEMA', `config "${key}" must be plain data`);
    out[key] = v;
  }
  return out;
}

function component(c: YamlCursor, node: Node, kind: 'spout' | 'bolt', opts: ParseYamlOptions, modules: ModuleSite[]): ComponentDef {
  const options = kind === 'spout' ? SPOUT_OPTIONS : BOLT_OPTIONS;
  const entries = c.map(node, `a ${kind}`, ['id', ...MODULE_KEYS, ...SHELL_KEYS, ...options], FLUX_COMPONENT_HINTS);
  const idNode = entries.get('id')?.value;
  if (idNode === undefined) c.fail(node, 'GALE_ERR_YAML_SCHEMA', `a ${kind} needs an "id"`);
  const id = c.str(idNode, `${kind} "id"`);
  const what = `${kind} "${id}"`;
  const at = c.at(node);
  const isShell = entries.has('shell');
  if (isShell && entries.has('module')) c.fail(entries.get('module')!.key, 'GALE_ERR_YAML_SCHEMA', `${what} has both "shell" and "module"; a component is one or the other`);
  if (!isShell && !entries.has('module')) c.fail(node, 'GALE_ERR_YAML_SCHEMA', `${what} needs "module" (a JS/TS module and its "export") or "shell" (a multilang command)`);
  for (const k of isShell ? ['export', 'args'] : ['fields', 'streams']) {
    if (entries.has(k)) c.fail(entries.get(k)!.key, 'GALE_ERR_YAML_SCHEMA', `"${k}" belongs to ${isShell ? 'module' : 'shell'} components; ${what} is a ${isShell ? 'shell' : 'module'} component`);
  }
  const source: ComponentDef['source'] = isShell
    ? { type: 'shell', ...shellRef(c, entries, what, opts.dir) }
    : { type: 'module', ...moduleRef(c, entries, what, modules) };
  const o: Record<string, number | null> = {};
  for (const k of options) {
    const v = entries.get(k)?.value;
    if (v === undefined) continue;
    if (k === 'tickFrequencySecs') o[k] = c.num(v, `${what} ${k}`, 0);
    else if (k === 'maxRetries' && isScalar(v) && v.value === null) o[k] = null;
    else o[k] = c.int(v, `${what} ${k}`, k === 'maxRetries' ? 0 : 1);
  }
  return { id, kind, at, source, options: o };
}

function moduleRef(c: YamlCursor, entries: Map<string, { key: Node; value: Node | null }>, what: string, modules: ModuleSite[]): ModuleRef {
  const modNode = entries.get('module')!.value;
  const module = c.str(modNode, `${what} "module"`);
  modules.push({ module, at: c.at(modNode) });
  const exportNode = entries.get('export')?.value;
  const exportName = exportNode === undefined ? 'default' : c.str(exportNode, `${what} "export"`);
  const argsNode = entries.get('args')?.value;
  let args: ConfigJson[] = [];
  if (argsNode !== undefined && argsNode !== null) {
    args = c.seq(argsNode, `${what} "args" (constructor arguments)`).map((n) => {
      const v = n.toJSON() as unknown;
      if (!isConfigJson(v)) c.fail(n, 'GALE_ERR_YAML_SCHEMA', `${what}: constructor arguments must be plain data`);
      return v;
    });
  }
  return { module, export: exportName, args };
}

function shellRef(c: YamlCursor, entries: Map<string, { key: Node; value: Node | null }>, what: string, dir: string): ShellRef {
  const sh = c.map(entries.get('shell')!.value, `${what} "shell"`, ['command', 'args', 'cwd', 'env']);
  const cmdNode = sh.get('command')?.value;
  if (cmdNode === undefined) c.fail(entries.get('shell')!.value, 'GALE_ERR_YAML_SCHEMA', `${what} "shell" needs a "command" (e.g. python3)`);
  const command = c.str(cmdNode, `${what} shell "command"`);
  const argsNode = sh.get('args')?.value;
  const args = argsNode === undefined || argsNode === null ? [] : c.seq(argsNode, `${what} shell "args"`).map((n, i) => scalarText(c, n, `${what} shell args[${i}]`));
  const cwdNode = sh.get('cwd')?.value;
  const cwdText = cwdNode === undefined ? '.' : c.str(cwdNode, `${what} shell "cwd"`);
  const cwd = resolvePath(dir, cwdText);
  const env: Record<string, string> = {};
  const envNode = sh.get('env')?.value;
  if (envNode !== undefined && envNode !== null) {
    for (const [k, pair] of c.map(envNode, `${what} shell "env"`, [])) env[k] = scalarText(c, pair.value, `${what} shell env ${k}`);
  }
  const fieldsNode = entries.get('fields')?.value;
  const streamsNode = entries.get('streams')?.value;
  if ((fieldsNode === undefined) === (streamsNode === undefined)) {
    c.fail(entries.get('shell')!.key, 'GALE_ERR_YAML_SCHEMA', `${what} must declare its output with exactly one of "fields" (the default stream) or "streams" (by stream id)`);
  }
  const streams: Record<string, { fields: string[]; direct: boolean }> = {};
  if (fieldsNode !== undefined) {
    streams.default = { fields: fieldsNode === null ? [] : c.strList(fieldsNode, `${what} "fields"`), direct: false };
  } else {
    for (const [id, pair] of c.map(streamsNode, `${what} "streams"`, [])) {
      const v = pair.value;
      if (isMap(v)) {
        const s = c.map(v, `${what} stream "${id}"`, ['fields', 'direct']);
        const f = s.get('fields')?.value;
        const direct = s.has('direct') ? c.bool(s.get('direct')!.value, `${what} stream "${id}" direct`) : false;
        streams[id] = { fields: f === undefined || f === null ? [] : c.strList(f, `${what} stream "${id}" fields`), direct };
      } else {
        // A list (or one name) is the stream's fields.
        streams[id] = { fields: v === null ? [] : c.strList(v, `${what} stream "${id}" fields`), direct: false };
      }
    }
  }
  return { command, args, cwd, env, streams };
}

function scalarText(c: YamlCursor, n: Node | null, what: string): string {
  const v = isScalar(n) ? n.value : undefined;
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') c.fail(n, 'GALE_ERR_YAML_SCHEMA', `${what} must be text, got ${describeNode(n)}`);
  return String(v);
}

/** `path.resolve(dir, rel)` for POSIX paths, without node:path (this layer is pure). */
function resolvePath(dir: string, rel: string): string {
  const out: string[] = [];
  for (const part of `${rel.startsWith('/') ? '' : dir}/${rel}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

function stream(c: YamlCursor, node: Node, components: readonly ComponentDef[], modules: ModuleSite[]): StreamDef {
  const e = c.map(node, 'a stream', ['name', 'from', 'to', 'stream', 'grouping']);
  const ids = components.map((x) => x.id);
  const ref = (key: 'from' | 'to'): string => {
    const n = e.get(key)?.value;
    if (n === undefined) c.fail(node, 'GALE_ERR_YAML_SCHEMA', `a stream needs "${key}" (a component id)`);
    const id = c.str(n, `stream "${key}"`);
    const comp = components.find((x) => x.id === id);
    if (comp === undefined) c.fail(n, 'GALE_ERR_YAML_UNKNOWN_COMPONENT', `unknown component "${id}"${didYouMean(id, ids)}; declared: ${ids.join(', ')}`);
    if (key === 'to' && comp.kind === 'spout') c.fail(n, 'GALE_ERR_YAML_SCHEMA', `stream "to: ${id}" names a spout; streams flow into bolts`);
    return id;
  };
  const from = ref('from');
  const to = ref('to');
  const gNode = e.get('grouping')?.value;
  if (gNode === undefined) c.fail(node, 'GALE_ERR_YAML_GROUPING', `the stream ${from} -> ${to} needs a "grouping" (${GROUPING_NAMES.join(', ')})`);
  let streamId = e.has('stream') ? c.str(e.get('stream')!.value, 'stream "stream"') : undefined;
  let grouping: GroupingDef;
  if (isScalar(gNode)) {
    grouping = groupingOf(c, gNode, c.str(gNode, 'grouping'), undefined, modules);
  } else {
    const g = c.map(gNode, 'a grouping', ['type', 'fields', 'args', 'stream', 'streamId', 'module', 'export']);
    const typeNode = g.get('type')?.value;
    if (typeNode === undefined) c.fail(gNode, 'GALE_ERR_YAML_GROUPING', `a grouping needs a "type" (${GROUPING_NAMES.join(', ')})`);
    const sid = g.get('stream')?.value ?? g.get('streamId')?.value;
    if (sid !== undefined) {
      if (streamId !== undefined) c.fail(sid, 'GALE_ERR_YAML_SCHEMA', 'the stream id is given twice (on the stream and in its grouping)');
      streamId = c.str(sid, 'grouping stream');
    }
    grouping = groupingOf(c, typeNode!, c.str(typeNode, 'grouping "type"'), g, modules);
  }
  return { from, to, stream: streamId, grouping, at: c.at(node) };
}

function groupingOf(
  c: YamlCursor, typeNode: Node, text: string, g: Map<string, { key: Node; value: Node | null }> | undefined, modules: ModuleSite[],
): GroupingDef {
  // Flux writes FIELDS, LOCAL_OR_SHUFFLE; gale writes fields, localOrShuffle: both are accepted.
  const type = GROUPINGS[text.replace(/[_-]/g, '').toLowerCase()];
  if (type === undefined) c.fail(typeNode, 'GALE_ERR_YAML_GROUPING', `unknown grouping "${text}"${didYouMean(text, GROUPING_NAMES)}; groupings: ${GROUPING_NAMES.join(', ')}`);
  if (type === 'custom') {
    if (g === undefined || !g.has('module')) c.fail(typeNode, 'GALE_ERR_YAML_GROUPING', 'a custom grouping needs "module" and "export" (an object with chooseTasks)');
    if (g.has('fields')) c.fail(g.get('fields')!.key, 'GALE_ERR_YAML_GROUPING', 'a custom grouping takes "args" (constructor arguments), not "fields"');
    return { type, ...moduleRef(c, g, 'custom grouping', modules) };
  }
  const fieldsNode = g?.get('fields')?.value ?? g?.get('args')?.value;
  if (type === 'fields' || type === 'partialKey') {
    if (fieldsNode === undefined || fieldsNode === null) c.fail(typeNode, 'GALE_ERR_YAML_GROUPING', `a ${type} grouping needs "fields" (the field names to group by)`);
    return { type, fields: c.strList(fieldsNode, `${type} grouping "fields"`) };
  }
  if (fieldsNode !== undefined) c.fail(fieldsNode, 'GALE_ERR_YAML_GROUPING', `a ${type} grouping takes no fields`);
  for (const k of ['module', 'export']) if (g?.has(k)) c.fail(g.get(k)!.key, 'GALE_ERR_YAML_GROUPING', `"${k}" belongs to custom groupings`);
  return { type };
}
