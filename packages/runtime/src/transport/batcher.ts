/**
 * Records → frames for one peer. Each batched frame type has its own lane; a lane becomes a frame
 * when it holds `flushCount` records, or when the flush timer fires (`flushMs` after the first record
 * of a quiet period; 0 means the end of the current event-loop turn), or on an explicit `flush()`.
 * The peer client batches only TUPLES, so user tuples and system-stream tuples (acker traffic) share
 * one lane and reach the peer in send order.
 * A frame over `maxPayloadBytes` is split in halves until each part fits, so one large tuple costs
 * only itself; a single record that cannot be encoded at all is reported as dropped.
 */
import { FrameError } from './errors.js';
import { encodeFrame, type Frame } from './frame-codec.js';
import { loopSchedule, type Schedule } from './schedule.js';

export interface BatcherOptions {
  /** Frame types with a lane, in the order `flush()` emits them. */
  types: readonly number[];
  /** Records per lane that trigger an immediate flush of that lane. */
  flushCount: number;
  /** Longest a record waits for its batch to fill, in ms; 0 flushes at the end of the event-loop turn. */
  flushMs: number;
  /** Largest encoded frame. */
  maxPayloadBytes: number;
  /** An encoded frame holding `records` records. */
  onFrame: (buf: Buffer, records: number) => void;
  /** Records that cannot be sent at all (a single record over the limit, or unencodable). */
  onDropped: (type: number, records: unknown[], error: FrameError) => void;
  schedule?: Schedule;
}

export class Batcher {
  /** Indexed by frame type (small integers): this is on the per-record path, so no Map lookup. */
  private readonly lanes: (unknown[] | undefined)[] = [];
  private readonly schedule: Schedule;
  private cancelTimer: (() => void) | null = null;
  /**
   * Lane flushes so far: a record added while this stays unchanged is still in its open batch (not
   * encoded yet), so its owner may still amend it (PeerClient.sendAck merges acks into it).
   */
  flushes = 0;
  /** True while the flush timer's flush runs (for the hop trace: which batches waited for it). */
  byTimer = false;

  constructor(private readonly opts: BatcherOptions) {
    for (const t of opts.types) this.lanes[t] = [];
    this.schedule = opts.schedule ?? loopSchedule;
  }

  /** Records waiting in all lanes. */
  get size(): number {
    let n = 0;
    for (const t of this.opts.types) n += this.lanes[t]!.length;
    return n;
  }

  /** Adds a record to the lane of `type` (one of `types`). */
  add(type: number, record: unknown): void {
    const lane = this.lanes[type];
    if (lane === undefined) throw new RangeError(`no batch lane for frame type ${type}`);
    if (lane.push(record) >= this.opts.flushCount) this.flushLane(type, lane);
    else this.arm();
  }

  /** Encodes and hands over every partial batch now. */
  flush(): void {
    this.disarm();
    for (const type of this.opts.types) {
      const lane = this.lanes[type]!;
      if (lane.length > 0) this.flushLane(type, lane);
    }
  }

  /** Drops every waiting record and the flush timer. */
  clear(): void {
    this.disarm();
    this.flushes++;
    for (const type of this.opts.types) this.lanes[type] = [];
  }

  private arm(): void {
    if (this.cancelTimer !== null) return;
    this.cancelTimer = this.schedule(this.timerFired, this.opts.flushMs);
  }

  private disarm(): void {
    if (this.cancelTimer === null) return;
    this.cancelTimer();
    this.cancelTimer = null;
  }

  private readonly timerFired = (): void => {
    this.cancelTimer = null;
    this.byTimer = true;
    try {
      this.flush();
    } finally {
      this.byTimer = false;
    }
  };

  private flushLane(type: number, lane: unknown[]): void {
    this.flushes++;
    this.lanes[type] = [];
    this.encode(type, lane);
  }

  private encode(type: number, recs: unknown[]): void {
    let buf: Buffer | null = null;
    let error: FrameError | null = null;
    try {
      buf = encodeFrame([type, recs] as Frame);
      if (buf.length > this.opts.maxPayloadBytes) {
        // Only a lone record is ever reported (a larger batch is split first): say how to fix it.
        error = new FrameError('GALE_ERR_FRAME_TOO_LARGE', recs.length === 1
          ? `a tuple of ${buf.length} bytes (encoded) exceeds maxPayloadBytes ${this.opts.maxPayloadBytes}, the most one frame between workers may carry: split the data into smaller tuples, or emit a reference to it (a file path, a key) instead of the data`
          : `a ${buf.length}-byte frame exceeds maxPayloadBytes ${this.opts.maxPayloadBytes}`);
        buf = null;
      }
    } catch (err) {
      error = err instanceof FrameError ? err : new FrameError('GALE_ERR_FRAME_SCHEMA', String(err));
    }
    if (buf !== null) {
      this.opts.onFrame(buf, recs.length);
      return;
    }
    if (recs.length > 1) {
      const mid = recs.length >>> 1;
      this.encode(type, recs.slice(0, mid));
      this.encode(type, recs.slice(mid));
      return;
    }
    this.opts.onDropped(type, recs, error!);
  }
}
