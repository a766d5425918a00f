import { StateError, TopologyError } from '../../errors.js';
import type { Bolt, OutputCollector, OutputFieldsDeclarer, TopologyContext, Tuple, Values } from '../types.js';
import {
  CHECKPOINT_COMPONENT, CHECKPOINT_REPLY_STREAM, CHECKPOINT_STREAM, isCheckpointAction, type CheckpointAction,
} from './checkpoint-protocol.js';
import { InMemoryKeyValueState } from './key-value-state.js';
import { MemoryStateStores } from './memory-state-store.js';
import { FAIL_HELD_INPUTS, type HoldsInputs } from '../held-inputs.js';
import { HeldAcks, type AckHolder } from './held-acks.js';
import type { StateHost, StateStore } from './state-store.js';
import type { StatefulBolt } from './stateful-bolt.js';

/*
 * The ordinary bolt the builder puts around a StatefulBolt (Storm's StatefulBoltExecutor): it takes
 * the checkpoint tuples the coordinator sends this task and runs the protocol of docs/state.md;
 * the engine knows nothing of state. The user's acks are HELD: an input is acked only when the
 * checkpoint holding its effect commits, and failed when that checkpoint rolls back, so the
 * spout replays exactly the inputs whose effect the committed state lacks. What is held is each
 * input's ack value per tree, XORed together (held-acks.ts), not the tuple.
 */

interface ControlSend {
  emitControl(streamId: string, values: readonly unknown[]): void;
}

/** Used when the runner gave no backend (a bare Engine in tests): one per process. */
const fallbackStores = new MemoryStateStores();

export class StatefulBoltExecutor implements Bolt, HoldsInputs {
  private collector!: OutputCollector;
  private control!: ControlSend;
  private holder!: AckHolder;
  private store!: StateStore;
  private component = '';
  private readonly state = new InMemoryKeyValueState<unknown, unknown>();
  /** False until INITSTATE loaded the committed state, and again after a ROLLBACK. */
  private ready = false;
  /** Inputs received while not ready: run after the next INITSTATE. */
  private pending: Tuple[] = [];
  /** Acked by the bolt since the last PREPARE. */
  private acked = new HeldAcks();
  /** Acked and in the prepared snapshot: acked for real at COMMIT. */
  private prepared = new HeldAcks();
  private readonly out: OutputCollector;
  /** Held tuples get their timeouts restarted this often (ms), so a stalled checkpoint never times them out. */
  private refreshMs = Infinity;
  private refreshedAt = 0;

  constructor(readonly inner: StatefulBolt<unknown>) {
    this.out = {
      emit: (values: Values, anchors?: Tuple | readonly Tuple[]) => this.collector.emit(values, anchors),
      emitStream: (s: string, values: Values, anchors?: Tuple | readonly Tuple[]) => this.collector.emitStream(s, values, anchors),
      emitDirect: (task: number, values: Values, anchors?: Tuple | readonly Tuple[], s?: string) => this.collector.emitDirect(task, values, anchors, s),
      ack: (t: Tuple) => { this.holder.holdAck(t, this.acked); },
      fail: (t: Tuple) => this.failNow(t),
      resetTimeout: (t: Tuple) => this.collector.resetTimeout(t),
      reportError: (e: unknown) => this.collector.reportError(e),
    };
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    this.inner.declareOutputFields(declarer);
  }

  async prepare(context: TopologyContext, collector: OutputCollector): Promise<void> {
    this.collector = collector;
    this.component = context.thisComponentId;
    this.refreshMs = context.config.messageTimeoutMs / 3;
    this.refreshedAt = Date.now();
    if (!('emitControl' in collector) || !('holdAck' in collector)) {
      throw new TopologyError('GALE_ERR_NO_CHECKPOINT', `stateful bolt "${this.component}" runs without the checkpoint coordinator; build the topology with TopologyBuilder`);
    }
    this.control = collector as unknown as ControlSend;
    this.holder = collector as unknown as AckHolder;
    const stores = (context as Partial<StateHost>).stateStores ?? fallbackStores;
    this.store = stores.open({ topology: context.topologyName, component: context.thisComponentId, taskIndex: context.thisTaskIndex });
    await this.inner.prepare?.(context, this.out);
  }

  execute(tuple: Tuple): void | Promise<void> {
    if (tuple.sourceComponent === CHECKPOINT_COMPONENT && tuple.sourceStreamId === CHECKPOINT_STREAM) return this.onCheckpoint(tuple);
    if (!this.ready) {
      // Ticks are not replayed; data waits for the state.
      if (!tuple.isTick()) this.pending.push(tuple);
      return undefined;
    }
    return this.inner.execute(tuple);
  }

  async cleanup(): Promise<void> {
    try {
      await this.inner.cleanup?.();
    } finally {
      await this.store?.close();
    }
  }

