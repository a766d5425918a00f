/*
 * Periodic watermarks over input channels: one channel per upstream task and stream, each with
 * the largest timestamp it has sent. The watermark is the smallest of those maxima minus the max
 * lag, taken over EVERY expected channel (the upstream tasks of every subscribed stream), as Flink
 * takes it over all input channels and Storm's WaterMarkEventGenerator waits until each input
 * stream has sent. A channel that has not sent yet holds the watermark: counting only the
 * channels heard from let the first upstream task to send move the watermark alone, and the
 * other tasks' early tuples then arrived late (rolling-top-users lost the first windows of the
 * users routed through the slower task, about one run in four).
 *
 * Per task, not per stream as Storm does: two tasks of one upstream component fire their windows
 * on their own ticks, and with a per-stream maximum the faster would make the slower one late.
 *
 * Idleness (Flink's withIdleness, without its watermark messages): gale sends no watermarks
 * downstream, so a task that has nothing to send (a fields grouping that routes it no key, a
 * windowed upstream between firings) would hold the watermark forever. A channel that is behind
 * the newest one and silent for `idleInputMs` of processing time while the others move event time
 * forward (a channel that never sent: `idleInputMs` after the first tuple anywhere) is left out
 * until it sends again. Processing time is the sum of the ticks.
 */

/** The upstream tasks that may send on one subscribed stream. */
export interface WatermarkInput {
  readonly stream: string;
  readonly tasks: readonly number[];
}

interface Channel {
  /** Largest timestamp sent; -Infinity until the channel sends. */
  max: number;
  /** Processing time at which it was first seen behind and silent; NaN while not waiting. */
  waitingSince: number;
  /** The newest timestamp of any channel when the wait started: idleness needs progress past it. */
  newestAtWait: number;
  idle: boolean;
}

export class WatermarkTracker {
  /** Channels by upstream task, then stream (task ids are unique across components). */
  private readonly byTask = new Map<number, Map<string, Channel>>();
  private readonly channels: Channel[] = [];
  /** Processing time (ms): the sum of the ticks seen. */
  private now = 0;
  /** The channel of the previous tuple: runs of tuples from one task skip the two map lookups. */
  private lastTask = -1;
  private lastStream = '';
  private lastChannel: Channel | undefined;

  constructor(private readonly maxLagMs: number, private readonly idleInputMs: number, inputs: readonly WatermarkInput[]) {
    for (const i of inputs) for (const t of i.tasks) this.channel(t, i.stream);
  }

  /** A tuple with event time `ts` from upstream task `task` on `stream`. */
  observe(task: number, stream: string, ts: number): void {
    let c = this.lastChannel;
    if (c === undefined || task !== this.lastTask || stream !== this.lastStream) {
      c = this.byTask.get(task)?.get(stream) ?? this.channel(task, stream);
      this.lastTask = task;
      this.lastStream = stream;
      this.lastChannel = c;
    }
    if (ts > c.max) c.max = ts;
    c.waitingSince = NaN;
    c.idle = false;
  }

  /** Moves processing time by one tick of `elapsedMs`; silent channels left behind may turn idle. */
  tick(elapsedMs: number): void {
    this.now += elapsedMs;
    const newest = this.newest();
    if (newest === -Infinity) return;
    for (const c of this.channels) {
      if (c.idle || c.max >= newest) continue;
      if (Number.isNaN(c.waitingSince)) {
        c.waitingSince = this.now;
        c.newestAtWait = newest;
      } else if (c.max !== -Infinity && newest <= c.newestAtWait) {
        // Nobody moved event time on: a pause of the whole input is not this channel's silence, or
        // the first tuples after a long pause would find it idle and its older tuples late.
        c.waitingSince = this.now;
      } else if (this.now - c.waitingSince >= this.idleInputMs) {
        // A channel that never sent turns idle without progress: it has no tuples to make late, and
        // an input shorter than idleInputMs would otherwise never fire a window.
        c.idle = true;
      }
    }
  }

  /** The largest timestamp seen on any channel: -Infinity before any tuple. */
  newest(): number {
    let max = -Infinity;
    for (const c of this.channels) if (c.max > max) max = c.max;
    return max;
  }

  /** The watermark now: -Infinity while a channel that is not idle has sent nothing. */
  current(): number {
    let min = Infinity;
    for (const c of this.channels) if (!c.idle && c.max < min) min = c.max;
    return min === Infinity || min === -Infinity ? -Infinity : min - this.maxLagMs;
  }

  /** Channels that hold the watermark back no longer (for tests and diagnostics). */
  idleCount(): number {
    let n = 0;
    for (const c of this.channels) if (c.idle) n++;
    return n;
  }

  private channel(task: number, stream: string): Channel {
    let streams = this.byTask.get(task);
    if (streams === undefined) this.byTask.set(task, (streams = new Map<string, Channel>()));
    let c = streams.get(stream);
    if (c === undefined) {
      c = { max: -Infinity, waitingSince: NaN, newestAtWait: -Infinity, idle: false };
      streams.set(stream, c);
      this.channels.push(c);
    }
    return c;
  }
}
