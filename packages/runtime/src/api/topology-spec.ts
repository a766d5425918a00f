import { TopologyError, isGaleError } from '../errors.js';
import { didYouMean } from '../config/did-you-mean.js';
import type { ConfigJson } from '../config/storm-config.js';
import { TopologyBuilder, type BoltDeclarer } from './builder.js';
import type { BoltOptions, SpoutOptions, Topology } from './builder-types.js';
import { Fields } from './fields.js';
import { type ShellComponentDef, type ShellComponentFactory, type ShellStreamDef } from './shell-factory.js';
import type { BasicBolt, Bolt, CustomGrouping, Spout } from './types.js';

/**
 * A topology as data: what a YAML topology file becomes once parsed, validated and its `${...}`
 * substituted. {@link topologyFromSpec} turns it, plus the modules it names, into the same
 * {@link Topology} the builder produces. Every part carries `at` (`file:line:col`), so mistakes
 * only found when the modules are loaded still point into the YAML file.
 */

/** A JS/TS export to construct: `new Export(...args)` for a class, `Export(...args)` for a factory function. */
export interface ModuleRef {
  /** Module specifier as written (relative to the YAML file, or a package name). */
  readonly module: string;
  /** Export name (`default` for the default export). */
  readonly export: string;
  readonly args: readonly ConfigJson[];
}

export interface ShellRef {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly streams: Readonly<Record<string, { readonly fields: readonly string[]; readonly direct: boolean }>>;
}

export interface ComponentDef {
  readonly id: string;
  readonly kind: 'spout' | 'bolt';
  readonly at: string;
  readonly source: ({ readonly type: 'module' } & ModuleRef) | ({ readonly type: 'shell' } & ShellRef);
  readonly options: SpoutOptions & BoltOptions;
}

export type GroupingDef =
  | { readonly type: 'shuffle' | 'localOrShuffle' | 'none' | 'all' | 'global' | 'direct' }
  | { readonly type: 'fields' | 'partialKey'; readonly fields: readonly string[] }
  | ({ readonly type: 'custom' } & ModuleRef);

export interface StreamDef {
  readonly from: string;
  readonly to: string;
  readonly stream: string | undefined;
  readonly grouping: GroupingDef;
  readonly at: string;
}

export interface TopologySpec {
  readonly name: string;
  /** `file:line:col` of the name (the file for messages about the whole topology). */
  readonly at: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly components: readonly ComponentDef[];
  readonly streams: readonly StreamDef[];
}

/** Module namespaces by the specifier written in the spec. */
export type SpecModules = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface TopologyFromSpecOptions {
  /** Makes shell components; default: the runtime's own, if it has one. */
  readonly shell?: ShellComponentFactory;
}

/** Builds the {@link Topology} a spec declares; every error is a TopologyError naming the YAML position. */
export function topologyFromSpec(spec: TopologySpec, modules: SpecModules, options: TopologyFromSpecOptions = {}): Topology {
  const shell = options.shell;
  const b = new TopologyBuilder();
  const declarers = new Map<string, BoltDeclarer>();
  for (const c of spec.components) {
    const create = c.source.type === 'module' ? moduleFactory(c.source, c, modules) : shellFactory(c.source, c, shell);
    located(c.at, () => {
      if (c.kind === 'spout') b.setSpout(c.id, create as () => Spout, c.options);
      else declarers.set(c.id, b.setBolt(c.id, create as () => Bolt | BasicBolt, c.options));
    });
  }
  for (const s of spec.streams) {
    const d = declarers.get(s.to)!;
    const g = s.grouping;
    located(s.at, () => {
      switch (g.type) {
        case 'shuffle': return d.shuffleGrouping(s.from, s.stream);
        case 'localOrShuffle': return d.localOrShuffleGrouping(s.from, s.stream);
        case 'none': return d.noneGrouping(s.from, s.stream);
        case 'all': return d.allGrouping(s.from, s.stream);
        case 'global': return d.globalGrouping(s.from, s.stream);
        case 'direct': return d.directGrouping(s.from, s.stream);
        case 'fields': return d.fieldsGrouping(s.from, g.fields, s.stream);
        case 'partialKey': return d.partialKeyGrouping(s.from, g.fields, s.stream);
        case 'custom': return d.customGrouping(s.from, construct<CustomGrouping>(g, s.at, 'custom grouping', modules), s.stream);
      }
    });
  }
  try {
    return b.build({ name: spec.name, config: spec.config });
  } catch (err) {
    // build() wraps what a component's constructor threw; that error already names its position.
    const cause = (err as { cause?: unknown }).cause;
    if (isGaleError(cause) && POSITIONED.test(cause.message)) throw cause;
    throw relocate(err, buildErrorSite(spec, err));
  }
}

