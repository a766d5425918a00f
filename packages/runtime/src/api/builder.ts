import { TopologyError } from '../errors.js';
import { parseTopologyConfig, type TopologyConfig } from '../config/topology-config.js';
import { Fields, toFields } from './fields.js';
import { fieldsGroupingArgs, type FieldsArg } from './grouping-args.js';
import { checkStormSignatures } from './storm-signatures.js';
import {
  DEAD_LETTER_FIELDS, DEAD_LETTER_STREAM, DEFAULT_STREAM, type BasicBolt, type Bolt, type CustomGrouping, type GroupingSpec, type OutputFieldsDeclarer, type Spout,
} from './types.js';
import type {
  BoltOptions, BoltSpec, BuildOptions, ComponentSpec, InputDecl, SpoutOptions, StreamDecl, Topology,
} from './builder-types.js';
import { factoryOf, type ComponentSource } from './component-source.js';
import { checkInput, wiringOf } from './check-input.js';
import { isWindowedBolt, type WindowedBolt } from './window/windowed-bolt.js';
import { resolveWindow, type ResolvedWindow } from './window/window-spec.js';
import { windowExecutor } from './window/window-executor.js';
import { checkTimestampField, checkWindowLimits, type UpstreamSpout } from './window/window-limits.js';
import { submitOverrides } from './submit-overrides.js';
import { isStatefulBolt, type StatefulBolt } from './state/stateful-bolt.js';
import { StatefulBoltExecutor } from './state/stateful-bolt-executor.js';

// The engine imports these from here; they live in their own modules to keep this one small.
export type {
  BoltOptions, BoltSpec, BuildOptions, ComponentSpec, InputDecl, SpoutOptions, SpoutSpec, StreamDecl, Topology,
} from './builder-types.js';
export { cloneComponent, type ComponentSource } from './component-source.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function checkName(kind: string, id: string): void {
  if (typeof id !== 'string' || !NAME_RE.test(id)) {
    throw new TopologyError('GALE_ERR_BAD_ID', `${kind} ${JSON.stringify(id)} is not valid: use letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
}

function checkCount(what: string, v: number | undefined, min: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min)) {
    throw new TopologyError('GALE_ERR_BAD_PARALLELISM', `${what} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  }
}

class Declarer implements OutputFieldsDeclarer {
  readonly streams = new Map<string, StreamDecl>();
  constructor(private readonly component: string) {}
  declare(fields: Fields | readonly string[], direct = false): void {
    this.declareStream(DEFAULT_STREAM, fields, direct);
  }
  declareStream(streamId: string, fields: Fields | readonly string[], direct = false): void {
    if (typeof streamId !== 'string' || streamId.length === 0 || streamId.startsWith('__')) {
      throw new TopologyError('GALE_ERR_BAD_STREAM', `component "${this.component}" declares stream ${JSON.stringify(streamId)}: stream ids must be non-empty and must not start with "__" (reserved)`);
    }
    if (this.streams.has(streamId)) {
      throw new TopologyError('GALE_ERR_BAD_STREAM', `component "${this.component}" declares stream "${streamId}" twice`);
    }
    this.streams.set(streamId, { id: streamId, fields: toFields(fields), direct });
  }
}

interface Draft {
  id: string;
  kind: 'spout' | 'bolt';
  create: () => Spout | Bolt | BasicBolt | WindowedBolt | StatefulBolt<unknown>;
  parallelism: number;
  numTasks: number;
  inputs: InputDecl[];
  maxSpoutPending?: number;
  maxRetries?: number | null;
  tickFrequencySecs?: number;
  maxConcurrency?: number;
  /** Registered by setMetricsConsumer: receives `__metrics`, needs no other input. */
  metricsConsumer?: boolean;
}

/** A windowed bolt as build() sees it: its resolved window, the wrapping factory, a template. */
interface Windowed {
  readonly window: ResolvedWindow;
  readonly bolt: WindowedBolt;
  readonly create: () => Bolt;
  readonly template: Bolt;
  readonly panes: boolean; // runs in panes: keeps no tuples
}

