// A MapBolt/FlatMapBolt/FilterBolt whose user function throws (or rejects) on every attempt is
// treated as a plain user bolt that throws from execute (docs/concepts.md#errors): the tuple is
// failed and replayed with the replay backoff (docs/acking.md#replay-backoff, 100 ms doubling to
// 10 s per message id: no hot loop), and every reported error carries the user's stack and the
// topology file's line, the throw in the user's function, not the kit's execute. This held on
// main already (checked while looking for the reported hot loop); the test pins it.
import { readFileSync } from 'node:fs';
import { TopologyBuilder, type Bolt, type BasicBolt, type Tuple } from '@gale/runtime';
import { FilterBolt, FlatMapBolt, MapBolt } from '@gale/bolt-kit';
import { ReplayingSpout, ReplayLog, runUntilDone } from '../../__tests__/replaying-spout.js';

function check(t: Tuple): string {
  const s = t.getStringByField('s');
  if (s === 'poison') throw new Error(`cannot take ${s}`); // THE-THROW
  return s;
}

const bolts: Record<string, () => Bolt | BasicBolt> = {
  MapBolt: () => new MapBolt({ fields: ['s'], fn: (t) => [check(t)] }),
  'MapBolt (async)': () => new MapBolt({ fields: ['s'], fn: async (t) => [check(t)] }),
  FlatMapBolt: () => new FlatMapBolt({ fields: ['s'], fn: (t) => [[check(t)]] }),
  FilterBolt: () => new FilterBolt({ fields: ['s'], predicate: (t) => check(t) !== '' }),
};

it.each(Object.keys(bolts))('%s: a throwing user function fails its tuple, replays it with backoff, reports the user\'s line', async (name) => {
  const log = new ReplayLog();
  const b = new TopologyBuilder();
  const spout = new ReplayingSpout(['s'], [['ok'], ['poison']], log);
  b.setSpout('src', () => spout);
  b.setBolt('user', bolts[name]!()).shuffleGrouping('src');
  // The default replay backoff (the topology defaults), for 2 s.
  const r = await runUntilDone(b.build({ name: 'throws' }), 2000, {});
  expect(r.done).toBe(false);
  expect(log.acks.get(0)).toBe(1);
  // Attempts about 0, 0, 100, 300, 700, 1500 ms in: a handful, not thousands.
  expect(log.fails.get(1)).toBeGreaterThanOrEqual(3);
  expect(log.fails.get(1)).toBeLessThanOrEqual(8);
  const e = r.errors.find((x) => x.component === 'user')!;
  expect(e.message).toBe('cannot take poison');
  const [file, line] = e.source!.split(':');
  expect(file).toBe(__filename);
  expect(readFileSync(file!, 'utf8').split('\n')[Number(line) - 1]).toContain('THE-THROW');
  expect(e.stack).toContain(`${__filename}:${line}:`);
});
