import { BaseBasicBolt, FixedTupleSpout, parseTopologyConfig, TopologyBuilder, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import { ManualEngine } from './manual-engine.js';

/*
 * metricsEnabled: false (the benchmark's "metrics off") stops the latency histograms and the rate
 * sampler, and nothing else: counters stay, since the engine and `gale status` read them.
 */
class Sink extends BaseBasicBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(_t: Tuple): void {}
}

async function run(metricsEnabled: boolean | undefined): Promise<ManualEngine> {
  const b = new TopologyBuilder();
  b.setSpout('src', new FixedTupleSpout(Array.from({ length: 64 }, (_, i) => [i]), ['n']));
  b.setBolt('sink', () => new Sink(), 1).shuffleGrouping('src');
  const config = metricsEnabled === undefined ? { ackers: 1 } : { ackers: 1, metricsEnabled };
  const m = new ManualEngine(b.build({ name: 'metrics-switch', config }));
  await m.start();
  expect(await m.runUntil(() => m.stats('src').acked === 64, 10_000)).toBe(true);
  m.advance(2000); // two rate samples
  await m.settle();
  return m;
}

it('metricsEnabled defaults to true and is validated as a boolean', () => {
  expect(parseTopologyConfig({}).metricsEnabled).toBe(true);
  expect(parseTopologyConfig({ metricsEnabled: false }).metricsEnabled).toBe(false);
  expect(() => parseTopologyConfig({ metricsEnabled: 'no' })).toThrow(/metricsEnabled.*boolean/);
});

it('with metrics on, execute and complete latency are recorded and rates are sampled', async () => {
  const m = await run(undefined);
  try {
    expect(m.stats('sink').executed).toBe(64);
    // 64 executes, timed one in 16; every acked tree's complete latency.
    expect(m.stats('sink').executeHistogram!.length).toBeGreaterThan(2);
    expect(m.stats('src').completeHistogram!.length).toBeGreaterThan(2);
    expect(m.stats('sink').rates!['10m'].executed).toBeGreaterThan(0);
  } finally {
    await m.close();
  }
});

it('with metricsEnabled false, counters stay and latency histograms and rates stay empty', async () => {
  const m = await run(false);
  try {
    expect(m.stats('sink').executed).toBe(64);
    expect(m.stats('src').acked).toBe(64);
    expect(m.stats('sink').executeHistogram).toEqual([0, 0]);
    expect(m.stats('src').completeHistogram).toEqual([0, 0]);
    expect(m.stats('sink').rates!['10m'].executed).toBe(0);
  } finally {
    await m.close();
  }
});