/** A message that starts with `file:line:col: `. */
const POSITIONED = /^\S[^\n]*?:\d+:\d+: /;

/** Runs `fn`, prefixing a gale error it throws with the YAML position. */
function located<T>(at: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw relocate(err, at);
  }
}

function relocate(err: unknown, at: string): unknown {
  if (!isGaleError(err) || POSITIONED.test(err.message)) return err;
  return new TopologyError(err.code, `${at}: ${err.message}`, { cause: err });
}

/** Where a build() error belongs: the stream it names (`bolt "x" ... "y"`), else the topology. */
function buildErrorSite(spec: TopologySpec, err: unknown): string {
  const msg = err instanceof Error ? err.message : '';
  const bolt = /^bolt "([^"]+)"/.exec(msg)?.[1];
  if (bolt !== undefined) {
    const named = [...msg.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    const s = spec.streams.find((x) => x.to === bolt && named.includes(x.from)) ?? spec.streams.find((x) => x.to === bolt);
    if (s !== undefined) return s.at;
    const c = spec.components.find((x) => x.id === bolt);
    if (c !== undefined) return c.at;
  }
  return spec.at;
}

function moduleFactory(ref: ModuleRef, c: ComponentDef, modules: SpecModules): () => unknown {
  // Resolve once now, so a wrong export fails at load time with its position, not per task.
  const target = exportOf(ref, c.at, modules);
  return () => invoke(target, ref, c.at, `${c.kind} "${c.id}"`);
}

function construct<T>(ref: ModuleRef, at: string, what: string, modules: SpecModules): T {
  return invoke(exportOf(ref, at, modules), ref, at, what) as T;
}

function exportOf(ref: ModuleRef, at: string, modules: SpecModules): (...args: unknown[]) => unknown {
  const ns = modules[ref.module];
  if (ns === undefined) throw new TopologyError('GALE_ERR_YAML_MODULE', `${at}: module "${ref.module}" was not loaded`);
  const value = ns[ref.export];
  if (value === undefined) {
    const names = Object.keys(ns).filter((k) => typeof ns[k] === 'function');
    throw new TopologyError('GALE_ERR_YAML_EXPORT', `${at}: module "${ref.module}" has no export "${ref.export}"${didYouMean(ref.export, names)}; it exports ${names.map((n) => `"${n}"`).join(', ') || 'no classes or functions'}`);
  }
  if (typeof value !== 'function') {
    throw new TopologyError('GALE_ERR_YAML_EXPORT', `${at}: export "${ref.export}" of "${ref.module}" is a ${value === null ? 'null' : typeof value}, not a class or factory function`);
  }
  return value as (...args: unknown[]) => unknown;
}

function isClass(f: unknown): boolean {
  return typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));
}

function invoke(target: (...args: unknown[]) => unknown, ref: ModuleRef, at: string, what: string): unknown {
  // Each task gets its own copy of the arguments, as it gets its own instance.
  const args = structuredClone(ref.args) as unknown[];
  try {
    return isClass(target) ? new (target as unknown as new (...a: unknown[]) => unknown)(...args) : target(...args);
  } catch (err) {
    if (isGaleError(err)) throw relocate(err, at);
    throw new TopologyError('GALE_ERR_COMPONENT_CREATE', `${at}: could not create ${what} with ${ref.export}(${args.map((a) => JSON.stringify(a)).join(', ')}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function shellFactory(ref: ShellRef, c: ComponentDef, shell: ShellComponentFactory | undefined): () => unknown {
  if (shell === undefined) {
    throw new TopologyError('GALE_ERR_SHELL_UNAVAILABLE', `${c.at}: ${c.kind} "${c.id}" is a shell component; pass { shell: shellComponentFactory } (from @gale/runtime) to topologyFromSpec to run it`);
  }
  const streams = new Map<string, ShellStreamDef>(Object.entries(ref.streams).map(([id, s]) => [id, { fields: new Fields(s.fields), direct: s.direct }]));
  const def: ShellComponentDef = { id: c.id, kind: c.kind, command: ref.command, args: ref.args, cwd: ref.cwd, env: ref.env, streams };
  return c.kind === 'spout' ? () => shell.spout(def) : () => shell.bolt(def);
}