// Wrapping happens here, at the API level: the engine runs the wrapper as an ordinary bolt.
function wrapWindowed(d: Draft, template: WindowedBolt): Windowed {
  const window = resolveWindow(d.id, template.window);
  if (d.tickFrequencySecs !== undefined) {
    throw new TopologyError('GALE_ERR_BAD_OPTION', `windowed bolt "${d.id}" gets its ticks from its window spec; remove the tickFrequencySecs option`);
  }
  if (d.maxConcurrency !== undefined && d.maxConcurrency > 1) {
    throw new TopologyError('GALE_ERR_BAD_OPTION', `windowed bolt "${d.id}" evaluates one window at a time; maxConcurrency must be 1, got ${d.maxConcurrency}`);
  }
  const create = d.create;
  // A bolt that aggregates per pane, on a window that can be cut into panes, keeps no tuples.
  const wrapped = windowExecutor(template, window);
  return { window, bolt: template, create: () => windowExecutor(create() as WindowedBolt, window).bolt, template: wrapped.bolt, panes: wrapped.panes };
}

// A stateful bolt runs inside the executor that speaks the checkpoint protocol (docs/state.md).
function wrapStateful(d: Draft, config: TopologyConfig): () => Bolt {
  if (d.maxConcurrency !== undefined && d.maxConcurrency > 1) {
    throw new TopologyError('GALE_ERR_BAD_OPTION', `stateful bolt "${d.id}" must execute one tuple at a time (its acks follow its checkpoints); maxConcurrency must be 1, got ${d.maxConcurrency}`);
  }
  if (config.checkpointIntervalMs * 2 > config.messageTimeoutMs) {
    throw new TopologyError('GALE_ERR_CHECKPOINT_INTERVAL', `stateful bolt "${d.id}": checkpointIntervalMs (${config.checkpointIntervalMs}) must be at most half of messageTimeoutMs (${config.messageTimeoutMs}); a stateful bolt holds each ack until the next commit, and tuples would time out and be counted twice`);
  }
  const create = d.create;
  return () => new StatefulBoltExecutor(create() as StatefulBolt<unknown>);
}

function boltSpec(base: Omit<BoltSpec, 'kind' | 'tickFrequencySecs' | 'maxConcurrency' | 'create'>, d: Draft, w: Windowed | undefined, stateful: (() => Bolt) | undefined): BoltSpec {
  if (stateful !== undefined) return { ...base, kind: 'bolt', tickFrequencySecs: d.tickFrequencySecs, maxConcurrency: 1, stateful: true, create: stateful };
  if (w === undefined) {
    return { ...base, kind: 'bolt', tickFrequencySecs: d.tickFrequencySecs, maxConcurrency: d.maxConcurrency, create: d.create as () => Bolt | BasicBolt };
  }
  // Count windows need no ticks; the topology's own tick setting does no harm (ticks are ignored).
  return {
    ...base, kind: 'bolt', tickFrequencySecs: w.window.tickMs === undefined ? undefined : w.window.tickMs / 1000, maxConcurrency: 1, create: w.create,
    ...(w.window.eventTime ? { eventTimeWindow: { idleFlushMs: w.window.idleFlushMs } } : {}),
  };
}

/** Subscribes a bolt to other components' streams. Every method returns `this` for chaining. */
export class BoltDeclarer {
  /** @internal */
  constructor(private readonly draft: Draft) {}

  private add(component: string, stream: string | undefined, grouping: GroupingSpec): this {
    this.draft.inputs.push({ component, stream: stream ?? DEFAULT_STREAM, grouping });
    return this;
  }
  /** Random, evenly spread. */
  shuffleGrouping(component: string, streamId?: string): this { return this.add(component, streamId, { type: 'shuffle' }); }
  /** Prefers tasks in the same worker, else shuffle. */
  localOrShuffleGrouping(component: string, streamId?: string): this { return this.add(component, streamId, { type: 'localOrShuffle' }); }
  /** "Don't care": currently the same as shuffle. */
  noneGrouping(component: string, streamId?: string): this { return this.add(component, streamId, { type: 'none' }); }
  /** Every task gets every tuple. */
  allGrouping(component: string, streamId?: string): this { return this.add(component, streamId, { type: 'all' }); }
  /** Everything goes to the task with the lowest id. */
  globalGrouping(component: string, streamId?: string): this { return this.add(component, streamId, { type: 'global' }); }
  /** The emitter picks the task with `emitDirect`; the stream must be declared direct. */
  directGrouping(component: string, streamId?: string): this { return this.add(component, streamId, { type: 'direct' }); }
  /**
   * Tuples with equal values of `fields` always go to the same task. Storm's argument order,
   * `fieldsGrouping(component, streamId, fields)`, is accepted too.
   */
  fieldsGrouping(component: string, fields: FieldsArg, streamId?: string): this;
  fieldsGrouping(component: string, streamId: string, fields: FieldsArg): this;
  fieldsGrouping(component: string, a: FieldsArg | string, b?: string | FieldsArg): this {
    const { fields, stream } = fieldsGroupingArgs(this.draft.id, 'fieldsGrouping', component, a, b);
    return this.add(component, stream, { type: 'fields', fields: fields.names });
  }
  /**
   * Like fields grouping but each key is split over two tasks (the less loaded of two hash
   * choices). Storm's argument order, `(component, streamId, fields)`, is accepted too.
   */
  partialKeyGrouping(component: string, fields: FieldsArg, streamId?: string): this;
  partialKeyGrouping(component: string, streamId: string, fields: FieldsArg): this;
  partialKeyGrouping(component: string, a: FieldsArg | string, b?: string | FieldsArg): this {
    const { fields, stream } = fieldsGroupingArgs(this.draft.id, 'partialKeyGrouping', component, a, b);
    return this.add(component, stream, { type: 'partialKey', fields: fields.names });
  }
  customGrouping(component: string, grouping: CustomGrouping, streamId?: string): this {
    if (typeof grouping?.chooseTasks !== 'function') {
      throw new TopologyError('GALE_ERR_BAD_GROUPING', `customGrouping on bolt "${this.draft.id}" needs an object with chooseTasks(sourceTask, values)`);
    }
    return this.add(component, streamId, { type: 'custom', grouping });
  }
}

