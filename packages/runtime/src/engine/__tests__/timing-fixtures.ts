import {
  BaseBasicBolt, BaseRichBolt, BaseRichSpout, type OutputCollector, type OutputFieldsDeclarer, type Tuple,
} from '@gale/runtime';
import type { ManualClock } from '../testing/manual-time.js';

/*
 * Components for the engine timing tests. Each reports to a probe object the test holds; the
 * builder gets a factory (`() => new X(probe)`), so every task shares the probe instead of a copy.
 */

export interface Stamped<T> {
  id: T;
  at: number;
  task: number;
}

/** What a {@link ProbeSpout} did and what it should emit. */
export class SpoutProbe {
  nextTupleCalls = 0;
  readonly emits: Stamped<unknown>[] = [];
  readonly acks: Stamped<unknown>[] = [];
  readonly fails: Stamped<unknown>[] = [];
  /** Message ids to emit, in order, each at its first poll at or after `at`. */
  readonly plan: { id: unknown; at: number }[] = [];
  /** Failed ids are emitted again (before the plan) when set. */
  replay = false;
  /** When the plan is empty, emit `i:1`, `i:2`... forever (i: the task index, from 0). */
  unlimited = false;
  constructor(readonly clock: ManualClock) {}
  failedIds(): unknown[] {
    return this.fails.map((f) => f.id);
  }
}

/** Emits `[id]` with message id `id`, as its probe says. */
export class ProbeSpout extends BaseRichSpout {
  private readonly replays: unknown[] = [];
  private seq = 0;
  constructor(private readonly probe: SpoutProbe) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id']);
  }
  nextTuple(): void {
    const p = this.probe;
    p.nextTupleCalls++;
    let id: unknown;
    if (this.replays.length > 0) id = this.replays.shift();
    else if (p.plan.length > 0 && p.plan[0]!.at <= p.clock.now()) id = p.plan.shift()!.id;
    else if (p.unlimited) id = `${this.context.thisTaskIndex}:${++this.seq}`;
    else return;
    p.emits.push(this.stamp(id));
    this.collector.emit([id], id);
  }
  override ack(id: unknown): void {
    this.probe.acks.push(this.stamp(id));
  }
  override fail(id: unknown): void {
    this.probe.fails.push(this.stamp(id));
    if (this.probe.replay) this.replays.push(id);
  }
  private stamp(id: unknown): Stamped<unknown> {
    return { id, at: this.probe.clock.now(), task: this.context.thisTaskId };
  }
}

export interface Held {
  tuple: Tuple;
  collector: OutputCollector;
  at: number;
}

/** Tuples a {@link HoldingBolt} received and has not acked: the test acks, fails or touches them. */
export class BoltProbe {
  readonly held: Held[] = [];
  constructor(readonly clock: ManualClock) {}
  /** The held input whose first value is `id`. */
  get(id: unknown): Held {
    const h = this.held.find((x) => x.tuple.getValue(0) === id);
    if (h === undefined) throw new Error(`no held tuple ${String(id)}`);
    return h;
  }
  ack(id: unknown): void {
    const h = this.get(id);
    h.collector.ack(h.tuple);
  }
  resetTimeout(id: unknown): void {
    const h = this.get(id);
    h.collector.resetTimeout(h.tuple);
  }
}

/** Keeps every input without acking it. */
export class HoldingBolt extends BaseRichBolt {
  constructor(private readonly probe: BoltProbe) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    this.probe.held.push({ tuple: t, collector: this.collector, at: this.probe.clock.now() });
  }
}

/** Records every input's values and arrival time, and acks it (basic bolt). */
export class RecordingBolt extends BaseBasicBolt {
  constructor(private readonly seen: { values: unknown[]; at: number }[], private readonly clock: ManualClock) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    this.seen.push({ values: [...t.values], at: this.clock.now() });
  }
}
