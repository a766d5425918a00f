import type { Topology } from '../api/builder.js';
import { parseTopologyConfig, type TopologyConfig } from '../config/topology-config.js';
import { Engine, type EngineOptions } from '../engine/engine.js';
import type { ComponentStats, ReportedError } from '../engine/metrics.js';
import { LifecycleError, TopologyError } from '../errors.js';
import { rootLog } from '../log.js';
import { CryptoIds, nodeClock, nodeScheduler } from './node-ports.js';
import { MemoryStateStores } from '../api/state/memory-state-store.js';
import type { StateStoreProvider } from '../api/state/state-store.js';
import { createStateStores } from '../state/state-stores.js';

export interface SubmitOptions {
  /** Run under another name than the topology's own. */
  name?: string;
  /** Config overrides (validated), applied over the topology's config. */
  config?: Partial<TopologyConfig>;
  /** Sees every emit: component, stream, values, source task. */
  onEmit?: EngineOptions['onEmit'];
  onError?: (error: ReportedError) => void;
}

/** A topology running in a {@link LocalCluster}. */
export class LocalTopology {
  /**
   * @internal
   * @param topology What was submitted (its components and subscriptions: the graph a UI draws).
   * @param submittedAt Epoch ms of the submit.
   */
  constructor(readonly name: string, readonly engine: Engine, readonly topology: Topology, readonly submittedAt: number) {}

  /** False once deactivated: its spouts are not asked for tuples. */
  get isActive(): boolean {
    return this.engine.isActive;
  }

  get config(): TopologyConfig {
    return this.engine.config;
  }
  activate(): void {
    this.engine.activate();
  }
  /** Spouts stop emitting; in-flight trees complete. */
  deactivate(): void {
    this.engine.deactivate();
  }
  stats(): ComponentStats[] {
    return this.engine.stats();
  }
  errors(component?: string): ReportedError[] {
    return this.engine.errors(component);
  }
  /** Nothing queued, executing or awaiting an ack. */
  isIdle(): boolean {
    return this.engine.isQuiescent();
  }
  /**
   * Resolves once every spout is exhausted and every tuple tree has completed; false on timeout.
   * Every spout must implement `isExhausted()`.
   */
  waitUntilDone(timeoutMs = 2 ** 31 - 1): Promise<boolean> {
    return this.engine.waitUntil(() => this.engine.allSpoutsExhausted() && this.engine.isQuiescent(), timeoutMs);
  }
  /** Resolves once nothing is queued or in flight (spouts may still emit later); false on timeout. */
  waitUntilIdle(timeoutMs = 2 ** 31 - 1): Promise<boolean> {
    return this.engine.waitUntil(() => this.engine.isQuiescent(), timeoutMs);
  }
  /** Resolves once `pred()` holds, checked as the topology runs; false on timeout. */
  waitUntil(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    return this.engine.waitUntil(pred, timeoutMs);
  }
}

/**
 * Runs topologies in this process with the same engine as a worker: no ZooKeeper, no sockets.
 * ```ts
 * const cluster = new LocalCluster();
 * const t = await cluster.submit(topology);
 * await t.waitUntilDone();
 * await cluster.shutdown();
 * ```
 */
export class LocalCluster {
  private readonly running = new Map<string, LocalTopology>();
  private closed = false;
  /** The memory state backend: shared by this cluster's topologies, so kill + submit keeps state. */
  private readonly memoryState = new MemoryStateStores();
  private readonly stateOf = new Map<string, StateStoreProvider>();

  /** Starts a topology (opens spouts, prepares bolts). Throws if the name is taken or a component fails to start. */
  async submit(topology: Topology, options: SubmitOptions = {}): Promise<LocalTopology> {
    if (this.closed) throw new LifecycleError('GALE_ERR_CLOSED', 'this LocalCluster was shut down');
    if (topology === null || typeof topology !== 'object' || !(topology.components instanceof Map)) {
      throw new TopologyError('GALE_ERR_NOT_A_TOPOLOGY', 'submit() needs the result of TopologyBuilder.build()');
    }
    const name = options.name ?? topology.name;
    if (this.running.has(name)) {
      throw new TopologyError('GALE_ERR_DUPLICATE_TOPOLOGY', `a topology named "${name}" is already running; kill it first or submit under another name`);
    }
    const config = parseTopologyConfig(options.config, topology.config, ` for topology "${name}"`);
    const ids = new CryptoIds();
    const stateStores = createStateStores(config, this.memoryState);
    const engine = new Engine({
      topology: name === topology.name ? topology : { ...topology, name },
      config,
      clock: nodeClock,
      scheduler: nodeScheduler,
      ids,
      random: Math.random,
      log: rootLog.child({ topology: name }),
      onEmit: options.onEmit,
      onError: options.onError,
      stateStores,
    });
    const handle = new LocalTopology(name, engine, topology, Date.now());
    this.stateOf.set(name, stateStores);
    this.running.set(name, handle);
    try {
      await engine.start();
    } catch (err) {
      this.running.delete(name);
      await engine.close(0);
      await this.closeState(name);
      throw err;
    }
    return handle;
  }

  get(name: string): LocalTopology | undefined {
    return this.running.get(name);
  }

  names(): string[] {
    return [...this.running.keys()];
  }

  /**
   * Deactivates, waits up to `waitMs` (default: the topology's drainTimeoutMs) for in-flight
   * trees, then closes every component.
   */
  async kill(name: string, waitMs?: number): Promise<void> {
    const t = this.running.get(name);
    if (t === undefined) throw new TopologyError('GALE_ERR_UNKNOWN_TOPOLOGY', `no topology named "${name}" is running (running: ${this.names().join(', ') || 'none'})`);
    this.running.delete(name);
    try {
      await t.engine.close(waitMs);
    } finally {
      await this.closeState(name);
    }
  }

  private async closeState(name: string): Promise<void> {
    const s = this.stateOf.get(name);
    this.stateOf.delete(name);
    await s?.close();
  }

  /** Kills every topology. Idempotent. */
  async shutdown(waitMs?: number): Promise<void> {
    this.closed = true;
    await Promise.all(this.names().map((n) => this.kill(n, waitMs)));
  }
}
