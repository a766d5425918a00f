import type { Topology, SpoutSpec } from '../api/builder.js';
import { DEFAULT_STREAM, type OutputFieldsDeclarer, type Spout, type SpoutOutputCollector, type TopologyContext, type Values } from '../api/types.js';
import type { TopologyConfig } from '../config/topology-config.js';
import { LifecycleError, TopologyError } from '../errors.js';
import { LocalCluster, type LocalTopology } from './local-cluster.js';

/** Every tuple emitted during a run, per component and stream. */
export class CapturedTuples {
  private readonly byComponent = new Map<string, Map<string, Values[]>>();

  /** @internal */
  record(component: string, stream: string, values: readonly unknown[]): void {
    let streams = this.byComponent.get(component);
    if (streams === undefined) this.byComponent.set(component, (streams = new Map<string, Values[]>()));
    let list = streams.get(stream);
    if (list === undefined) streams.set(stream, (list = []));
    list.push([...values]);
  }

  /** Values emitted by `component` on `stream` (default stream when omitted), in emit order. */
  emitted(component: string, stream: string = DEFAULT_STREAM): Values[] {
    return this.byComponent.get(component)?.get(stream) ?? [];
  }

  /** `{ component: { stream: values[] } }` of everything captured. */
  toJSON(): Record<string, Record<string, Values[]>> {
    const out: Record<string, Record<string, Values[]>> = {};
    for (const [c, streams] of this.byComponent) out[c] = Object.fromEntries(streams);
    return out;
  }
}

/**
 * Emits a fixed list of tuples, each with a message id, replaying failed ones; exhausted once
 * every tuple's tree completed. Used for `mockedSources`; split across its tasks round-robin.
 */
export class FixedTupleSpout implements Spout {
  private collector!: SpoutOutputCollector;
  private queue: number[] = [];
  private inFlight = 0;

  constructor(private readonly tuples: readonly Values[], private readonly fields: readonly string[] = ['value']) {}

  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(this.fields);
  }
  open(ctx: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
    const n = ctx.componentTasks(ctx.thisComponentId).length;
    for (let i = ctx.thisTaskIndex; i < this.tuples.length; i += n) this.queue.push(i);
  }
  nextTuple(): void {
    const i = this.queue.shift();
    if (i === undefined) return;
    this.inFlight++;
    this.collector.emit([...this.tuples[i]!], i);
  }
  ack(): void {
    this.inFlight--;
  }
  fail(id: unknown): void {
    this.inFlight--;
    this.queue.push(id as number);
  }
  isExhausted(): boolean {
    return this.queue.length === 0 && this.inFlight === 0;
  }
}

const feeds = new Map<number, Values[]>();
let nextFeedId = 1;

/**
 * A spout you push tuples into from a test: `feeder.feed(['a'])`. Tasks of one feeder share
 * its queue (like Storm's FeederSpout). Tuples are emitted with message ids and replayed on fail.
 */
export class FeederSpout implements Spout {
  private readonly feedId = nextFeedId++;
  private collector!: SpoutOutputCollector;
  private seq = 0;
  private readonly failed: Values[] = [];
  private readonly pending = new Map<number, Values>();
  acked = 0;

  constructor(private readonly fields: readonly string[]) {
    feeds.set(this.feedId, []);
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(this.fields);
  }
  open(_ctx: TopologyContext, collector: SpoutOutputCollector): void {
    this.collector = collector;
  }
  feed(values: Values): void {
    feeds.get(this.feedId)!.push(values);
  }
  nextTuple(): void {
    const v = this.failed.shift() ?? feeds.get(this.feedId)!.shift();
    if (v === undefined) return;
    const id = ++this.seq;
    this.pending.set(id, v);
    this.collector.emit(v, id);
  }
  ack(id: unknown): void {
    this.pending.delete(id as number);
    this.acked++;
  }
  fail(id: unknown): void {
    const v = this.pending.get(id as number);
    this.pending.delete(id as number);
    if (v !== undefined) this.failed.push(v);
  }
  isExhausted(): boolean {
    return feeds.get(this.feedId)!.length === 0 && this.failed.length === 0 && this.pending.size === 0;
  }
}

