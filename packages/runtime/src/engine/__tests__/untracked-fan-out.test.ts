import {
  BaseBasicBolt, BaseRichBolt, BaseRichSpout, BaseWindowedBolt, Count, TopologyBuilder, tumblingWindow,
  type ComponentStats, type OutputFieldsDeclarer, type Tuple, type TupleWindow, type WindowedOutputCollector,
} from '@gale/runtime';
import { ManualEngine } from './manual-engine.js';

/*
 * The generic untracked fan-out (router.ts fanOutShared): one untracked emit reaching several
 * subscribers. A tuple is acked or failed once (its state), so each target must get a tuple of
 * its own: with one object for all, the first target's ack made every later target's ack or
 * fail a no-op, and those components reported acked 0 / failed 0.
 */

const N = 20;
/** Inputs `Picky` throws on: 0, 5, 10, 15. */
const throwsOn = (n: number): boolean => n % 5 === 0;
const THROWN = Array.from({ length: N }, (_, i) => i).filter(throwsOn).length;

/** Emits 0..N-1, untracked (no message id). */
class Numbers extends BaseRichSpout {
  private i = 0;
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['n']);
  }
  nextTuple(): void {
    if (this.i < N) this.collector.emit([this.i++]);
  }
}

/** Acks every input (a basic bolt); throws on some (failed, an error reported). */
class Picky extends BaseBasicBolt {
  constructor(private readonly async: boolean) {
    super();
  }
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void | Promise<void> {
    const n = t.getValue(0) as number;
    if (!this.async) {
      if (throwsOn(n)) throw new Error(`picky about ${n}`);
      return;
    }
    return Promise.resolve().then(() => {
      if (throwsOn(n)) throw new Error(`picky about ${n}`);
    });
  }
}

/** Acks every input (a basic bolt). */
class Easy extends BaseBasicBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(_t: Tuple): void {}
}

/** Acks odd inputs and fails even ones itself (a rich bolt). */
class Judge extends BaseRichBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void {
    if ((t.getValue(0) as number) % 2 === 0) this.collector.fail(t);
    else this.collector.ack(t);
  }
}

/** A tumbling count window of 4: its inputs are acked when their window has run. */
class Fours extends BaseWindowedBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(_w: TupleWindow, _c: WindowedOutputCollector): void {}
}

async function run(opts: { async: boolean; window: boolean }): Promise<Map<string, ComponentStats>> {
  const b = new TopologyBuilder();
  b.setSpout('numbers', () => new Numbers());
  b.setBolt('picky', () => new Picky(opts.async), 2).shuffleGrouping('numbers');
  b.setBolt('easy', () => new Easy(), 2).allGrouping('numbers'); // two deliveries per emit (chooseMany)
  b.setBolt('judge', () => new Judge(), 1).shuffleGrouping('numbers');
  if (opts.window) b.setBolt('fours', () => new Fours({ ...tumblingWindow(Count.of(4)), epochClock: () => 0 }), 1).globalGrouping('numbers');
  const topology = b.build({ name: 'fan-out', config: { ackers: 0, ...(opts.async ? { queueCapacity: 2 } : {}) } });
  const m = new ManualEngine(topology);
  await m.start();
  const settled = (s: ComponentStats | undefined, n: number): boolean => s !== undefined && s.acked + s.failed === n;
  try {
    const done = (): boolean => {
      const all = new Map(m.engine.stats().map((s) => [s.component, s]));
      return settled(all.get('picky'), N) && settled(all.get('easy'), 2 * N) && settled(all.get('judge'), N)
        && (!opts.window || settled(all.get('fours'), N));
    };
    // Not asserted here: on a timeout the exact counts below say which component fell short.
    await m.runUntil(done, 5000);
    return new Map(m.engine.stats().map((s) => [s.component, s]));
  } finally {
    await m.close();
  }
}

const counts = (s: ComponentStats | undefined): object => ({ executed: s?.executed, acked: s?.acked, failed: s?.failed, errors: s?.errors });

describe('an untracked emit to several subscribers', () => {
  it.each([
    ['run inline', { async: false, window: true }],
    ['queued, with backpressure (async execute, queue of 2)', { async: true, window: true }],
  ])('each subscriber acks and fails its own deliveries: exact counts per component (%s)', async (_name, opts) => {
    const stats = await run(opts);
    expect(stats.get('numbers')).toMatchObject({ emitted: N, transferred: (opts.window ? 5 : 4) * N });
    // A sync execute that throws is failed and not counted as executed; an async one is executed, then failed.
    expect(counts(stats.get('picky'))).toEqual({ executed: N - (opts.async ? 0 : THROWN), acked: N - THROWN, failed: THROWN, errors: THROWN });
    expect(counts(stats.get('easy'))).toEqual({ executed: 2 * N, acked: 2 * N, failed: 0, errors: 0 });
    expect(counts(stats.get('judge'))).toEqual({ executed: N, acked: N / 2, failed: N / 2, errors: 0 });
    if (opts.window) expect(counts(stats.get('fours'))).toMatchObject({ acked: N, failed: 0, errors: 0 });
  });
});
