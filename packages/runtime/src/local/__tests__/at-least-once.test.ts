import {
  BaseRichBolt, TopologyBuilder, type OutputFieldsDeclarer, type Tuple,
} from '@gale/runtime';
import { ManualEngine } from '../../engine/__tests__/manual-engine.js';
import { NumberedSpout } from './numbered-spout.js';

/** What the spout and sink saw, per test; tasks are clones, so state lives here. */
const ledgers = new Map<string, { acked: Set<number>; ackCalls: number; failCalls: number; seen: number[] }>();

/** Fails a random 10% of tuples and forwards the rest anchored. */
class FlakyBolt extends BaseRichBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id']);
  }
  execute(t: Tuple): void {
    if (Math.random() < 0.1) {
      this.collector.fail(t);
      return;
    }
    this.collector.emit([t.getValue(0)], t);
    this.collector.ack(t);
  }
}

/** Never acks 1% of tuples (they time out); records every id it acks. */
class LossySink extends BaseRichBolt {
  constructor(private readonly key: string) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    if (Math.random() < 0.01) return;
    ledgers.get(this.key)!.seen.push(t.getValue(0) as number);
    this.collector.ack(t);
  }
}

describe('at-least-once processing', () => {
  it('acks every spout message id despite 10% failures and 1% timeouts; nothing is lost', async () => {
    const key = 'flaky';
    const n = 3000;
    ledgers.set(key, { acked: new Set(), ackCalls: 0, failCalls: 0, seen: [] });
    const b = new TopologyBuilder();
    b.setSpout('numbers', new NumberedSpout(n, {
      ack: (id) => {
        const l = ledgers.get(key)!;
        l.ackCalls++;
        l.acked.add(id);
      },
      fail: () => {
        ledgers.get(key)!.failCalls++;
      },
    }));
    b.setBolt('flaky', new FlakyBolt(), 2).shuffleGrouping('numbers');
    b.setBolt('sink', new LossySink(key), 2).fieldsGrouping('flaky', ['id']);
    const topology = b.build({ name: 'alo', config: { messageTimeoutMs: 300, maxSpoutPending: 200, ackers: 2 } });

    // Manual time: the 300 ms timeouts pass without waiting for them.
    const t = new ManualEngine(topology);
    try {
      await t.start();
      const l = ledgers.get(key)!;
      // Done: every id acked and nothing in flight (the spout is then exhausted).
      expect(await t.runUntil(() => l.acked.size === n && t.engine.isQuiescent(), 60_000)).toBe(true);
      expect(l.acked.size).toBe(n);
      expect(l.ackCalls).toBe(n); // each id acked exactly once at the spout
      const seen = new Set(l.seen);
      for (let i = 1; i <= n; i++) expect(seen.has(i)).toBe(true);
      const duplicates = l.seen.length - seen.size;
      // Duplicates only come from trees that failed after the sink saw them: bounded by failures.
      expect(duplicates).toBeLessThanOrEqual(l.failCalls);
      expect(l.failCalls).toBeGreaterThan(0);
      const spout = t.engine.stats().find((s) => s.component === 'numbers')!;
      expect(spout.timedOut).toBeGreaterThan(0);
      expect(spout.acked).toBe(n);
      expect(spout.pending).toBe(0);
      const acker = t.engine.stats().find((s) => s.component === '__acker')!;
      expect(acker.pending).toBe(0);
    } finally {
      await t.close();
    }
  });
});
