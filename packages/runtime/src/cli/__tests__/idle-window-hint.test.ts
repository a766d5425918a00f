// `gale local --until-idle` with an event-time window and no idleFlushMs: the input ends, its last
// window holds its inputs (the watermark moves only with later input), nothing moves and the run
// never ends. The CLI prints one note saying what, why and how to fix it (commands/local.ts checks
// this every IDLE_HINT_CHECK_MS). A real LocalCluster run: the condition holds once the input is
// done, and does not for the same topology with idleFlushMs (its last window fires, the run ends).
import {
  BaseRichSpout, BaseWindowedBolt, Duration, LocalCluster, TopologyBuilder, tumblingWindow,
  type OutputFieldsDeclarer, type TupleWindow, type WindowedOutputCollector,
} from '@gale/runtime';
import { IDLE_HINT_QUIET_MS, IdleWatch, idleWindowHint, progressMark, unflushedWindows } from '../idle-hint.js';

class Events extends BaseRichSpout {
  private next = 0;
  private acked = 0;
  declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['ts']); }
  nextTuple(): void {
    if (this.next < 5) this.collector.emit([1_000 + this.next * 100], this.next++);
  }
  override ack(): void { this.acked++; }
  isExhausted(): boolean { return this.acked === 5; }
}

class CountWindow extends BaseWindowedBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['n']); }
  execute(w: TupleWindow, c: WindowedOutputCollector): void { c.emit([w.get().length]); }
}

function topology(idleFlushMs?: number) {
  const b = new TopologyBuilder();
  b.setSpout('events', () => new Events());
  const window = { ...tumblingWindow(Duration.ofSeconds(10)), timestamp: 'ts', ...(idleFlushMs !== undefined ? { idleFlushMs } : {}) };
  b.setBolt('w', () => new CountWindow(window)).shuffleGrouping('events');
  return b.build({ name: 'idle-hint', config: { maxSpoutPending: 100, messageTimeoutMs: 60_000 } });
}

describe('the --until-idle note for an event-time window without idleFlushMs', () => {
  it('names the window once nothing moves while its inputs are held, and says how to fix it', async () => {
    const top = topology();
    expect(unflushedWindows(top)).toEqual(['w']);
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(top);
      // All 5 emitted and executed: the window holds them (no later input moves the watermark).
      expect(await t.waitUntil(() => t.stats().find((s) => s.component === 'w')!.executed >= 5 && t.isIdle() === false, 10_000)).toBe(true);
      expect(await t.waitUntilDone(300)).toBe(false);
      const mark = progressMark(t.stats());
      expect(await t.waitUntilDone(300)).toBe(false);
      const hint = idleWindowHint(t.stats(), mark, unflushedWindows(top));
      expect(hint).toMatch(/5 tuple trees are still pending: windowed bolt "w" uses event time without idleFlushMs/);
      expect(hint).toMatch(/Give the window spec idleFlushMs/);
      // Something moved since the mark: no note.
      expect(idleWindowHint(t.stats(), `${mark} changed`, unflushedWindows(top))).toBeUndefined();

      // The watch's clock starts at the last movement, whenever it falls between samples (a burst
      // of replays and dead letters ending just after one sample), and the acker's counts are no
      // movement of their own. The note shows once, IDLE_HINT_QUIET_MS after the last movement.
      const still = t.stats();
      const moved = still.map((s) => (s.component === 'events' ? { ...s, failed: s.failed + 1 } : s));
      const ackerOnly = still.map((s) => (s.kind === 'acker' ? { ...s, failed: s.failed + 7, pending: s.pending + 1 } : s));
      const watch = new IdleWatch(unflushedWindows(top));
      expect(watch.observe(still, 0)).toBeUndefined();
      expect(watch.observe(moved, 2_900)).toBeUndefined();
      expect(watch.observe(moved, 3_000)).toBeUndefined();
      expect(watch.observe(ackerOnly.map((s) => (s.component === 'events' ? { ...s, failed: s.failed + 1 } : s)), 4_000)).toBeUndefined();
      expect(watch.observe(moved, 2_900 + IDLE_HINT_QUIET_MS - 1)).toBeUndefined();
      expect(watch.observe(moved, 2_900 + IDLE_HINT_QUIET_MS)).toMatch(/nothing has moved for 3s/);
      expect(watch.observe(moved, 9_000)).toBeUndefined();
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('with idleFlushMs there is nothing to say: the last window fires and the run ends', async () => {
    const top = topology(1000);
    expect(unflushedWindows(top)).toEqual([]);
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(top);
      expect(await t.waitUntilDone(10_000)).toBe(true);
      expect(idleWindowHint(t.stats(), progressMark(t.stats()), unflushedWindows(top))).toBeUndefined();
    } finally {
      await cluster.shutdown(0);
    }
  });
});
