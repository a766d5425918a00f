import { Fields } from '../api/fields.js';
import type { Bolt, OutputCollector, Tuple } from '../api/types.js';
import type { TopologyConfig } from '../config/topology-config.js';
import { AckLedger, NOT_DONE, type LedgerOutcome } from './ack-ledger.js';
import type { ChooserContext, TaskChooser } from './groupings.js';
import type { ControlDirectEmitter, SystemBolt, SystemComponent } from './system-component.js';
import { KEEP_EPOCHS, rotationMs } from './timeouts.js';
import { isFailOutcome, TreeOutcome, type FailOutcome } from './tree-outcome.js';

/** Component id of the acker tasks. */
export const ACKER_COMPONENT = '__acker';
/** Spout → acker: a new tree `[root, xorHi, xorLo]` (the XOR of the edge ids the spout sent); owner = source task. */
export const ACK_INIT_STREAM = '__ack_init';
/** Bolt → acker: `[root, hi, lo]` = the input's edge id XOR the edge ids emitted anchored to it. */
export const ACK_ACK_STREAM = '__ack_ack';
/** Bolt → acker: `[root, outcome]`, fail the whole tree now; `outcome` (a FailOutcome) says why. */
export const ACK_FAIL_STREAM = '__ack_fail';
/** Bolt → acker: `[root]`, restart the tree's timeout (at the acker, then at its spout). */
export const ACK_RESET_STREAM = '__ack_reset';
/** Spout → acker: `[root]`, the spout timed the tree out: drop its entry now rather than at expiry. */
export const ACK_FORGET_STREAM = '__ack_forget';
/** Acker → spout task (direct): `[root, TreeOutcome]`. */
export const ACK_OUTCOME_STREAM = '__ack_outcome';


/** Every message about a tree goes to the same acker task: `root mod ackers` (Storm's fields grouping on the root). */
export class ByRoot implements TaskChooser {
  readonly single = true;
  /** The only acker task, or -1: a root is a double, and `%` of a double is a C call on every ack. */
  private readonly only: number;
  constructor(private readonly tasks: readonly number[]) {
    this.only = tasks.length === 1 ? tasks[0]! : -1;
  }
  chooseOne(values: readonly unknown[]): number {
    if (this.only >= 0) return this.only;
    return this.tasks[(values[0] as number) % this.tasks.length]!;
  }
  chooseMany(values: readonly unknown[]): readonly number[] {
    return [this.chooseOne(values)];
  }

  /**
   * A root id, close to the random `root`, whose acker task runs in this worker (`isLocal`), so a
   * spout's init and its trees' outcomes do not cross the wire (cluster mode: one acker per worker by
   * default). Only `root mod ackers` changes, so the id keeps its other 50-odd random bits; which acker
   * a tree has is still a function of its root alone, the same in every worker, so every ack of the
   * tree reaches that acker as before. `root` itself when its acker is local or none is.
   */
  localRoot(root: number, isLocal: (task: number) => boolean): number {
    const tasks = this.tasks;
    const n = tasks.length;
    if (n === 1) return root; // no other choice (and `%` of a double is a C call)
    const at = root % n;
    if (isLocal(tasks[at]!)) return root;
    for (let k = 1; k < n; k++) {
      const j = (at + k) % n;
      if (!isLocal(tasks[j]!)) continue;
      const base = root - at;
      // stay a non-negative safe integer: base is a multiple of n, and so is base - n
      return base + j <= Number.MAX_SAFE_INTEGER ? base + j : base - n + j;
    }
    return root;
  }
}

/** Which of two failures of one tree its spout is told (the higher; a tie: the later). */
const failRank = (o: FailOutcome): number => (o === TreeOutcome.FAILED_STOPPED ? 0 : o === TreeOutcome.FAILED ? 1 : 2);

const byRoot = (ctx: ChooserContext): TaskChooser => new ByRoot(ctx.targetTasks);
const ROOT = new Fields(['root']);
const ROOT_EDGE = new Fields(['root', 'hi', 'lo']);

/**
 * Storm's acker as an ordinary bolt on reserved streams. Trees are spread over its tasks by root
 * id; each task keeps the XOR of every edge id seen per tree in an {@link AckLedger} and tells
 * the owning spout task when the tree completes or fails. Unfinished entries expire through
 * the acker's own ticks (the spout times the tree out on its side at the same period).
 */
export class AckerBolt implements Bolt, SystemBolt {
  private readonly ledger = new AckLedger();
  private collector!: OutputCollector;
  /** The collector's tuple-less emit of an outcome, when it has one (the engine's always does). */
  private outcomes: ControlDirectEmitter | undefined;
  private treesAcked = 0;
  private treesFailed = 0;
  /**
   * Why trees failed that have not settled yet (their init still on the way; noteReason), in two
   * generations rotated like the ledger.
   */
  private reasons = new Map<number, FailOutcome>();
  private olderReasons = new Map<number, FailOutcome>();

  declareOutputFields(): void {
    // Declared by the engine from ackerComponent.outputs.
  }

