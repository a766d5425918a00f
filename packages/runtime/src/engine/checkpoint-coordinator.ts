import type { Topology } from '../api/builder.js';
import {
  CHECKPOINT_COMPONENT, CHECKPOINT_FIELDS, CHECKPOINT_REPLY_FIELDS, CHECKPOINT_REPLY_STREAM, CHECKPOINT_STREAM, type CheckpointAction,
} from '../api/state/checkpoint-protocol.js';
import { MemoryStateStores } from '../api/state/memory-state-store.js';
import type { StateHost, StateStore } from '../api/state/state-store.js';
import type { Bolt, OutputCollector, TopologyContext, Tuple } from '../api/types.js';
import type { ComponentSpec } from '../api/builder-types.js';
import type { TopologyConfig } from '../config/topology-config.js';
import { StateError } from '../errors.js';
import type { ChooserContext, TaskChooser } from './groupings.js';
import type { SystemBolt, SystemComponent } from './system-component.js';
import { nextStep, type CheckpointPhase } from './checkpoint-steps.js';

/*
 * Storm's CheckpointSpout as a system component (docs/state.md). One task, present only when the
 * topology has a stateful bolt. Every checkpointIntervalMs (its ticks) it starts a checkpoint:
 * PREPARE txid to every stateful bolt task; when all replied ok, COMMIT txid; a failed or timed-out
 * step puts it in recovery (ROLLBACK, then INITSTATE). Its own phase is persisted in the state
 * backend before each step, so a restarted coordinator finishes or undoes what was in flight.
 */

const isStateful = (spec: ComponentSpec): boolean => spec.kind === 'bolt' && spec.stateful === true;

class FirstTask implements TaskChooser {
  readonly single = true;
  constructor(private readonly task: number) {}
  chooseOne(): number { return this.task; }
  chooseMany(): readonly number[] { return [this.task]; }
}

interface Step {
  readonly txid: number;
  readonly action: CheckpointAction;
  readonly waiting: Set<number>;
  ticks: number;
}

/**
 * A step not answered within this many ticks (checkpoint intervals) fails: about 5 s (a dead
 * task is noticed soon enough to roll back), at least 2 ticks, at most half the message timeout.
 */
export function stepTimeoutTicks(config: TopologyConfig): number {
  const ms = Math.min(config.messageTimeoutMs / 2, Math.max(5000, 2 * config.checkpointIntervalMs));
  return Math.max(2, Math.ceil(ms / config.checkpointIntervalMs));
}

export class CheckpointCoordinator implements Bolt, SystemBolt {
  private collector!: OutputCollector;
  private store!: StateStore;
  private targets: number[] = [];
  private timeoutTicks = 2;
  private loaded = false;
  /** Sequence of the coordinator's own record in the store. */
  private seq = 0;
  private phase: CheckpointPhase = 'committed';
  private txid = 0;
  private recovering = true;
  private step: Step | undefined;
  private committed = 0;
  private failed = 0;

  declareOutputFields(): void {
    // Declared by the engine from checkpointComponent.outputs.
  }

  prepare(context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
    const topology = (context as Partial<{ topology: Topology }>).topology;
    for (const c of topology?.components.values() ?? []) if (isStateful(c)) this.targets.push(...context.componentTasks(c.id));
    this.timeoutTicks = stepTimeoutTicks(context.config);
    const stores = (context as Partial<StateHost>).stateStores ?? new MemoryStateStores();
    this.store = stores.open({ topology: context.topologyName, component: CHECKPOINT_COMPONENT, taskIndex: 0 });
  }

  execute(t: Tuple): void | Promise<void> {
    if (t.isTick()) return this.onTick();
    if (t.sourceStreamId !== CHECKPOINT_REPLY_STREAM) return undefined;
    const [txid, action, ok] = t.values;
    const s = this.step;
    if (s === undefined || s.txid !== txid || s.action !== action || !s.waiting.has(t.sourceTask)) return undefined;
    if (ok !== true) return this.fail();
    s.waiting.delete(t.sourceTask);
    return s.waiting.size === 0 ? this.succeed(s) : undefined;
  }

  async cleanup(): Promise<void> {
    await this.store?.close();
  }

