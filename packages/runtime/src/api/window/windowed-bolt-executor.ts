import { ComponentError, TopologyError } from '../../errors.js';
import type { Bolt, OutputCollector, OutputFieldsDeclarer, TopologyContext, Tuple, Values } from '../types.js';
import { CountWindowState } from './count-window-state.js';
import { TimeWindowState, type Firing } from './time-window-state.js';
import { WatermarkTracker } from './watermark.js';
import { requiredTimeoutMs } from './window-limits.js';
import type { TupleWindow, WindowedBolt, WindowedOutputCollector } from './windowed-bolt.js';
import { WINDOW_LATE_FIELDS, type ResolvedWindow } from './window-spec.js';

/*
 * The ordinary bolt the builder puts around a WindowedBolt (Storm's WindowedBoltExecutor): the
 * engine runs it like any other bolt and knows nothing of windows. Inputs are buffered, not
 * acked; tick tuples move processing time or the watermark and fire the due windows; a tuple
 * is acked once it has left every window it belongs to.
 */

const NO_TUPLES: readonly Tuple[] = Object.freeze([]);

/** Each list is built when the bolt first asks for it (firing.ts). */
class Window implements TupleWindow {
  constructor(private readonly f: Firing<Tuple>, readonly startTimestamp: number | undefined, readonly endTimestamp: number | undefined) {}
  get(): readonly Tuple[] { return this.f.window; }
  getNew(): readonly Tuple[] { return this.f.fresh; }
  getExpired(): readonly Tuple[] { return this.f.expired; }
}

/** The state machine the executor drives: time or count. */
type State = { kind: 'time'; s: TimeWindowState<Tuple> } | { kind: 'count'; s: CountWindowState<Tuple> };

export class WindowedBoltExecutor implements Bolt {
  private collector!: OutputCollector;
  private component = '';
  private state!: State;
  /** The window being executed: emits without `anchors` anchor to its tuples. */
  private current: Firing<Tuple> | undefined;
  /** Its tuples minus those failed during the execute; built on the first emit that needs it. */
  private currentAnchors: readonly Tuple[] | undefined;
  /** Processing time: epoch ms at time 0 of this task's tick clock. */
  private origin = 0;
  private fullReported = false;
  private watermark!: WatermarkTracker;
  /** Event time: processing time (ms, in ticks) since the last input tuple, for `idleFlushMs`. */
  private idleMs = 0;
  private readonly out: WindowedOutputCollector;

  constructor(readonly inner: WindowedBolt, private readonly w: ResolvedWindow) {
    this.out = {
      emit: (values: Values, anchors?: readonly Tuple[]) => this.collector.emit(values, anchors ?? this.windowAnchors()),
      emitStream: (streamId: string, values: Values, anchors?: readonly Tuple[]) => this.collector.emitStream(streamId, values, anchors ?? this.windowAnchors()),
      fail: (tuple: Tuple) => this.failOne(tuple),
      reportError: (error: unknown) => this.collector.reportError(error),
    };
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    this.inner.declareOutputFields(declarer);
    if (this.w.eventTime) declarer.declareStream(this.w.lateStream, WINDOW_LATE_FIELDS);
  }

  async prepare(context: TopologyContext, collector: OutputCollector): Promise<void> {
    this.collector = collector;
    this.component = context.thisComponentId;
    if (this.w.by === 'count') {
      this.state = { kind: 'count', s: new CountWindowState(this.w.length, this.w.slide) };
    } else {
      const s = new TimeWindowState<Tuple>(this.w);
      if (!this.w.eventTime) s.advance(0);
      this.state = { kind: 'time', s };
    }
    this.origin = this.w.epochClock();
    // Every upstream task of every subscribed stream holds the watermark until it sends or idles.
    this.watermark = new WatermarkTracker(this.w.maxLagMs, this.w.idleInputMs, context.thisSources?.() ?? []); // hand-built contexts of older tests may lack it
    // The config may have been overridden at submit time, after build() checked it.
    const need = requiredTimeoutMs(this.w);
    if (need !== undefined && context.config.messageTimeoutMs < need.total) {
      collector.reportError(new TopologyError('GALE_ERR_WINDOW_TIMEOUT', `windowed bolt "${this.component}": messageTimeoutMs (${context.config.messageTimeoutMs}) is shorter than ${need.text}; tuples would time out while still in a window`));
    }
    await this.inner.prepare?.(context, this.out);
  }

