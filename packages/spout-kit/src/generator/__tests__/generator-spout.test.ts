import { performance } from 'node:perf_hooks';
import {
  BaseBasicBolt, FailedException, LocalCluster, TopologyBuilder, completeTopology, type Topology, type Tuple,
} from '@gale/runtime';
import { GeneratorSpout, type GeneratorSpoutOptions } from '@gale/spout-kit';

class Sink extends BaseBasicBolt {
  declareOutputFields(): void {}
  execute(): void {}
}

function topology(options: GeneratorSpoutOptions, bolt: BaseBasicBolt = new Sink(), parallelism = 1): Topology {
  const b = new TopologyBuilder();
  b.setSpout('gen', new GeneratorSpout(options), parallelism);
  b.setBolt('sink', bolt).shuffleGrouping('gen');
  return b.build({ name: 'gen' });
}

describe('GeneratorSpout', () => {
  it('emits generate(0), generate(1), ... up to limit', async () => {
    const out = await completeTopology(topology({ fields: ['n', 'sq'], generate: (i) => [i, i * i], limit: 50 }));
    expect(out.emitted('gen')).toEqual(Array.from({ length: 50 }, (_, i) => [i, i * i]));
  });

  it('stops at the first undefined or null', async () => {
    expect((await completeTopology(topology({ fields: ['n'], generate: (i) => (i < 5 ? [i] : undefined) }))).emitted('gen'))
      .toEqual([[0], [1], [2], [3], [4]]);
    expect((await completeTopology(topology({ fields: ['n'], generate: (i) => (i < 2 ? [i] : null) }))).emitted('gen'))
      .toEqual([[0], [1]]);
  });

  it('emits nothing with limit 0', async () => {
    expect((await completeTopology(topology({ fields: ['n'], generate: (i) => [i], limit: 0 }))).emitted('gen')).toEqual([]);
  });

  it('replays a failed tuple with the same values until it is acked', async () => {
    const seen = new Set<number>();
    class FailFirst extends BaseBasicBolt {
      declareOutputFields(): void {}
      execute(t: Tuple): void {
        const n = t.getNumberByField('n');
        if (!seen.has(n)) {
          seen.add(n);
          throw new FailedException();
        }
      }
    }
    const cluster = new LocalCluster();
    const emitted: unknown[][] = [];
    try {
      const t = await cluster.submit(topology({ fields: ['n', 's'], generate: (i) => [i, `v${i}`], limit: 30 }, new FailFirst()), {
        onEmit: (c, _s, v) => {
          if (c === 'gen') emitted.push([...v]);
        },
      });
      expect(await t.waitUntilDone(10_000)).toBe(true);
      expect(t.stats().find((s) => s.component === 'gen')).toMatchObject({ emitted: 60, acked: 30, failed: 30 });
    } finally {
      await cluster.shutdown(0);
    }
    const sortKey = (v: unknown[]): number => v[0] as number;
    const want = Array.from({ length: 30 }, (_, i) => [i, `v${i}`]).flatMap((v) => [v, v]);
    expect(emitted.sort((a, b) => sortKey(a) - sortKey(b))).toEqual(want);
  });

  it('does not track or replay when tracked is false', async () => {
    class FailAll extends BaseBasicBolt {
      declareOutputFields(): void {}
      execute(): void {
        throw new FailedException();
      }
    }
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(topology({ fields: ['n'], generate: (i) => [i], limit: 20, tracked: false }, new FailAll()));
      expect(await t.waitUntilDone(10_000)).toBe(true);
      expect(t.stats().find((s) => s.component === 'gen')).toMatchObject({ emitted: 20, acked: 0, failed: 0 });
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('splits the sequence between its tasks so each seq is generated once', async () => {
    const out = await completeTopology(topology({ fields: ['n'], generate: (i) => [i], limit: 100 }, new Sink(), 3));
    expect(out.emitted('gen').map((v) => v[0] as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('limits the rate with ratePerSec', async () => {
    const t0 = performance.now();
    const out = await completeTopology(topology({ fields: ['n'], generate: (i) => [i], limit: 20, ratePerSec: 200 }));
    const elapsed = performance.now() - t0;
    expect(out.emitted('gen')).toHaveLength(20);
    // One token at start, then one per 5 ms: at least 19 * 5 ms (less a margin for float rounding).
    expect(elapsed).toBeGreaterThanOrEqual(90);
  });

  it('rejects bad options when constructed', () => {
    const generate = (i: number): unknown[] => [i];
    expect(() => new GeneratorSpout({ fields: ['n'], generate: undefined as unknown as typeof generate }))
      .toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
    expect(() => new GeneratorSpout({ fields: ['n'], generate, ratePerSec: 0 })).toThrow(/ratePerSec/);
    expect(() => new GeneratorSpout({ fields: ['n'], generate, limit: -1 })).toThrow(/limit/);
    expect(() => new GeneratorSpout({ fields: ['n'], generate, limit: 1.5 })).toThrow(/limit/);
  });
});
