import { BaseBasicBolt, FixedTupleSpout, TopologyBuilder, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import { ManualEngine } from './manual-engine.js';

const calls: string[] = [];
class Sink extends BaseBasicBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void { calls.push(`execute ${String(t.getValue(0))}`); }
  override cleanup(): void { calls.push('cleanup'); }
}

/* worker.ts stop(): await engine.close() ... then await link.close(): peers' frames still arrive in between. */
it('a network tuple that arrives after close() is not executed by a bolt whose cleanup() already ran', async () => {
  const b = new TopologyBuilder();
  b.setSpout('src', new FixedTupleSpout([], ['n']));
  b.setBolt('sink', () => new Sink(), 1).shuffleGrouping('src');
  const m = new ManualEngine(b.build({ name: 'after-close', config: { ackers: 1 } }));
  await m.start();
  await m.close();
  const e = m.engine;
  const idx = e.streamTable.findIndex((r) => r.component === 'src' && r.id === 'default');
  e.receiveTuple(e.tasksOf.get('sink')![0]!, idx, e.tasksOf.get('src')![0]!, [42], null);
  expect(calls).toEqual(['cleanup']);
});