  /**
   * The bolt stops here (a drain, or its executor moving away: api/held-inputs.ts). The inputs
   * acked since the last PREPARE are in no snapshot, and no later one may hold their effect: they
   * fail now (FAILED_STOPPED, so their spouts replay them at once, uncharged, instead of after
   * messageTimeoutMs), and this state is not prepared again until an INITSTATE reloads it (as
   * after a ROLLBACK), else a checkpoint during the drain would commit what replays. Inputs
   * waiting for INITSTATE fail too. The prepared ones stay: their snapshot may still commit (acked
   * then) or roll back (failed then). Returns how many inputs it failed.
   */
  [FAIL_HELD_INPUTS](): number {
    if (this.holder === undefined) return 0; // never prepared: holds nothing
    const held = this.pending;
    this.pending = [];
    for (const t of held) this.collector.fail(t);
    const acked = this.acked.tuples;
    if (this.acked.size > 0 || acked > 0) {
      this.ready = false;
      // A tree failed here must not be acked by a COMMIT of its inputs in the prepared snapshot.
      this.acked.forEach((root) => { if (this.prepared.holds(root) === 1) this.prepared.kill(root); });
      this.holder.failHeld(this.acked);
      this.acked.clear();
      this.acked.renew();
    }
    return held.length + acked;
  }

  private async onCheckpoint(t: Tuple): Promise<void> {
    const txid = t.values[0];
    const action = t.values[1];
    if (typeof txid !== 'number' || !isCheckpointAction(action)) return;
    this.refreshHeld();
    let ok: boolean;
    try {
      ok = await this.handle(txid, action);
    } catch (err) {
      ok = false;
      this.collector.reportError(err instanceof StateError ? err : new StateError('GALE_ERR_STATE_UNAVAILABLE', `stateful bolt "${this.component}": ${action} of checkpoint ${txid} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err, retriable: true }));
    }
    this.control.emitControl(CHECKPOINT_REPLY_STREAM, [txid, action, ok]);
  }

  /**
   * While checkpoints cannot commit (a task is down), held inputs would time out at their spout
   * and be replayed while their first effect is still in this state: both would be committed.
   * Restarting their timeouts keeps them alive until a COMMIT acks them or a ROLLBACK fails them.
   */
  private refreshHeld(): void {
    const now = Date.now();
    if (now - this.refreshedAt < this.refreshMs) return;
    this.refreshedAt = now;
    this.holder.resetHeld(this.prepared);
    this.holder.resetHeld(this.acked);
  }

  private async handle(txid: number, action: CheckpointAction): Promise<boolean> {
    switch (action) {
      case 'PREPARE': {
        // A task that restarted (or rolled back) has no state to prepare: failing makes the
        // coordinator roll back and re-initialize everyone (Storm does the same).
        if (!this.ready) return false;
        // What was acked up to this snapshot joins the prepared acks (the tables swap when those
        // are empty, as they are after a COMMIT); acks during the store's write belong to the next.
        const taken = this.acked;
        const trees = taken.size;
        if (this.prepared.size === 0 && this.prepared.tuples === 0) {
          this.acked = this.prepared;
          this.acked.renew();
          this.prepared = taken;
        } else {
          this.acked = new HeldAcks();
          taken.moveInto(this.prepared);
        }
        this.acked.reserve(trees);
        await this.store.prepare({ txid, entries: this.state.snapshotEntries() });
        return true;
      }
      case 'COMMIT': {
        await this.store.commit(txid);
        this.refreshedAt = Date.now();
        this.holder.applyHeld(this.prepared);
        this.prepared.clear();
        return true;
      }
      case 'ROLLBACK': {
        this.ready = false;
        this.holder.failHeld(this.prepared);
        this.holder.failHeld(this.acked);
        this.prepared.clear();
        this.acked.clear();
        this.acked.renew();
        return true;
      }
      case 'INITSTATE':
        return this.ready ? true : this.init(txid);
    }
  }

  private async init(txid: number): Promise<boolean> {
    let stored;
    try {
      stored = await this.store.load();
    } catch (err) {
      // Corrupt or unreachable: the buffered inputs go back to their spouts (nothing is acked), and
      // the coordinator retries INITSTATE every checkpoint interval: no crash loop, no loss.
      const held = this.pending;
      this.pending = [];
      for (const x of held) this.collector.fail(x);
      throw err;
    }
    let snap = stored.committed;
    // The coordinator decided COMMIT txid but this task never saw it (it restarted in between).
    if (stored.prepared !== undefined && stored.prepared.txid === txid && stored.committed.txid < txid) {
      await this.store.commit(txid);
      snap = stored.prepared;
    }
    this.state.restore(snap);
    await this.inner.initState(this.state);
    this.ready = true;
    const held = this.pending;
    this.pending = [];
    for (const x of held) await this.runHeld(x);
    return true;
  }

  private async runHeld(t: Tuple): Promise<void> {
    try {
      await this.inner.execute(t);
    } catch (err) {
      this.collector.reportError(err);
      this.failNow(t);
    }
  }

  private failNow(t: Tuple): void {
    this.holder.failTuple(t, [this.acked, this.prepared]);
  }
}
