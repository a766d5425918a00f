import { BaseBasicBolt, BaseRichSpout, TopologyBuilder, parseTopologyConfig, type OutputFieldsDeclarer, type Topology } from '@gale/runtime';
import { Engine } from '../engine.js';
import type { Scheduler } from '../ports.js';
import type { RemoteLink } from '../remote.js';
import type { TupleImpl } from '../tuple.js';
import { CounterIds, seededRandom } from '../testing/counter-ids.js';
import { ManualClock } from '../testing/manual-time.js';

const silent = { error() {}, warn() {}, info() {}, debug() {} };
/** Manual ms one nextTuple() takes: a spout turn (512 emits) is ~2 ms, so an 8 ms run is 4 turns. */
const EMIT_MS = 0.004;

/**
 * A spout that always has a word to emit (a steady backlog), each emit taking EMIT_MS of the manual
 * clock; `idleFirst`: its first nextTuple() has nothing (a source below its capacity, e.g. a rate limit).
 */
class BusySpout extends BaseRichSpout {
  private seq = 0;
  private idle: boolean;
  constructor(private readonly clock: ManualClock, private readonly tracked: boolean, idleFirst: boolean) {
    super();
    this.idle = idleFirst;
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  nextTuple(): void {
    if (this.idle) {
      this.idle = false;
      return;
    }
    this.clock.advance(EMIT_MS);
    const seq = this.seq++;
    if (this.tracked) this.collector.emit([`w${seq % 7}`], seq);
    else this.collector.emit([`w${seq % 7}`]);
  }
}

class Sink extends BaseBasicBolt {
  declareOutputFields(): void {}
  execute(): void {}
}

/**
 * Runs deferred callbacks one at a time, so a test sees where one engine run ends; after
 * {@link live} (for close) they, and timers, run on Node's loop.
 */
class SteppedScheduler implements Scheduler {
  private readonly queue: (() => void)[] = [];
  private isLive = false;
  defer(fn: () => void): void {
    if (this.isLive) setImmediate(fn);
    else this.queue.push(fn);
  }
  every(): () => void {
    return () => {};
  }
  after(ms: number, fn: () => void): () => void {
    if (!this.isLive) return () => {};
    const h = setTimeout(fn, ms);
    return () => clearTimeout(h);
  }
  live(): void {
    this.isLive = true;
    for (const fn of this.queue.splice(0)) setImmediate(fn);
  }
  /** Runs the oldest deferred callback (one engine run, or a spout's retry); false: none. */
  step(): boolean {
    const fn = this.queue.shift();
    if (fn === undefined) return false;
    fn();
    return true;
  }
}

/**
 * The spout (and the acker) here, the sink on another worker whose acks never come back in this
 * test: the spout's trees stay pending, as while their acks wait unread in a socket.
 */
async function spoutWorker(acked: boolean, ackSliceMs: number | undefined, idleFirst = false): Promise<{ engine: Engine; scheduler: SteppedScheduler; sent: () => number; runEnds: number[] }> {
  const clock = new ManualClock();
  const b = new TopologyBuilder();
  // A factory, not an instance: an instance is copied per task, and the copy would move a copy of the clock.
  b.setSpout('words', () => new BusySpout(clock, acked, idleFirst));
  b.setBolt('sink', new Sink()).shuffleGrouping('words');
  // spoutWaitMs 0: the spout is asked again on the next deferred callback (the stepped scheduler runs no timers).
  const topology: Topology = b.build({ name: 'yield-for-acks', config: { ackers: acked ? 1 : 0, workers: 2, spoutWaitMs: 0 } });
  let sent = 0;
  /** Data tuples sent so far, at each RemoteLink.endOfRun. */
  const runEnds: number[] = [];
  const link: RemoteLink = {
    sendTuple(_task: number, tuple: TupleImpl): boolean {
      if (!tuple.stream.control) sent++;
      return true;
    },
    endOfRun(): void {
      runEnds.push(sent);
    },
  };
  const scheduler = new SteppedScheduler();
  const engine = new Engine({
    topology, config: parseTopologyConfig({}, topology.config), clock, scheduler, ids: new CounterIds(), random: seededRandom(1), log: silent,
    placement: { isLocal: (component) => component !== 'sink', link },
    ...(ackSliceMs !== undefined ? { ackSliceMs } : {}),
  });
  await engine.start();
  return { engine, scheduler, sent: () => sent, runEnds };
}

/** Emits of each of the first `runs` engine runs (deferred callbacks that emitted nothing are skipped). */
function emitsPerRun(w: { scheduler: SteppedScheduler; sent: () => number }, runs: number): number[] {
  const out: number[] = [];
  for (let steps = 0; out.length < runs && steps < 1000; steps++) {
    const before = w.sent();
    if (!w.scheduler.step()) break;
    if (w.sent() > before) out.push(w.sent() - before);
  }
  return out;
}

describe('a run of the engine yields to I/O early while acks are awaited (ackSliceMs)', () => {
  it('with trees pending, a spout below its capacity (idle lately) stops its turn at ackSliceMs, and the run ends there', async () => {
    const w = await spoutWorker(true, 1, true);
    try {
      // A whole spout turn (512 emits) would take ~2 ms: the turn stops at the first check (every 16
      // emits) past 1 ms, 256 emits (1.024 ms), and so does the run.
      expect(emitsPerRun(w, 3)).toEqual([256, 256, 256]);
    } finally {
      w.scheduler.live();
      await w.engine.close(0);
    }
  });

  it('a spout that has never been idle (throughput-bound) keeps whole turns: the run ends at the first turn past ackSliceMs', async () => {
    const w = await spoutWorker(true, 1);
    try {
      // One spout turn (512 emits, ~2 ms) passes 1 ms: each run is one whole turn.
      expect(emitsPerRun(w, 3)).toEqual([512, 512, 512]);
    } finally {
      w.scheduler.live();
      await w.engine.close(0);
    }
  });

  it('each run ends by telling the link (RemoteLink.endOfRun), after the tuples it sent, so partial batches go out with the yield', async () => {
    const w = await spoutWorker(true, 1, true);
    try {
      expect(emitsPerRun(w, 3)).toEqual([256, 256, 256]);
      // one call at the end of each of those runs, when all of its 256 tuples had been handed over
      expect(w.runEnds).toEqual(expect.arrayContaining([256, 512, 768]));
      expect(w.runEnds.at(-1)).toBe(w.sent());
    } finally {
      w.scheduler.live();
      await w.engine.close(0);
    }
  });

  it('without ackSliceMs a run goes on to the 8 ms slice', async () => {
    const w = await spoutWorker(true, undefined);
    try {
      // Four turns of ~2.05 ms reach 8 ms.
      expect(emitsPerRun(w, 3)).toEqual([2048, 2048, 2048]);
    } finally {
      w.scheduler.live();
      await w.engine.close(0);
    }
  });

  it('with no trees pending (an unacked spout), ackSliceMs does not shorten the run', async () => {
    const w = await spoutWorker(false, 1);
    try {
      expect(emitsPerRun(w, 3)).toEqual([2048, 2048, 2048]);
    } finally {
      w.scheduler.live();
      await w.engine.close(0);
    }
  });
});