  prepare(_ctx: unknown, collector: OutputCollector): void {
    this.collector = collector;
    this.outcomes = 'emitDirect2' in collector ? (collector as OutputCollector & ControlDirectEmitter) : undefined;
  }

  execute(t: Tuple): void {
    if (t.isTick()) {
      this.ledger.rotate(KEEP_EPOCHS);
      this.olderReasons = this.reasons;
      this.reasons = new Map();
      return;
    }
    const v = t.values;
    const root = v[0];
    const stream = t.sourceStreamId;
    if (typeof root !== 'number' || !(root >= 0 && Number.isSafeInteger(root))) return; // malformed (a corrupt peer): its tree times out
    const l = this.ledger;
    // Edge halves are int32 (`| 0`: whatever a corrupt peer sent becomes some int32, never NaN in the ledger).
    if (stream === ACK_ACK_STREAM) this.settle(root, l.ack(root, (v[1] as number) | 0, (v[2] as number) | 0));
    else if (stream === ACK_INIT_STREAM) this.settle(root, l.init(root, (v[1] as number) | 0, (v[2] as number) | 0, t.sourceTask));
    else if (stream === ACK_FAIL_STREAM) {
      this.noteReason(root, v[1]);
      this.settle(root, l.fail(root));
    }
    else if (stream === ACK_FORGET_STREAM) l.forget(root);
    else if (stream === ACK_RESET_STREAM) {
      l.touch(root);
      const owner = l.ownerOf(root);
      if (owner !== NOT_DONE) this.collector.emitDirect(owner, [root, TreeOutcome.RESET], undefined, ACK_OUTCOME_STREAM);
    }
  }

  /**
   * Why `root`'s tree failed, kept until it settles (its init may still be on the way). A failure
   * by a stopping bolt (FAILED_STOPPED, not charged to maxRetries) gives way to any other failure
   * of the tree, a plain one to a reason (too large, unencodable); among those the last one counts.
   */
  private noteReason(root: number, outcome: unknown): void {
    // A peer of an older version sends `[root]` only: a plain failure.
    const reason = isFailOutcome(outcome) ? outcome : TreeOutcome.FAILED;
    const was = this.reasons.get(root) ?? this.olderReasons.get(root);
    if (was === undefined || failRank(reason) >= failRank(was)) this.reasons.set(root, reason);
  }

  /** `__ack_ack` and `__ack_init` from a local sender, as execute would handle them. */
  controlInline(stream: string, sourceTask: number, root: number, hi: number, lo: number): boolean {
    if (stream === ACK_ACK_STREAM) this.settle(root, this.ledger.ack(root, hi | 0, lo | 0));
    else if (stream === ACK_INIT_STREAM) this.settle(root, this.ledger.init(root, hi | 0, lo | 0, sourceTask));
    else return false;
    return true;
  }

  private settle(root: number, o: LedgerOutcome): void {
    if (o.spoutTask === NOT_DONE) return;
    let outcome: number = TreeOutcome.ACKED;
    if (o.failed) {
      this.treesFailed++;
      outcome = this.reasons.get(root) ?? this.olderReasons.get(root) ?? TreeOutcome.FAILED;
    } else {
      this.treesAcked++;
    }
    if (this.reasons.size > 0) this.reasons.delete(root);
    if (this.olderReasons.size > 0) this.olderReasons.delete(root);
    if (this.outcomes !== undefined) this.outcomes.emitDirect2(o.spoutTask, ACK_OUTCOME_STREAM, root, outcome);
    else this.collector.emitDirect(o.spoutTask, [root, outcome], undefined, ACK_OUTCOME_STREAM);
  }

  systemStats(): { acked: number; failed: number; pending: number } {
    return { acked: this.treesAcked, failed: this.treesFailed, pending: this.ledger.size };
  }
}

/** Tasks of the acker: `ackers`, defaulting to one per worker; 0 turns tracking off. */
export function ackerCount(config: TopologyConfig): number {
  return config.ackers ?? config.workers;
}

export const ackerComponent: SystemComponent = {
  id: ACKER_COMPONENT,
  kind: 'acker',
  tasks: ackerCount,
  inputs: [
    { stream: ACK_INIT_STREAM, fields: ROOT_EDGE, from: 'spout', chooser: byRoot },
    { stream: ACK_FORGET_STREAM, fields: ROOT, from: 'spout', chooser: byRoot },
    { stream: ACK_ACK_STREAM, fields: ROOT_EDGE, from: 'bolt', chooser: byRoot },
    { stream: ACK_FAIL_STREAM, fields: new Fields(['root', 'outcome']), from: 'bolt', chooser: byRoot },
    { stream: ACK_RESET_STREAM, fields: ROOT, from: 'bolt', chooser: byRoot },
  ],
  outputs: [{ stream: ACK_OUTCOME_STREAM, fields: new Fields(['root', 'outcome']), subscribers: 'spouts' }],
  tickMs: (config) => (ackerCount(config) > 0 ? rotationMs(config) : undefined),
  create: () => new AckerBolt(),
};