  systemStats(): { acked: number; failed: number; pending: number } {
    return { acked: this.committed, failed: this.failed, pending: this.step === undefined ? 0 : 1 };
  }

  private async onTick(): Promise<void> {
    if (!this.loaded) {
      const stored = await this.guard(() => this.store.load());
      if (stored === undefined) return;
      const rec = new Map(stored.committed.entries);
      this.seq = stored.committed.txid;
      this.txid = typeof rec.get('txid') === 'number' ? (rec.get('txid') as number) : 0;
      const p = rec.get('phase');
      this.phase = p === 'preparing' || p === 'committing' ? p : 'committed';
      this.loaded = true;
    }
    const s = this.step;
    if (s !== undefined) {
      if (++s.ticks >= this.timeoutTicks) this.fail();
      return;
    }
    await this.next();
  }

  /** Starts the next step, persisting the phase first when it changes. */
  private async next(): Promise<void> {
    const n = nextStep(this.phase, this.txid, this.recovering);
    if (n.persist !== undefined && !(await this.persist(n.persist.phase, n.persist.txid))) return;
    this.step = { txid: n.txid, action: n.action, waiting: new Set(this.targets), ticks: 0 };
    for (const task of this.targets) this.collector.emitDirect(task, [n.txid, n.action], undefined, CHECKPOINT_STREAM);
    if (this.targets.length === 0) await this.succeed(this.step);
  }

  private async succeed(s: Step): Promise<void> {
    this.step = undefined;
    switch (s.action) {
      case 'PREPARE':
        if (await this.persist('committing', s.txid)) await this.next();
        return;
      case 'COMMIT':
        if (!(await this.persist('committed', s.txid))) return;
        this.committed++;
        if (this.recovering) await this.next();
        return;
      case 'ROLLBACK':
        if (await this.persist('committed', s.txid - 1)) await this.next();
        return;
      case 'INITSTATE':
        this.recovering = false;
        return;
    }
  }

  private fail(): void {
    this.step = undefined;
    this.failed++;
    this.recovering = true;
  }

  private async persist(phase: CheckpointPhase, txid: number): Promise<boolean> {
    const seq = this.seq + 1;
    const ok = await this.guard(async () => {
      await this.store.prepare({ txid: seq, entries: [['phase', phase], ['txid', txid]] });
      await this.store.commit(seq);
      return true;
    });
    if (ok === undefined) {
      // Counted as a failed checkpoint; the held inputs wait (their timeouts restarted) until the store is back.
      this.failed++;
      this.recovering = true;
      return false;
    }
    this.seq = seq;
    this.phase = phase;
    this.txid = txid;
    return true;
  }

  /** Runs a store operation; a failure is reported and retried on a later tick. */
  private async guard<T>(op: () => Promise<T>): Promise<T | undefined> {
    try {
      return await op();
    } catch (err) {
      this.collector.reportError(err instanceof StateError ? err : new StateError('GALE_ERR_STATE_UNAVAILABLE', `checkpoint coordinator: state store failed: ${(err as Error)?.message ?? String(err)}`, { cause: err, retriable: true }));
      return undefined;
    }
  }
}

/** 1 task when the topology has a stateful bolt, else none: stateless topologies pay nothing. */
export function checkpointTasks(_config: TopologyConfig, topology: Topology | undefined): number {
  if (topology === undefined) return 0;
  for (const c of topology.components.values()) if (isStateful(c)) return 1;
  return 0;
}

export const checkpointComponent: SystemComponent = {
  id: CHECKPOINT_COMPONENT,
  kind: 'checkpoint',
  tasks: checkpointTasks,
  inputs: [{ stream: CHECKPOINT_REPLY_STREAM, fields: CHECKPOINT_REPLY_FIELDS, from: 'bolt', only: isStateful, chooser: (ctx: ChooserContext) => new FirstTask(ctx.targetTasks[0]!) }],
  outputs: [{ stream: CHECKPOINT_STREAM, fields: CHECKPOINT_FIELDS, subscribers: 'bolts', only: isStateful }],
  tickMs: (config) => config.checkpointIntervalMs,
  tickAtStart: true,
  create: () => new CheckpointCoordinator(),
};
