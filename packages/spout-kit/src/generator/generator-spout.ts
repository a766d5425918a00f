import {
  BaseRichSpout, TopologyError, type Fields, type OutputFieldsDeclarer, type SpoutOutputCollector, type TopologyContext,
  type Values, UNSENDABLE_FAIL_REASONS,
} from '@gale/runtime';
import { TokenBucket } from './token-bucket.js';

/** Options of {@link GeneratorSpout}. */
export interface GeneratorSpoutOptions {
  /** Output fields of the default stream. */
  fields: Fields | readonly string[];
  /**
   * Values of tuple number `seq` (0, 1, 2, ...), or `undefined`/`null` when there are no more.
   * Should be a pure function of `seq`: it is shared by every task of the spout.
   */
  generate: (seq: number) => Values | undefined | null;
  /** Most tuples per second per task (token bucket, bursts of up to 10 ms' worth); unlimited when omitted. */
  ratePerSec?: number;
  /** Emit with message id `seq` and replay failed tuples (default true). */
  tracked?: boolean;
  /** Generate at most this many tuples (`seq < limit`) across all tasks. */
  limit?: number;
}

/** Per-task state, created in `open()` (instances are deep-copied per task before it). */
interface GenState {
  /** Next seq this task generates; tasks take seq = index, index + n, index + 2n, ... */
  seq: number;
  readonly step: number;
  done: boolean;
  readonly bucket: TokenBucket | undefined;
  /** Emitted, not yet acked: seq → values (tracked only). */
  readonly pending: Map<number, Values>;
  replay: number[];
  replayHead: number;
}

/**
 * Emits `generate(0)`, `generate(1)`, ... until it returns `undefined` or `null` (or `limit`
 * is reached). When `tracked` (the default) each tuple's message id is its `seq` and a failed
 * tuple is re-emitted with the same values and id, before new ones. `ratePerSec` caps the
 * emit rate with a token bucket on `performance.now()`; between tokens `nextTuple()` emits
 * nothing and the executor calls again after `spoutWaitMs`, so rate limiting needs
 * `spoutWaitMs` > 0 (the default is 1).
 *
 * With several tasks, task `i` of `n` generates seq `i`, `i + n`, `i + 2n`, ... and stops at
 * its own first `undefined`, so each seq is generated once.
 *
 * `isExhausted()` is true once generation ended and every tracked tuple was acked.
 *
 * ```ts
 * builder.setSpout('nums', new GeneratorSpout({ fields: ['n'], generate: (i) => [i], limit: 1000 }));
 * ```
 */
export class GeneratorSpout extends BaseRichSpout {
  /** A tuple that cannot be sent fails the same way on every replay: dead-letter it at once (docs/kits.md). */
  readonly deadLetterOn = UNSENDABLE_FAIL_REASONS;
  private readonly options: Readonly<GeneratorSpoutOptions>;
  private readonly tracked: boolean;
  private readonly limit: number;
  private state: GenState | undefined;

  constructor(options: GeneratorSpoutOptions) {
    super();
    if (typeof options?.generate !== 'function') {
      throw new TopologyError('GALE_ERR_BAD_OPTION', 'GeneratorSpout needs { generate: (seq) => values | undefined }');
    }
    const { ratePerSec, limit } = options;
    if (ratePerSec !== undefined && !(typeof ratePerSec === 'number' && Number.isFinite(ratePerSec) && ratePerSec > 0)) {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `GeneratorSpout ratePerSec must be a finite number > 0, got ${JSON.stringify(ratePerSec)}`);
    }
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `GeneratorSpout limit must be an integer >= 0, got ${JSON.stringify(limit)}`);
    }
    this.options = options;
    this.tracked = options.tracked ?? true;
    this.limit = limit ?? Infinity;
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(this.options.fields);
  }

  override open(context: TopologyContext, collector: SpoutOutputCollector): void {
    super.open(context, collector);
    const rate = this.options.ratePerSec;
    this.state = {
      seq: context.thisTaskIndex,
      step: context.componentTasks(context.thisComponentId).length,
      done: false,
      bucket: rate === undefined ? undefined : new TokenBucket(rate, Math.max(1, rate / 100), () => performance.now()),
      pending: new Map(),
      replay: [],
      replayHead: 0,
    };
  }

  nextTuple(): void {
    const s = this.state;
    if (s === undefined) return;
    if (s.replayHead < s.replay.length) {
      if (s.bucket !== undefined && !s.bucket.tryTake()) return;
      const seq = s.replay[s.replayHead++]!;
      if (s.replayHead === s.replay.length) {
        s.replay = [];
        s.replayHead = 0;
      }
      const values = s.pending.get(seq);
      if (values !== undefined) this.collector.emit(values, seq);
      return;
    }
    if (s.done) return;
    if (s.seq >= this.limit) {
      s.done = true;
      return;
    }
    if (s.bucket !== undefined && !s.bucket.tryTake()) return;
    const seq = s.seq;
    const values = this.options.generate(seq);
    if (values === undefined || values === null) {
      s.done = true;
      return;
    }
    s.seq += s.step;
    if (this.tracked) {
      s.pending.set(seq, values);
      this.collector.emit(values, seq);
    } else {
      this.collector.emit(values);
    }
  }

  override ack(messageId: unknown): void {
    this.state?.pending.delete(messageId as number);
  }

  override fail(messageId: unknown): void {
    const s = this.state;
    if (s !== undefined && s.pending.has(messageId as number)) s.replay.push(messageId as number);
  }

  /** The pending message's values, for its dead letter (Spout.deadLetterValues). */
  deadLetterValues(messageId: unknown): Values | undefined {
    return this.state?.pending.get(messageId as number);
  }

  /** True once generation ended and no tracked tuple is pending or waiting for replay. */
  isExhausted(): boolean {
    const s = this.state;
    return s !== undefined && (s.done || s.seq >= this.limit) && s.pending.size === 0 && s.replayHead >= s.replay.length;
  }
}
