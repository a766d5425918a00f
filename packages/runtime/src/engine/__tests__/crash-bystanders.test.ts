import { BaseRichBolt, DEAD_LETTER_STREAM, TopologyBuilder, type Tuple } from '@gale/runtime';
import { ManualClock } from '../testing/manual-time.js';
import type { TupleImpl } from '../tuple.js';
import { ManualEngine } from './manual-engine.js';
import { ProbeSpout, RecordingBolt, SpoutProbe } from './timing-fixtures.js';

/*
 * Crash bystanders on manual time (crash-reports.ts). The bolt stands for a worker that crashes:
 * it never acks, so every tree times out, as trees do whose tuples died with a worker. Each round
 * the engine is told a worker was lost (peersDown(1), as the worker does when a peer's connection
 * drops) and back (peersDown(0), when it reconnects); the poison's tree is reported (reportCrashes,
 * as the crashed worker's next launch does). maxRetries 2: the poison is dead-lettered after its 3rd charged
 * crash; the bystanders, timed out by every one of those crashes, are only replayed. Before the
 * fix every timeout was charged and the bystanders were dead-lettered with the poison.
 */

/** Holds every input (never acks); remembers the root of each id's latest tuple. */
class CrashingBolt extends BaseRichBolt {
  constructor(private readonly roots: Map<unknown, number>) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    this.roots.set(t.getValue(0), (t as TupleImpl).anchors![0]!);
  }
}

/** Holds the first delivery of each id (a worker that crashed with it), acks every later one. */
class HoldFirstBolt extends BaseRichBolt {
  constructor(private readonly firstRoot: Map<unknown, number>) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    const id = t.getValue(0);
    if (this.firstRoot.has(id)) this.collector.ack(t);
    else this.firstRoot.set(id, (t as TupleImpl).anchors![0]!);
  }
}

function setup(clock: ManualClock, spout: SpoutProbe, roots: Map<unknown, number>, dead: { values: unknown[]; at: number }[]): ManualEngine {
  const b = new TopologyBuilder();
  b.setSpout('s', () => new ProbeSpout(spout), { maxRetries: 2 });
  b.setBolt('crash', () => new CrashingBolt(roots)).shuffleGrouping('s');
  b.setBolt('dlq', () => new RecordingBolt(dead, clock)).globalGrouping('s', DEAD_LETTER_STREAM);
  const topology = b.build({ name: 'crash-bystanders', config: { ackers: 1, messageTimeoutMs: 1000, replayBackoffInitialMs: 0 } });
  return new ManualEngine(topology, {}, clock);
}

describe('crash bystanders (manual clock)', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('timeouts of trees exposed to a lost worker are not charged; a reported crash is, once, early or late', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.replay = true;
    const roots = new Map<unknown, number>();
    const dead: { values: unknown[]; at: number }[] = [];
    for (const id of ['p', 'b1', 'b2', 'b3']) spout.plan.push({ id, at: 0 });
    h = setup(clock, spout, roots, dead);
    await h.start();
    const e = h;
    const deadIds = (): unknown[] => dead.map((d) => d.values[0]);
    // Round 1: the crash report comes while the poison's tree is still pending: failed at once.
    await e.settle();
    expect(roots.size).toBe(4);
    e.engine.peersDown(1);
    e.engine.peersDown(0);
    expect(e.engine.reportCrashes([roots.get('p')!])).toBe(1);
    await e.settle();
    expect(spout.failedIds()).toEqual(['p']);
    // Round 2: the report comes after the timeout (a slow relaunch): charged late, once.
    await e.settle();
    const late = roots.get('p')!;
    await e.runUntil(() => spout.fails.length >= 5, 5_000);
    // (The bystanders were exposed at round 1: their first timeouts are excused.)
    expect(spout.failedIds().filter((x) => x === 'p')).toHaveLength(2);
    e.engine.reportCrashes([late]);
    e.engine.reportCrashes([late]); // a repeated report charges nothing twice
    await e.settle();
    // Rounds 3..6: the worker is lost again each round; the poison's crashes are reported early.
    for (let round = 3; round <= 6; round++) {
      await e.settle();
      e.engine.peersDown(1);
      e.engine.peersDown(0);
      if (!deadIds().includes('p')) e.engine.reportCrashes([roots.get('p')!]);
      await e.runUntil(() => spout.fails.filter((f) => f.id === 'b1').length >= round, 5_000);
    }
    // The poison: 3 charged crashes (attempts 1, 2 late, 3), then dead-lettered with worker-crashed.
    expect(deadIds()).toEqual(['p']);
    expect(dead[0]!.values.slice(3)).toEqual(['worker-crashed', 3]);
    // The bystanders: timed out by all six crashes, replayed each time, never dead-lettered.
    for (const b of ['b1', 'b2', 'b3']) expect(spout.fails.filter((f) => f.id === b).length).toBeGreaterThanOrEqual(6);
    expect(h.stats('s')).toMatchObject({ deadLettered: 1 });
  });

  it('trees emitted while a worker is away are exposed too (a crash loop keeps it down for seconds); once it is back, timeouts count again', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.replay = true;
    const dead: { values: unknown[]; at: number }[] = [];
    h = setup(clock, spout, new Map(), dead);
    h.engine.peersDown(1);
    spout.plan.push({ id: 'b', at: 0 });
    await h.start();
    // Emitted after the loss, timed out and replayed 5 times while the worker stays away: never charged.
    await h.runUntil(() => spout.fails.length >= 5, 20_000);
    expect(dead).toEqual([]);
    h.engine.peersDown(0);
    // Back: the replay in flight now was emitted while it was away (excused); the next three count.
    await h.runUntil(() => dead.length > 0, 20_000);
    expect(dead.map((d) => d.values.slice(3))).toEqual([['timed-out', 3]]);
    expect(spout.fails.length).toBe(8);
  });

  it('a late crash report for a message whose replay was acked meanwhile charges nothing', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.replay = true;
    const dead: { values: unknown[]; at: number }[] = [];
    const firstRoot = new Map<unknown, number>();
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(spout), { maxRetries: 0 });
    b.setBolt('once', () => new HoldFirstBolt(firstRoot)).shuffleGrouping('s');
    b.setBolt('dlq', () => new RecordingBolt(dead, clock)).globalGrouping('s', DEAD_LETTER_STREAM);
    h = new ManualEngine(b.build({ name: 'late-report', config: { ackers: 1, messageTimeoutMs: 1000, replayBackoffInitialMs: 0 } }), {}, clock);
    spout.plan.push({ id: 'x', at: 0 });
    await h.start();
    await h.settle();
    h.engine.peersDown(1);
    h.engine.peersDown(0);
    // Its first tree times out (excused), the replay is acked; only then does the report arrive.
    await h.runUntil(() => spout.acks.length === 1, 5_000);
    h.engine.reportCrashes([firstRoot.get('x')!]);
    // The same id again (ids recur: a file's path and line): with a stale count and maxRetries 0 it
    // was dead-lettered at emit without running.
    spout.plan.push({ id: 'x', at: clock.now() });
    await h.runUntil(() => spout.acks.length === 2, 5_000);
    expect(dead).toEqual([]);
  });

  it('an unexposed timeout is still charged: a tree that times out on its own is dead-lettered after maxRetries', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.replay = true;
    const dead: { values: unknown[]; at: number }[] = [];
    spout.plan.push({ id: 'slow', at: 0 });
    h = setup(clock, spout, new Map(), dead);
    await h.start();
    await h.runUntil(() => dead.length > 0, 20_000);
    expect(dead.map((d) => d.values.slice(3))).toEqual([['timed-out', 3]]);
  });
});
