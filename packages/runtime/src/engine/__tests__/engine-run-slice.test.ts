import { BaseBasicBolt, BaseRichSpout, parseTopologyConfig, TopologyBuilder, type OutputFieldsDeclarer } from '@gale/runtime';
import { Engine, type EngineOptions } from '../engine.js';
import type { Scheduler } from '../ports.js';
import { CounterIds, seededRandom } from '../testing/counter-ids.js';
import { ManualClock } from '../testing/manual-time.js';

/** A spout that always has a tuple, each nextTuple taking 1 µs of the manual clock. */
class BusySpout extends BaseRichSpout {
  static clock: ManualClock;
  static emitted = 0;
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['n']);
  }
  nextTuple(): void {
    BusySpout.clock.advance(0.001);
    this.collector.emit([BusySpout.emitted++]);
  }
}

class Sink extends BaseBasicBolt {
  declareOutputFields(): void {}
  execute(): void {}
}

/** Deferred callbacks are run one at a time by the test (each is one run of the engine's loop); timers never fire. */
class SteppedScheduler implements Scheduler {
  readonly deferred: (() => void)[] = [];
  defer(fn: () => void): void {
    this.deferred.push(fn);
  }
  every(): () => void {
    return () => {};
  }
  after(): () => void {
    return () => {};
  }
}

/** Manual-clock milliseconds each of the first `runs` runs of the loop took, with a spout that is never idle. */
async function runLengths(extra: Partial<EngineOptions>, runs: number): Promise<number[]> {
  const clock = new ManualClock();
  BusySpout.clock = clock;
  BusySpout.emitted = 0;
  const scheduler = new SteppedScheduler();
  const b = new TopologyBuilder();
  b.setSpout('s', new BusySpout());
  b.setBolt('sink', new Sink()).shuffleGrouping('s');
  const topology = b.build({ name: 'slice', config: { ackers: 0 } });
  const log = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
  const engine = new Engine({
    topology, config: parseTopologyConfig({}, topology.config), clock, scheduler, ids: new CounterIds(), random: seededRandom(1), log, ...extra,
  });
  await engine.start();
  const lengths: number[] = [];
  while (lengths.length < runs) {
    const fn = scheduler.deferred.shift();
    if (fn === undefined) throw new Error('the engine stopped deferring its runs');
    const before = clock.now();
    const emitted = BusySpout.emitted;
    fn();
    if (BusySpout.emitted > emitted) lengths.push(clock.now() - before);
  }
  await engine.close();
  return lengths;
}

describe('engine run slice: how long one run of the executors goes on before yielding to I/O', () => {
  it('yields after the pass that reaches 8 ms by default (a spout that always emits keeps one run going that long)', async () => {
    for (const ms of await runLengths({}, 3)) {
      expect(ms).toBeGreaterThanOrEqual(8);
      expect(ms).toBeLessThan(8 + 0.52); // one more spout turn at most (512 emits of 1 µs)
    }
  });

  it('yields after the pass that reaches sliceMs (1 ms, as workers run), so frames from peers are read that often', async () => {
    for (const ms of await runLengths({ sliceMs: 1 }, 3)) {
      expect(ms).toBeGreaterThanOrEqual(1);
      expect(ms).toBeLessThan(1 + 0.52);
    }
  });
});