export interface CompleteTopologyOptions {
  /** Replace spouts by fixed lists of tuples: `{ spoutId: [[v1, v2], ...] }`. */
  mockedSources?: Readonly<Record<string, readonly Values[]>>;
  config?: Partial<TopologyConfig>;
  /** Fail if not complete by then (default 30 s). */
  timeoutMs?: number;
}

function withMockedSources(topology: Topology, mocked: Readonly<Record<string, readonly Values[]>>): Topology {
  const components = new Map(topology.components);
  for (const [id, tuples] of Object.entries(mocked)) {
    const spec = components.get(id);
    if (spec === undefined || spec.kind !== 'spout') {
      throw new TopologyError('GALE_ERR_UNKNOWN_SPOUT', `mockedSources names "${id}", which is not a spout of topology "${topology.name}"`);
    }
    const fields = spec.streams.get(DEFAULT_STREAM)?.fields.names ?? ['value'];
    const mock: SpoutSpec = { ...spec, create: () => new FixedTupleSpout(tuples, fields) };
    components.set(id, mock);
  }
  return { ...topology, components };
}

/**
 * Runs a topology in a fresh local cluster until every spout is exhausted and every tuple
 * tree has completed, then returns everything emitted (Storm's `completeTopology`).
 */
export async function completeTopology(topology: Topology, options: CompleteTopologyOptions = {}): Promise<CapturedTuples> {
  const captured = new CapturedTuples();
  const run = withMockedSources(topology, options.mockedSources ?? {});
  const cluster = new LocalCluster();
  try {
    const t = await cluster.submit(run, {
      config: options.config,
      onEmit: (c, s, v) => captured.record(c, s, v),
    });
    const timeoutMs = options.timeoutMs ?? 30_000;
    if (!(await t.waitUntilDone(timeoutMs))) {
      const pending = t.stats().filter((s) => s.pending > 0 || s.queueDepth > 0).map((s) => `${s.component}: pending ${s.pending}, queued ${s.queueDepth}`);
      // A component that throws on every try is the usual cause: say what it threw.
      const last = t.errors().at(-1);
      const cause = last === undefined ? '' : `; last error, from ${last.component} task ${last.task}: ${last.message}`;
      throw new LifecycleError('GALE_ERR_TIMEOUT', `completeTopology: topology "${topology.name}" did not complete within ${timeoutMs} ms (${pending.join('; ') || 'a spout is not exhausted'})${cause}`);
    }
  } finally {
    await cluster.shutdown(0);
  }
  return captured;
}

/** A running topology whose emits are captured and whose quiescence tests can await. */
export interface TrackedTopology {
  readonly topology: LocalTopology;
  readonly captured: CapturedTuples;
  /** Resolves when nothing is queued, executing or awaiting an ack; throws after `timeoutMs`. */
  waitForIdle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a topology in its own local cluster with capture; pair it with a {@link FeederSpout}. */
export async function trackedTopology(topology: Topology, options: { config?: Partial<TopologyConfig> } = {}): Promise<TrackedTopology> {
  const captured = new CapturedTuples();
  const cluster = new LocalCluster();
  const t = await cluster.submit(topology, { config: options.config, onEmit: (c, s, v) => captured.record(c, s, v) });
  return {
    topology: t,
    captured,
    async waitForIdle(timeoutMs = 30_000) {
      // Let tuples fed synchronously before this call reach the spout first.
      await new Promise((r) => setImmediate(r));
      const ok = await t.engine.waitUntil(() => t.engine.isQuiescent() && t.engine.allSpoutsExhausted(), timeoutMs);
      if (!ok) throw new LifecycleError('GALE_ERR_TIMEOUT', `tracked topology "${topology.name}" not idle after ${timeoutMs} ms`);
    },
    close: () => cluster.shutdown(0),
  };
}