/**
 * Declares a topology: spouts and bolts wired by groupings.
 * ```ts
 * const b = new TopologyBuilder();
 * b.setSpout('lines', new FileLineSpout({ path }));
 * b.setBolt('split', new SplitWords(), 2).shuffleGrouping('lines');
 * export default b.build({ name: 'word-count' });
 * ```
 */
export class TopologyBuilder {
  private readonly drafts = new Map<string, Draft>();

  setSpout(id: string, spout: ComponentSource<Spout>, options: number | SpoutOptions = {}): void {
    const o = typeof options === 'number' ? { parallelism: options } : options;
    checkCount(`spout "${id}" maxSpoutPending`, o.maxSpoutPending, 1);
    if (o.maxRetries !== undefined && o.maxRetries !== null && !(Number.isInteger(o.maxRetries) && o.maxRetries >= 0)) {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `spout "${id}" maxRetries must be an integer >= 0 or null, got ${JSON.stringify(o.maxRetries)}`);
    }
    const d = this.addDraft(id, 'spout', factoryOf(spout), o);
    d.maxSpoutPending = o.maxSpoutPending;
    d.maxRetries = o.maxRetries;
  }

  /**
   * Adds a bolt. A {@link WindowedBolt} is wrapped in an ordinary bolt that buffers its input
   * into windows, ticks it and acks tuples as they leave every window (docs/windowing.md). A
   * {@link StatefulBolt} gets its checkpointed state in `initState` before any `execute`; the
   * topology then gets a checkpoint coordinator (docs/state.md).
   */
  setBolt(id: string, bolt: ComponentSource<Bolt | BasicBolt | WindowedBolt | StatefulBolt<unknown>>, options: number | BoltOptions = {}): BoltDeclarer {
    const o = typeof options === 'number' ? { parallelism: options } : options;
    if (o.tickFrequencySecs !== undefined && !(typeof o.tickFrequencySecs === 'number' && o.tickFrequencySecs > 0)) {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `bolt "${id}" tickFrequencySecs must be a number > 0, got ${JSON.stringify(o.tickFrequencySecs)}`);
    }
    checkCount(`bolt "${id}" maxConcurrency`, o.maxConcurrency, 1);
    const d = this.addDraft(id, 'bolt', factoryOf(bolt), o);
    d.tickFrequencySecs = o.tickFrequencySecs;
    d.maxConcurrency = o.maxConcurrency;
    return new BoltDeclarer(d);
  }

  /**
   * Registers a bolt as the topology's metrics consumer (Storm's `registerMetricsConsumer`): every
   * `metricsIntervalMs` it receives, on stream `__metrics` from component `__metrics`, one tuple
   * per component and worker with that interval's data points (docs/metrics.md). It may subscribe
   * to other streams too. Topologies without a consumer run no metrics component at all.
   */
  setMetricsConsumer(id: string, bolt: ComponentSource<Bolt | BasicBolt>, options: number | BoltOptions = {}): BoltDeclarer {
    const declarer = this.setBolt(id, bolt, options);
    this.drafts.get(id)!.metricsConsumer = true;
    return declarer;
  }

  private addDraft(id: string, kind: 'spout' | 'bolt', create: Draft['create'], o: SpoutOptions | BoltOptions): Draft {
    checkName(`${kind} id`, id);
    if (this.drafts.has(id)) throw new TopologyError('GALE_ERR_DUPLICATE_ID', `component id "${id}" is declared twice; ids must be unique across spouts and bolts`);
    checkCount(`${kind} "${id}" parallelism`, o.parallelism, 1);
    checkCount(`${kind} "${id}" numTasks`, o.numTasks, 1);
    const parallelism = o.parallelism ?? 1;
    const numTasks = o.numTasks ?? parallelism;
    if (numTasks < parallelism) {
      throw new TopologyError('GALE_ERR_BAD_PARALLELISM', `${kind} "${id}": numTasks (${numTasks}) must be >= parallelism (${parallelism})`);
    }
    const d: Draft = { id, kind, create, parallelism, numTasks, inputs: [] };
    this.drafts.set(id, d);
    return d;
  }

  /** Validates the wiring and returns an immutable {@link Topology}. Throws {@link TopologyError}. */
  build(options: BuildOptions): Topology {
    if (typeof options !== 'object' || options === null) throw new TopologyError('GALE_ERR_BAD_OPTION', 'build() needs { name }');
    checkName('topology name', options.name);
    const where = ` in topology "${options.name}"`;
    const config = parseTopologyConfig(
      options.workers === undefined ? options.config : { ...options.config, workers: options.workers },
      undefined,
      where,
    );
    if (![...this.drafts.values()].some((d) => d.kind === 'spout')) {
      throw new TopologyError('GALE_ERR_NO_SPOUT', `topology "${options.name}" has no spout; add one with setSpout()`);
    }
    const streams = new Map<string, Map<string, StreamDecl>>();
    const windowed = new Map<string, Windowed>();
    const stateful = new Map<string, () => Bolt>();
    /** Plain bolts that check their wiring (Bolt.checkInputs). */
    const checked = new Map<string, Bolt | BasicBolt>();
    for (const d of this.drafts.values()) {
      const declarer = new Declarer(d.id);
      let template: Spout | Bolt | BasicBolt | WindowedBolt;
      try {
        template = d.create();
      } catch (err) {
        throw new TopologyError('GALE_ERR_COMPONENT_CREATE', `could not create ${d.kind} "${d.id}": ${(err as Error).message}`, { cause: err });
      }
      if (d.kind === 'bolt' && isWindowedBolt(template)) {
        const w = wrapWindowed(d, template);
        windowed.set(d.id, w);
        template = w.template;
      } else if (d.kind === 'bolt' && isStatefulBolt(template)) {
        const create = wrapStateful(d, config);
        stateful.set(d.id, create);
        template = new StatefulBoltExecutor(template);
      }
      if (d.kind === 'spout' && typeof (template as Spout).nextTuple !== 'function') {
        throw new TopologyError('GALE_ERR_NOT_A_SPOUT', `spout "${d.id}" has no nextTuple() method`);
      }
      if (d.kind === 'bolt' && typeof (template as Bolt).execute !== 'function') {
        throw new TopologyError('GALE_ERR_NOT_A_BOLT', `bolt "${d.id}" has no execute() method`);
      }
      if (!windowed.has(d.id)) checkStormSignatures(d.kind, d.id, template as Spout | Bolt | BasicBolt);
      if (d.kind === 'bolt' && !windowed.has(d.id) && typeof (template as Bolt).checkInputs === 'function') checked.set(d.id, template as Bolt);
      if (typeof template.declareOutputFields !== 'function') {
        throw new TopologyError('GALE_ERR_NOT_A_COMPONENT', `${d.kind} "${d.id}" has no declareOutputFields() method`);
      }
      template.declareOutputFields(declarer);
      // Every spout has the reserved dead-letter stream (maxRetries may be set at submit time),
      // so bolts can subscribe to it and the engine routes it like any other stream.
      if (d.kind === 'spout') declarer.streams.set(DEAD_LETTER_STREAM, { id: DEAD_LETTER_STREAM, fields: new Fields(DEAD_LETTER_FIELDS), direct: false });
      streams.set(d.id, declarer.streams);
    }
    for (const d of this.drafts.values()) {
      if (d.kind === 'bolt' && d.inputs.length === 0 && d.metricsConsumer !== true) {
        throw new TopologyError('GALE_ERR_NO_INPUTS', `bolt "${d.id}" subscribes to nothing; add a grouping, e.g. .shuffleGrouping("<component>")`);
      }
      for (const input of d.inputs) checkInput(d.id, input, streams, this.drafts);
    }
    for (const [id, bolt] of checked) bolt.checkInputs!(wiringOf(this.drafts.get(id)!, streams));
    // The window limits judge the config the topology will run with: the CLI's overrides included.
    const submit = windowed.size === 0 ? undefined : submitOverrides();
    const effective = submit === undefined ? config : parseTopologyConfig(submit.config, config, submit.origin);
    const origin = (key: string): string => (submit !== undefined && key in submit.config ? submit.origin : '');
    for (const [id, w] of windowed) {
      const wiring = wiringOf(this.drafts.get(id)!, streams);
      checkTimestampField(id, w.window, wiring.inputs.map((i) => ({ ...i, stream: streams.get(i.component)!.get(i.stream)! })));
      w.bolt.checkInputs?.(wiring);
      // One channel per upstream task and subscribed stream (watermark.ts): numTasks, fixed at deploy.
      const channels = this.drafts.get(id)!.inputs.reduce((n, i) => n + this.drafts.get(i.component)!.numTasks, 0);
      checkWindowLimits(id, w.window, effective, this.upstreamSpouts(id, effective.maxSpoutPending), w.panes, channels, origin);
    }
    const order = this.topologicalOrder();
    const components = new Map<string, ComponentSpec>();
    for (const id of order) {
      const d = this.drafts.get(id)!;
      const base = { id, parallelism: d.parallelism, numTasks: d.numTasks, streams: streams.get(id)!, inputs: Object.freeze([...d.inputs]) };
      const spec: ComponentSpec =
        d.kind === 'spout'
          ? { ...base, kind: 'spout', maxSpoutPending: d.maxSpoutPending, maxRetries: d.maxRetries, create: d.create as () => Spout }
          : boltSpec(base, d, windowed.get(id), stateful.get(id));
      components.set(id, Object.freeze(spec));
    }
    const metricsConsumers = Object.freeze([...this.drafts.values()].filter((d) => d.metricsConsumer === true).map((d) => d.id));
    return Object.freeze({ name: options.name, config, components, ...(metricsConsumers.length > 0 ? { metricsConsumers } : {}) });
  }

  /** The spouts whose tuples can reach `id`, through any number of bolts. */
  private upstreamSpouts(id: string, defaultPending: number | null): UpstreamSpout[] {
    const seen = new Set<string>();
    const out: UpstreamSpout[] = [];
    const visit = (c: string): void => {
      if (seen.has(c)) return;
      seen.add(c);
      const d = this.drafts.get(c)!;
      if (d.kind === 'spout') out.push({ id: c, numTasks: d.numTasks, maxSpoutPending: d.maxSpoutPending ?? defaultPending });
      for (const i of d.inputs) visit(i.component);
    };
    for (const i of this.drafts.get(id)!.inputs) visit(i.component);
    return out;
  }

  /** Kahn's algorithm; a leftover means a cycle, reported as a path. */
  private topologicalOrder(): string[] {
    const indeg = new Map<string, number>();
    const out = new Map<string, string[]>();
    for (const d of this.drafts.values()) {
      indeg.set(d.id, indeg.get(d.id) ?? 0);
      for (const i of d.inputs) {
        indeg.set(d.id, (indeg.get(d.id) ?? 0) + 1);
        out.set(i.component, [...(out.get(i.component) ?? []), d.id]);
      }
    }
    const ready = [...indeg].filter(([, n]) => n === 0).map(([id]) => id).sort();
    const order: string[] = [];
    while (ready.length > 0) {
      ready.sort();
      const id = ready.shift()!;
      order.push(id);
      for (const next of out.get(id) ?? []) {
        const n = indeg.get(next)! - 1;
        indeg.set(next, n);
        if (n === 0) ready.push(next);
      }
    }
    if (order.length < this.drafts.size) {
      throw new TopologyError('GALE_ERR_CYCLE', `topology has a cycle: ${this.findCycle(new Set(order)).join(' -> ')}; gale topologies must be acyclic`);
    }
    return order;
  }

  private findCycle(acyclic: Set<string>): string[] {
    const inputsOf = (id: string): string[] => this.drafts.get(id)!.inputs.map((i) => i.component).filter((c) => !acyclic.has(c));
    const start = [...this.drafts.keys()].find((id) => !acyclic.has(id))!;
    const path: string[] = [start];
    const seen = new Map<string, number>([[start, 0]]);
    let cur = start;
    for (;;) {
      const prev = inputsOf(cur)[0]!;
      if (seen.has(prev)) return [...path.slice(seen.get(prev)!), prev].reverse();
      seen.set(prev, path.length);
      path.push(prev);
      cur = prev;
    }
  }
}
