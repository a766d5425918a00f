import {
  BaseBasicBolt, BaseRichBolt, BaseRichSpout, ComponentError, FailedException, FixedTupleSpout, LocalCluster, TopologyBuilder,
  completeTopology, type BasicOutputCollector, type OutputFieldsDeclarer, type Tuple,
} from '@gale/runtime';
import { ManualEngine } from '../../engine/__tests__/manual-engine.js';

describe('errors, ticks and async bolts', () => {
  it('a bolt that throws in execute fails the tuple, reports the error, and the spout replays it', async () => {
    const attempts = new Map<string, number>();
    class ThrowOnce extends BaseBasicBolt {
      declareOutputFields(d: OutputFieldsDeclarer): void {
        d.declare(['v']);
      }
      execute(t: Tuple, c: BasicOutputCollector): void {
        const v = t.getValue(0) as string;
        const n = (attempts.get(v) ?? 0) + 1;
        attempts.set(v, n);
        if (v === 'poison' && n === 1) throw new Error('cannot parse "poison"');
        if (v === 'soft' && n === 1) throw new FailedException('retry later');
        c.emit([v]);
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('s', new FixedTupleSpout([], ['v']));
    b.setBolt('b', new ThrowOnce()).shuffleGrouping('s');
    const errors: string[] = [];
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(
        (() => {
          const bb = new TopologyBuilder();
          bb.setSpout('s', new FixedTupleSpout([['ok'], ['poison'], ['soft']], ['v']));
          bb.setBolt('b', new ThrowOnce()).shuffleGrouping('s');
          return bb.build({ name: 'throws' });
        })(),
        { onError: (e) => errors.push(`${e.component}: ${e.message}`) },
      );
      expect(await t.waitUntilDone(10_000)).toBe(true);
      expect(attempts.get('poison')).toBe(2);
      expect(attempts.get('soft')).toBe(2);
      expect(errors).toEqual(['b: cannot parse "poison"']); // FailedException is not an error
      expect(t.errors('b')).toHaveLength(1);
      const bolt = t.stats().find((s) => s.component === 'b')!;
      expect(bolt.failed).toBe(2);
      expect(bolt.errors).toBe(1);
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('a thrown value that JSON cannot encode (BigInt, cycle) is still reported, and the tuple failed', async () => {
    class Weird extends BaseRichBolt {
      declareOutputFields(): void {}
      execute(t: Tuple): void {
        const cyc: Record<string, unknown> = { big: 10n };
        cyc.self = cyc;
        if (t.getValue(0) === 'a') throw cyc;
        this.collector.ack(t);
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('s', new FixedTupleSpout([['a']], ['v']), { maxRetries: 0 });
    b.setBolt('w', new Weird()).shuffleGrouping('s');
    const errors: string[] = [];
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(b.build({ name: 'weird' }), { onError: (e) => errors.push(e.message) });
      expect(await t.waitUntilDone(10_000)).toBe(true);
      expect(errors).toEqual(['[object Object]']);
      expect(t.stats().find((s) => s.component === 'w')!.failed).toBe(1);
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('acking something that is not an input tuple is a clear error that fails the input', async () => {
    class BadAck extends BaseRichBolt {
      declareOutputFields(): void {}
      execute(): void {
        this.collector.ack({ values: [] } as unknown as Tuple);
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('s', new FixedTupleSpout([['a']], ['v']), { maxRetries: 0 });
    b.setBolt('b', new BadAck()).shuffleGrouping('s');
    const errors: string[] = [];
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(b.build({ name: 'badack' }), { onError: (e) => errors.push(e.message) });
      expect(await t.waitUntilDone(10_000)).toBe(true);
      expect(errors[0]).toBe('component "b" called ack() with object, not an input tuple it received');
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('a bolt that throws in prepare stops the submit with a ComponentError naming it', async () => {
    class BadPrepare extends BaseRichBolt {
      override prepare(): void {
        throw new Error('no database');
      }
      declareOutputFields(): void {}
      execute(): void {}
    }
    const b = new TopologyBuilder();
    b.setSpout('s', new FixedTupleSpout([['a']], ['v']));
    b.setBolt('db', new BadPrepare()).shuffleGrouping('s');
    const cluster = new LocalCluster();
    await expect(cluster.submit(b.build({ name: 'bp' }))).rejects.toThrow(ComponentError);
    await expect(cluster.submit(b.build({ name: 'bp' }))).rejects.toThrow(/bolt "db" \(task \d+\) failed in prepare\(\): no database/);
    expect(cluster.names()).toEqual([]);
    await cluster.shutdown();
  });

  it('a spout that throws in nextTuple reports the error and keeps running', async () => {
    class Glitchy extends BaseRichSpout {
      private n = 0;
      declareOutputFields(d: OutputFieldsDeclarer): void {
        d.declare(['n']);
      }
      nextTuple(): void {
        this.n++;
        if (this.n === 2) throw new Error('source hiccup');
        if (this.n <= 5) this.collector.emit([this.n], this.n);
      }
      isExhausted(): boolean {
        return this.n > 5;
      }
    }
    class Sink extends BaseBasicBolt {
      declareOutputFields(): void {}
      execute(): void {}
    }
    const b = new TopologyBuilder();
    b.setSpout('g', new Glitchy());
    b.setBolt('sink', new Sink()).shuffleGrouping('g');
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(b.build({ name: 'glitchy' }));
      expect(await t.waitUntilDone(10_000)).toBe(true);
      expect(t.errors('g').map((e) => e.message)).toEqual(['source hiccup']);
      expect(t.stats().find((s) => s.component === 'sink')!.executed).toBe(4);
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('emitting the wrong number of values or on an undeclared stream is a clear error and fails the input', async () => {
    class Wrong extends BaseBasicBolt {
      declareOutputFields(d: OutputFieldsDeclarer): void {
        d.declare(['a', 'b']);
      }
      execute(t: Tuple, c: BasicOutputCollector): void {
        if (t.getValue(0) === 'arity') c.emit(['only-one']);
        else c.emitStream('nope', ['x', 'y']);
      }
    }
    const errors: string[] = [];
    const b = new TopologyBuilder();
    b.setSpout('s', new FixedTupleSpout([['arity'], ['stream']], ['v']), { maxSpoutPending: 2 });
    b.setBolt('w', new Wrong()).shuffleGrouping('s');
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(b.build({ name: 'wrong' }), { onError: (e) => errors.push(e.message) });
      await t.waitUntil(() => errors.length >= 2, 10_000);
      expect(errors[0]).toMatch(/emitted 1 values on stream "default", which declares 2 fields \[a, b\]/);
      expect(errors[1]).toMatch(/stream "nope", which it did not declare/);
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('tick tuples arrive at the configured frequency, and async execute keeps order with maxConcurrency 1', async () => {
    const ticks: number[] = [];
    const order: number[] = [];
    class Ticker extends BaseBasicBolt {
      declareOutputFields(): void {}
      async execute(t: Tuple): Promise<void> {
        if (t.isTick()) {
          ticks.push(t.getValue(0) as number);
          return;
        }
        // Resolves after a random number of promise hops: later inputs could overtake earlier ones.
        for (let i = Math.floor(Math.random() * 4); i > 0; i--) await Promise.resolve();
        order.push(t.getValue(0) as number);
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('s', new FixedTupleSpout([], ['n']));
    b.setBolt('t', new Ticker(), { tickFrequencySecs: 0.02 }).shuffleGrouping('s');
    const src = Array.from({ length: 30 }, (_, i) => [i]);
    const bb = new TopologyBuilder();
    bb.setSpout('s', new FixedTupleSpout(src, ['n']));
    bb.setBolt('t', new Ticker(), { tickFrequencySecs: 0.02 }).shuffleGrouping('s');
    // Manual time: the 20 ms tick period passes without waiting for it.
    const t = new ManualEngine(bb.build({ name: 'ticks' }));
    try {
      await t.start();
      expect(await t.runUntil(() => ticks.length >= 3 && order.length === 30, 10_000)).toBe(true);
      expect(ticks[0]).toBe(0.02);
      expect(order).toEqual(src.map((v) => v[0]));
    } finally {
      await t.close();
    }
    void b;
  });

  it('completeTopology reports a clear timeout when trees never complete', async () => {
    class BlackHole extends BaseRichBolt {
      declareOutputFields(): void {}
      execute(): void {}
    }
    const b = new TopologyBuilder();
    b.setSpout('s', new FixedTupleSpout([], ['v']));
    b.setBolt('h', new BlackHole()).shuffleGrouping('s');
    await expect(completeTopology(b.build({ name: 'hole' }), { mockedSources: { s: [['a']] }, timeoutMs: 200 }))
      .rejects.toThrow(/did not complete within 200 ms \(s: pending 1/);
  });
});

describe('spout wait', () => {
  it('with spoutWaitMs 0 an idle spout is polled again on the next loop turn', async () => {
    const { FeederSpout } = await import('@gale/runtime');
    const feeder = new FeederSpout(['x']);
    let executed = 0;
    class Sink extends BaseBasicBolt {
      declareOutputFields(): void {}
      execute(): void {
        executed++;
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('feed', () => feeder);
    b.setBolt('sink', new Sink()).shuffleGrouping('feed');
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(b.build({ name: 'wait0' }), { config: { spoutWaitMs: 0 } });
      expect(await t.waitUntilIdle(5000)).toBe(true);
      // Feed from a timer so nothing but the spout's own polling can pick it up.
      await new Promise<void>((resolve) => setTimeout(() => {
        feeder.feed(['a']);
        resolve();
      }, 20));
      const deadline = Date.now() + 5000;
      while (executed === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      expect(executed).toBe(1);
    } finally {
      await cluster.shutdown(0);
    }
  });
});
