import type { Topology } from '../api/builder.js';
import type { Fields } from '../api/fields.js';
import type { TaskSource, TopologyContext } from '../api/types.js';
import type { TopologyConfig } from '../config/topology-config.js';
import type { StateStoreProvider } from '../api/state/state-store.js';

/** What a spout's open() and a bolt's prepare() learn about the topology and their own task. */
export class TaskContextImpl implements TopologyContext {
  constructor(
    /** Read by system components (the checkpoint coordinator finds the stateful bolts). */
    readonly topology: Topology,
    readonly config: TopologyConfig,
    private readonly tasksOf: ReadonlyMap<string, readonly number[]>,
    readonly thisComponentId: string,
    readonly thisTaskId: number,
    readonly thisTaskIndex: number,
    /** Where stateful bolts keep their state ({@link StateHost}); undefined: in memory. */
    readonly stateStores?: StateStoreProvider,
  ) {}
  get topologyName(): string { return this.topology.name; }
  componentIds(): string[] { return [...this.tasksOf.keys()]; }
  componentTasks(componentId: string): number[] { return [...(this.tasksOf.get(componentId) ?? [])]; }
  componentOutputFields(componentId: string, streamId = 'default'): Fields | undefined {
    return this.topology.components.get(componentId)?.streams.get(streamId)?.fields;
  }
  thisSources(): TaskSource[] {
    const inputs = this.topology.components.get(this.thisComponentId)?.inputs ?? [];
    return inputs.map((i) => ({ component: i.component, stream: i.stream, grouping: i.grouping, tasks: [...(this.tasksOf.get(i.component) ?? [])] }));
  }
}