  /** Synchronous unless the windowed bolt's execute is async (then the engine awaits it, in order). */
  execute(tuple: Tuple): void | Promise<void> {
    if (tuple.isTick()) return this.onTick(tuple);
    this.idleMs = 0;
    const st = this.state;
    if (st.kind === 'count') {
      const firing = st.s.add(tuple);
      return firing === undefined ? undefined : this.fire(firing, undefined, undefined, () => st.s.evict());
    }
    const ts = this.w.eventTime ? this.timestampOf(tuple) : st.s.now;
    if (ts === undefined) return;
    const r = st.s.add(tuple, ts);
    if (this.w.eventTime && r !== 'full') this.watermark.observe(tuple.sourceTask, tuple.sourceStreamId, ts);
    if (r === 'late') {
      this.collector.emitStream(this.w.lateStream, [tuple.sourceComponent, tuple.sourceStreamId, [...tuple.values], ts, st.s.now], tuple);
      this.collector.ack(tuple);
    } else if (r === 'full') {
      if (!this.fullReported) {
        this.fullReported = true;
        this.collector.reportError(new ComponentError('GALE_ERR_WINDOW_FULL', `windowed bolt "${this.component}" holds maxTuples (${this.w.maxTuples}) tuples; failing new input until windows expire (lower maxSpoutPending or raise maxTuples)`));
      }
      this.collector.fail(tuple);
    } else {
      this.fullReported = false;
    }
  }

  async cleanup(): Promise<void> {
    await this.inner.cleanup?.();
  }

  private onTick(tick: Tuple): void | Promise<void> {
    const st = this.state;
    if (st.kind === 'count') return;
    const s = st.s;
    if (this.w.eventTime) {
      const elapsedMs = Math.round(Number(tick.values[0]) * 1000);
      this.watermark.tick(elapsedMs);
      s.advance(this.watermark.current());
      this.idleMs += elapsedMs;
      // An input that stopped: close every window holding a tuple (they all end by newest + length)
      // and end their lateness too, or their tuples would never be evicted and acked.
      if (this.w.idleFlushMs !== undefined && this.idleMs >= this.w.idleFlushMs && s.size > 0) s.advance(this.watermark.newest() + this.w.length + this.w.allowedLatenessMs);
    } else {
      // Ticks carry their period in seconds; processing time moves by whole ticks.
      s.advance(s.now + Math.round(Number(tick.values[0]) * 1000));
    }
    const origin = this.w.eventTime ? 0 : this.origin;
    const loop = (): void | Promise<void> => {
      for (let f = s.next(); f !== undefined; f = s.next()) {
        const p = this.fire(f, origin + f.start, origin + f.end, () => s.evict());
        if (p !== undefined) return p.then(loop);
      }
      for (const t of s.evict()) this.collector.ack(t);
      return undefined;
    };
    return loop();
  }

  /** Executes one window, then acks what left every window; a promise only if the bolt's execute returned one. */
  private fire(f: Firing<Tuple>, start: number | undefined, end: number | undefined, evict: () => readonly Tuple[]): void | Promise<void> {
    const done = (err?: unknown): void => {
      this.current = undefined;
      this.currentAnchors = undefined;
      if (err !== undefined) {
        this.collector.reportError(err);
        for (const t of f.window) this.failOne(t);
      }
      for (const t of evict()) this.collector.ack(t);
    };
    this.current = f;
    let r: void | Promise<void>;
    try {
      r = this.inner.execute(new Window(f, start, end), this.out);
    } catch (err) {
      return done(err ?? new Error('windowed execute threw'));
    }
    if (r === undefined || typeof (r as Partial<Promise<void>>).then !== 'function') return done();
    return r.then(() => done(), (err: unknown) => done(err ?? new Error('windowed execute rejected')));
  }

  private failOne(tuple: Tuple): void {
    if (!this.state.s.remove(tuple)) return;
    this.collector.fail(tuple);
    // Later emits of this execute must not anchor to a failed tuple (GALE_ERR_ANCHOR_DONE).
    if (this.current === undefined) return;
    const anchors = this.windowAnchors();
    if (anchors.includes(tuple)) this.currentAnchors = anchors.filter((t) => t !== tuple);
  }

  private windowAnchors(): readonly Tuple[] {
    return this.currentAnchors ?? this.current?.window ?? NO_TUPLES;
  }

  /** Event time of a tuple, or undefined after failing it with an error naming the field. */
  private timestampOf(tuple: Tuple): number | undefined {
    let ts: unknown;
    let what: string;
    if (this.w.timestampField !== undefined) {
      what = `field "${this.w.timestampField}"`;
      const i = tuple.fields.fieldIndex(this.w.timestampField);
      ts = i < 0 ? undefined : tuple.values[i];
      if (i < 0) return this.reject(tuple, `${what} is missing from tuples of "${tuple.sourceComponent}"/"${tuple.sourceStreamId}" (fields ${tuple.fields})`);
    } else {
      what = 'the timestamp extractor';
      try {
        ts = this.w.timestampOf!(tuple);
      } catch (err) {
        return this.reject(tuple, `${what} threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (typeof ts !== 'number' || !Number.isFinite(ts)) return this.reject(tuple, `${what} gave ${JSON.stringify(ts)}, not a finite number of epoch ms`);
    return ts;
  }

  private reject(tuple: Tuple, why: string): undefined {
    this.collector.reportError(new ComponentError('GALE_ERR_WINDOW_TIMESTAMP', `windowed bolt "${this.component}": ${why}; tuple failed`));
    this.collector.fail(tuple);
    return undefined;
  }
}
