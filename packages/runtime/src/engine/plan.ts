import type { ComponentSpec, SpoutSpec, Topology } from '../api/builder.js';
import type { BasicBolt, Bolt, GroupingSpec } from '../api/types.js';
import type { Fields } from '../api/fields.js';
import type { TopologyConfig } from '../config/topology-config.js';
import { makeChooser, type ChooserContext, type TaskChooser } from './groupings.js';
import type { ComponentKind } from './metrics.js';
import type { SystemComponent, SystemEnv } from './system-component.js';
import type { StreamRef } from './tuple.js';

/**
 * The first stage of the pipeline: topology (+ system components) → components with their task
 * ids, executors, output streams and subscriptions, and the sorted stream table that names
 * streams on the wire. Pure data; nothing here runs user code.
 */

export interface PlannedStream {
  readonly id: string;
  readonly fields: Fields;
  readonly direct: boolean;
  /** A system stream: never refused for backpressure (see system-component.ts). */
  readonly control: boolean;
}

/** One subscription: this component receives `component`/`stream`, picked by `chooser` (null: direct). */
export interface PlannedInput {
  readonly component: string;
  readonly stream: string;
  readonly chooser: ((ctx: ChooserContext) => TaskChooser) | null;
}

interface PlannedBase {
  readonly id: string;
  readonly kind: 'spout' | 'bolt';
  readonly statsKind: ComponentKind;
  readonly tasks: readonly number[];
  /** Executors (the topology's parallelism unless a rebalance changed it). */
  readonly parallelism: number;
  readonly streams: ReadonlyMap<string, PlannedStream>;
  readonly inputs: readonly PlannedInput[];
}

export interface PlannedSpout extends PlannedBase {
  readonly kind: 'spout';
  readonly spec: SpoutSpec;
}

export interface PlannedBolt extends PlannedBase {
  readonly kind: 'bolt';
  readonly system: SystemComponent | undefined;
  /** Tick period in ms, and the value ticks carry (seconds); undefined: no ticks. */
  readonly tickMs: number | undefined;
  readonly maxConcurrency: number;
  /** `env`: what a system bolt may see of its engine (user bolts ignore it). */
  create(env: SystemEnv): Bolt | BasicBolt;
}

export type PlannedComponent = PlannedSpout | PlannedBolt;

export interface PlannedExecutor {
  readonly component: PlannedComponent;
  /** Index among the component's executors (what placements name: `component#index`). */
  readonly index: number;
  readonly tasks: readonly number[];
}

export interface Plan {
  /** User components in topological order, then system components. */
  readonly components: ReadonlyMap<string, PlannedComponent>;
  /** Component id → sorted task ids (Storm numbering: from 1, components sorted by id). */
  readonly tasksOf: ReadonlyMap<string, readonly number[]>;
  /** Every (component, stream), sorted: a stream's wire name is its index here. */
  readonly streamTable: readonly StreamRef[];
  /** Executors that run in this engine. */
  readonly localExecutors: readonly PlannedExecutor[];
}

export interface PlanOptions {
  readonly topology: Topology;
  readonly config: TopologyConfig;
  readonly systemComponents: readonly SystemComponent[];
  /** Which executors run here (default: all). */
  readonly isLocal?: (component: string, executorIndex: number) => boolean;
  /** Executors per component after a rebalance. */
  readonly parallelism?: Readonly<Record<string, number>>;
}

/** Tasks of each executor of a component: contiguous, as even as possible (Storm's split). */
export function executorTaskRanges(tasks: readonly number[], parallelism: number): number[][] {
  const out: number[][] = [];
  for (let e = 0; e < parallelism; e++) {
    out.push(tasks.slice(Math.floor((e * tasks.length) / parallelism), Math.floor(((e + 1) * tasks.length) / parallelism)));
  }
  return out;
}

/** Task ids per component, Storm numbering: from 1, components sorted by id, system components included. */
export function assignTaskIds(topology: Topology, systemTasks: Iterable<readonly [string, number]>): Map<string, number[]> {
  const counts = new Map<string, number>();
  for (const c of topology.components.values()) counts.set(c.id, c.numTasks);
  for (const [id, n] of systemTasks) if (n > 0) counts.set(id, n);
  const out = new Map<string, number[]>();
  let next = 1;
  for (const id of [...counts.keys()].sort()) {
    const tasks: number[] = [];
    for (let i = 0; i < counts.get(id)!; i++) tasks.push(next++);
    out.set(id, tasks);
  }
  return out;
}

