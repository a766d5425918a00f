import {
  BaseRichBolt, BaseWindowedBolt, Duration, TopologyBuilder, slidingWindow,
  type OutputFieldsDeclarer, type Tuple, type TupleWindow, type WindowedOutputCollector,
} from '@gale/runtime';
import { ManualClock } from '../../../engine/testing/manual-time.js';
import { ManualEngine } from '../../../engine/__tests__/manual-engine.js';
import { ProbeSpout, RecordingBolt, SpoutProbe } from '../../../engine/__tests__/timing-fixtures.js';
import { HELD_STRIDE, HeldTuples } from '../held-tuples.js';

/*
 * The window holds entries (values + ack record), not Tuple objects (held-tuples.ts): the
 * WindowEntries extension shows the same tuples as get/getNew/getExpired, views keep their
 * identity while held, and an emit anchored to entries tracks exactly those inputs' trees.
 */

interface Seen { all: unknown[]; fresh: unknown[]; expired: unknown[]; fields: string[]; same: boolean }

/** Records entries vs tuples; emits [ids of fresh] anchored to the fresh entries (or to nothing). */
class EntriesBolt extends BaseWindowedBolt {
  private previous = new Map<unknown, Tuple>();
  constructor(private readonly seen: Seen[], private readonly useTuples: boolean) {
    super({ ...slidingWindow(Duration.ofSeconds(1), Duration.ofMillis(500)), epochClock: () => 0 });
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['ids']);
  }
  execute(w: TupleWindow, _c: WindowedOutputCollector): void {
    const e = w.entries!;
    const ids = (hs: readonly number[]): unknown[] => hs.map((h) => e.values(h)[0]);
    const fresh = ids(e.fresh());
    let same = true;
    if (this.useTuples) {
      expect(ids(e.all())).toEqual(w.get().map((t) => t.values[0]));
      expect(fresh).toEqual(w.getNew().map((t) => t.values[0]));
      expect(ids(e.expired())).toEqual(w.getExpired().map((t) => t.values[0]));
      // A tuple handed out is the entry from then on: the same object in every later window.
      for (const t of w.get()) {
        const before = this.previous.get(t.values[0]);
        if (before !== undefined && before !== t) same = false;
        this.previous.set(t.values[0], t);
      }
    }
    this.seen.push({ all: ids(e.all()), fresh, expired: ids(e.expired()), fields: e.all().map((h) => e.fields(h).names.join()), same });
    e.emit([fresh.join()], e.fresh());
  }
}

class FailAll extends BaseRichBolt {
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    this.collector.fail(t);
  }
}

describe('a window holds entries, not tuples', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function run(useTuples: boolean, downstream: 'record' | 'fail'): Promise<{ seen: Seen[]; spout: SpoutProbe; out: { values: unknown[]; at: number }[] }> {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 700 });
    const seen: Seen[] = [];
    const out: { values: unknown[]; at: number }[] = [];
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(spout));
    b.setBolt('w', () => new EntriesBolt(seen, useTuples)).shuffleGrouping('s');
    b.setBolt('out', () => (downstream === 'fail' ? new FailAll() : new RecordingBolt(out, clock))).shuffleGrouping('w');
    h = new ManualEngine(b.build({ name: 'entries', config: { maxSpoutPending: 100 } }), {}, clock);
    await h.start();
    await h.runUntil(() => spout.acks.length + spout.fails.length === 2, 3000);
    // Every execute ran to its end (a throw would fail its window's tuples too).
    expect(h.stats('w').errors).toBe(0);
    return { seen, spout, out };
  }

  it.each([false, true])('entries show the window as get/getNew/getExpired do (tuples also read: %s)', async (useTuples) => {
    const { seen, spout, out } = await run(useTuples, 'record');
    expect(seen.map((s) => [s.all, s.fresh, s.expired])).toEqual([
      [['a'], ['a'], []],
      [['a', 'b'], ['b'], []],
      [['b'], [], ['a']],
    ]);
    expect(seen.every((s) => s.same && s.fields.every((f) => f === 'id'))).toBe(true);
    expect(out.map((o) => o.values)).toEqual([['a'], ['b'], ['']]);
    // Each input acked once it left its last window, the rows anchored to it being done.
    expect(spout.acks.map((x) => [x.id, x.at])).toEqual([['a', 1000], ['b', 1500]]);
    expect(spout.fails).toEqual([]);
  });

  it.each([false, true])('an emit anchored to entries fails exactly their trees downstream (tuples also read: %s)', async (useTuples) => {
    const { spout } = await run(useTuples, 'fail');
    // Row 1 anchored to a, row 2 to b: both fail when their row fails, not when the window acks.
    expect(spout.fails.map((x) => [x.id, x.at])).toEqual([['a', 500], ['b', 1000]]);
    expect(spout.acks).toEqual([]);
  });
});

describe('HeldTuples', () => {
  it('reuses released entry numbers, grows its records, and forgets values and views on release', () => {
    const s = new HeldTuples();
    const hs = Array.from({ length: 3000 }, () => s.alloc());
    expect(new Set(hs).size).toBe(3000);
    expect(s.ints.length).toBeGreaterThanOrEqual(3000 * HELD_STRIDE);
    s.values[hs[7]!] = ['x'];
    s.release(hs[7]!);
    expect(s.values[hs[7]!]).toBeUndefined();
    expect(s.size).toBe(2999);
    expect(s.alloc()).toBe(hs[7]);
    expect(s.size).toBe(3000);
  });
});
