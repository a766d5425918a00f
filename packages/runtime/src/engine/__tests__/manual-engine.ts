import { parseTopologyConfig, type ComponentStats, type Topology, type TopologyConfig } from '@gale/runtime';
import { Engine, type EngineOptions } from '../engine.js';
import { CounterIds, seededRandom } from '../testing/counter-ids.js';
import { ManualClock, ManualScheduler } from '../testing/manual-time.js';

export interface LogRecord {
  level: 'error' | 'warn' | 'info' | 'debug';
  obj: object;
  msg: string;
}

/** Lets every pending promise continuation run: a macrotask only starts once the microtask queue is empty. */
export function flushPromises(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * One engine on manual time, built only through the engine's stable surface (its constructor
 * options, start/close/stats/isQuiescent/activate/deactivate), with deterministic ids and random.
 */
export class ManualEngine {
  readonly scheduler: ManualScheduler;
  readonly engine: Engine;
  readonly logs: LogRecord[] = [];

  constructor(topology: Topology, overrides: Partial<TopologyConfig> = {}, readonly clock = new ManualClock(), extra: Partial<EngineOptions> = {}) {
    this.scheduler = new ManualScheduler(clock);
    const record = (level: LogRecord['level']) => (obj: object, msg: string): void => {
      this.logs.push({ level, obj, msg });
    };
    this.engine = new Engine({
      topology,
      config: parseTopologyConfig(overrides, topology.config),
      clock,
      scheduler: this.scheduler,
      ids: new CounterIds(),
      random: seededRandom(1),
      log: { error: record('error'), warn: record('warn'), info: record('info'), debug: record('debug') },
      ...extra,
    });
  }

  /** Starts the engine and runs what it deferred (the first spout turns) at the current time. */
  async start(): Promise<void> {
    await this.engine.start();
    await this.settle();
  }

  /** Moves manual time forward by `ms`, firing due timers in order. Synchronous: no promise runs meanwhile. */
  advance(ms: number): void {
    this.scheduler.advanceBy(ms);
  }

  /** Moves manual time to `t` (>= now). */
  advanceTo(t: number): void {
    this.scheduler.advanceBy(t - this.clock.now());
  }

  /** Runs promise continuations and deferred work, alternately, until neither has anything left. Time does not move. */
  async settle(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      await flushPromises();
      if (this.scheduler.runDeferred() === 0) return;
    }
    throw new Error('ManualEngine.settle: still busy after 1000 rounds');
  }

  /**
   * Settles, then advances manual time by `stepMs` at a time until `pred()` holds (true) or
   * `limitMs` of manual time have passed (false): `waitUntil` without real time.
   */
  async runUntil(pred: () => boolean, limitMs: number, stepMs = 10): Promise<boolean> {
    const end = this.clock.now() + limitMs;
    for (;;) {
      await this.settle();
      if (pred()) return true;
      if (this.clock.now() >= end) return false;
      this.advance(Math.min(stepMs, end - this.clock.now()));
    }
  }

  stats(component: string): ComponentStats {
    const s = this.engine.stats().find((c) => c.component === component);
    if (s === undefined) throw new Error(`no stats for component "${component}"`);
    return s;
  }

  /** Closes the engine without a drain wait, driving manual time until close() resolves. */
  async close(): Promise<void> {
    let done = false;
    const closing = this.engine.close(0).then(() => {
      done = true;
    });
    for (let i = 0; !done && i < 1000; i++) {
      await this.settle();
      if (!done) this.scheduler.advanceBy(1);
    }
    await closing;
  }
}