const fromGrouping = (g: GroupingSpec): PlannedInput['chooser'] => (g.type === 'direct' ? null : (ctx) => makeChooser(g, ctx)!);

function userStreams(spec: ComponentSpec, system: readonly SystemComponent[]): Map<string, PlannedStream> {
  const out = new Map<string, PlannedStream>();
  for (const s of spec.streams.values()) out.set(s.id, { id: s.id, fields: s.fields, direct: s.direct, control: false });
  for (const sc of system) {
    for (const i of sc.inputs) if (i.from === spec.kind && (i.only?.(spec) ?? true)) out.set(i.stream, { id: i.stream, fields: i.fields, direct: false, control: true });
  }
  return out;
}

export function buildPlan(o: PlanOptions): Plan {
  const { topology, config } = o;
  const system = o.systemComponents.filter((sc) => sc.tasks(config, topology) > 0);
  const tasksOf = assignTaskIds(topology, system.map((sc) => [sc.id, sc.tasks(config, topology)] as const));
  const consumers = new Set(topology.metricsConsumers ?? []);
  const components = new Map<string, PlannedComponent>();
  const parallelismOf = (spec: ComponentSpec): number => Math.min(spec.numTasks, o.parallelism?.[spec.id] ?? spec.parallelism);

  for (const spec of topology.components.values()) {
    const base = {
      id: spec.id, tasks: tasksOf.get(spec.id)!, parallelism: parallelismOf(spec), streams: userStreams(spec, system),
    };
    const inputs: PlannedInput[] = spec.inputs.map((i) => ({ component: i.component, stream: i.stream, chooser: fromGrouping(i.grouping) }));
    // System outputs for this kind of component: each task is a direct subscriber.
    const wanted = spec.kind === 'spout' ? 'spouts' : 'bolts';
    for (const sc of system) {
      for (const out of sc.outputs) {
        const takes = out.subscribers === wanted ? (out.only?.(spec) ?? true) : out.subscribers === 'metricsConsumers' && consumers.has(spec.id);
        if (takes) inputs.push({ component: sc.id, stream: out.stream, chooser: null });
      }
    }
    if (spec.kind === 'spout') {
      components.set(spec.id, { ...base, kind: 'spout', statsKind: 'spout', inputs, spec });
    } else {
      const secs = spec.tickFrequencySecs ?? config.tickFrequencySecs;
      components.set(spec.id, {
        ...base, kind: 'bolt', statsKind: 'bolt', inputs, system: undefined,
        tickMs: secs === null || secs === undefined ? undefined : secs * 1000,
        maxConcurrency: spec.maxConcurrency ?? config.maxConcurrency,
        create: () => spec.create(),
      });
    }
  }
  for (const sc of system) {
    const streams = new Map<string, PlannedStream>();
    for (const out of sc.outputs) streams.set(out.stream, { id: out.stream, fields: out.fields, direct: true, control: true });
    const inputs: PlannedInput[] = [];
    for (const c of topology.components.values()) {
      for (const i of sc.inputs) if (i.from === c.kind && (i.only?.(c) ?? true)) inputs.push({ component: c.id, stream: i.stream, chooser: i.chooser });
    }
    const tasks = tasksOf.get(sc.id)!;
    components.set(sc.id, {
      id: sc.id, kind: 'bolt', statsKind: sc.kind, system: sc, tasks, parallelism: tasks.length, streams, inputs,
      tickMs: sc.tickMs(config), maxConcurrency: 1, create: (env) => sc.create(env),
    });
  }

  const keys: [string, string, PlannedStream][] = [];
  for (const c of components.values()) for (const s of c.streams.values()) keys.push([`${c.id}\u0000${s.id}`, c.id, s]);
  keys.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const streamTable = keys.map(([, component, s], index): StreamRef => Object.freeze({ component, id: s.id, fields: s.fields, index, control: s.control }));

  const localExecutors: PlannedExecutor[] = [];
  for (const c of components.values()) {
    executorTaskRanges(c.tasks, c.parallelism).forEach((tasks, index) => {
      if (o.isLocal === undefined || o.isLocal(c.id, index)) localExecutors.push({ component: c, index, tasks });
    });
  }
  return { components, tasksOf, streamTable, localExecutors };
}
