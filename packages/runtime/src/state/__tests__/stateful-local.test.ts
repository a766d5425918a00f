import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BaseBasicBolt, LocalCluster, TopologyBuilder, TopologyError,
  type BasicOutputCollector, type OutputFieldsDeclarer, type TopologyConfig, type Tuple,
} from '@gale/runtime';
import { batchTotals, dataset, ReplaySpout, Totals } from '../../engine/__tests__/stateful-fixtures.js';
import { FileStateStores } from '../file-state-store.js';

/** A stateless bolt between the spout and the stateful one. */
class Upper extends BaseBasicBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['key', 'n']);
  }
  execute(t: Tuple, c: BasicOutputCollector): void {
    c.emit([t.getStringByField('key').toUpperCase(), t.getNumberByField('n')]);
  }
}

function topology(name: string, spout: ReplaySpout, config: Partial<TopologyConfig>) {
  const b = new TopologyBuilder();
  b.setSpout('src', () => spout);
  b.setBolt('upper', new Upper(), 2).shuffleGrouping('src');
  b.setBolt('totals', () => new Totals(), 3).fieldsGrouping('upper', ['key']);
  return b.build({ name, config: { checkpointIntervalMs: 50, messageTimeoutMs: 5000, maxSpoutPending: 100, ...config } });
}

async function committedTotals(dir: string, name: string, tasks: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const stores = new FileStateStores(dir);
  for (let i = 0; i < tasks; i++) {
    for (const [k, v] of (await stores.open({ topology: name, component: 'totals', taskIndex: i }).load()).committed.entries) {
      out[JSON.parse(k) as string] = (out[JSON.parse(k) as string] ?? 0) + (v as number);
    }
  }
  return out;
}

const upper = (t: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(t).map(([k, v]) => [k.toUpperCase(), v]));

describe('stateful bolts in local mode', () => {
  let dir: string;
  let cluster: LocalCluster;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gale-stateful-'));
    cluster = new LocalCluster();
  });
  afterEach(async () => {
    await cluster.shutdown(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('file backend: kill + submit of the same name keeps the state; deactivate/activate loses nothing', async () => {
    const cfg = { stateBackend: 'file' as const, stateDir: dir };
    const first = dataset(400);
    const s1 = new ReplaySpout(first, 20);
    const t1 = await cluster.submit(topology('totals', s1, cfg));
    t1.deactivate();
    t1.activate();
    expect(await t1.waitUntilDone(30_000)).toBe(true);
    // Every input is acked only once the checkpoint holding its effect committed: done means committed.
    expect(sorted(await committedTotals(dir, 'totals', 3))).toEqual(sorted(upper(batchTotals(first))));
    await cluster.kill('totals', 0);

    const second = dataset(250, 5);
    const s2 = new ReplaySpout(second, 20);
    await cluster.submit(topology('totals', s2, cfg));
    expect(await cluster.get('totals')!.waitUntilDone(30_000)).toBe(true);
    expect(sorted(await committedTotals(dir, 'totals', 3))).toEqual(sorted(upper(batchTotals([...first, ...second]))));
  });

  it('build() refuses a checkpoint interval over half the message timeout, naming both numbers', () => {
    expect(() => topology('x', new ReplaySpout([]), { checkpointIntervalMs: 3000, messageTimeoutMs: 5000 })).toThrow(TopologyError);
    expect(() => topology('x', new ReplaySpout([]), { checkpointIntervalMs: 3000, messageTimeoutMs: 5000 })).toThrow(/checkpointIntervalMs \(3000\) must be at most half of messageTimeoutMs \(5000\)/);
  });

  it('config: a misspelt backend gets a did-you-mean; a bad Redis URL is refused', () => {
    expect(() => topology('x', new ReplaySpout([]), { stateBackend: 'redsi' as 'redis' })).toThrow(/must be one of "memory", "file", "redis", got "redsi" \(did you mean "redis"\?\)/);
    expect(() => topology('x', new ReplaySpout([]), { stateRedisUrl: 'localhost:6379' })).toThrow(/stateRedisUrl.*must be a redis:\/\/ or rediss:\/\/ URL/);
  });
});

function sorted(r: Record<string, number>): [string, number][] {
  return Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1));
}
