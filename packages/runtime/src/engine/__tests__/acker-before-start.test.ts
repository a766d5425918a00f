import { BaseBasicBolt, FixedTupleSpout, parseTopologyConfig, TopologyBuilder, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import { ACK_ACK_STREAM, ACK_INIT_STREAM, ACK_OUTCOME_STREAM, ACKER_COMPONENT } from '../acker.js';
import { Engine } from '../engine.js';
import { CounterIds, seededRandom } from '../testing/counter-ids.js';
import { ManualClock, ManualScheduler } from '../testing/manual-time.js';
import type { TupleImpl } from '../tuple.js';

class Sink extends BaseBasicBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(_t: Tuple): void {}
}

/*
 * Worker order (cluster/worker.ts:114-116): link.listen(engine) -> link.route() -> await engine.start().
 * Peers may already send between listen and the end of start(). Before the restructure acker traffic
 * went straight into the ledger (Engine.receiveAcker); now it is a tuple for the __acker BOLT, whose
 * instance and collector only exist after start() -> the init is lost (and a TypeError is reported).
 */
it('an __ack_init that reaches a worker between listen() and engine.start() is not lost', async () => {
  const b = new TopologyBuilder();
  b.setSpout('src', new FixedTupleSpout([[1]], ['n']));
  b.setBolt('sink', () => new Sink(), 1).shuffleGrouping('src');
  const topology = b.build({ name: 'pre-start', config: { ackers: 1 } });
  const clock = new ManualClock();
  const scheduler = new ManualScheduler(clock);
  const sent: { task: number; stream: string; values: readonly unknown[] }[] = [];
  const errors: string[] = [];
  const nop = (): void => {};
  const engine = new Engine({
    topology, config: parseTopologyConfig({}, topology.config), clock, scheduler, ids: new CounterIds(), random: seededRandom(1),
    log: { error: nop, warn: nop, info: nop, debug: nop },
    onError: (e) => errors.push(`${e.component}: ${e.message}`),
    // This worker runs only the acker; spout and sink live elsewhere.
    placement: {
      isLocal: (c) => c === ACKER_COMPONENT,
      link: { sendTuple: (task: number, t: TupleImpl) => (sent.push({ task, stream: t.stream.id, values: t.values }), true) },
    },
  });
  const idx = (c: string, s: string): number => engine.streamTable.findIndex((r) => r.component === c && r.id === s);
  const [ackerTask] = engine.tasksOf.get(ACKER_COMPONENT)!;
  const [srcTask] = engine.tasksOf.get('src')!;
  const [sinkTask] = engine.tasksOf.get('sink')!;

  // A peer's spout emitted tree 77 (edge 0x11/0x22) just before this worker's engine started.
  expect(engine.receiveTuple(ackerTask!, idx('src', ACK_INIT_STREAM), srcTask!, [77, 0x11, 0x22], null)).toBe(true);
  await engine.start();
  // The sink acks the only edge: the tree is complete.
  expect(engine.receiveTuple(ackerTask!, idx('sink', ACK_ACK_STREAM), sinkTask!, [77, 0x11, 0x22], null)).toBe(true);
  for (let i = 0; i < 5; i++) { await new Promise((r) => setImmediate(r)); scheduler.runDeferred(); }
  const closing = engine.close(0);
  for (let i = 0; i < 50; i++) { await new Promise((r) => setImmediate(r)); scheduler.runDeferred(); scheduler.advanceBy(1); }
  await closing;

  expect({ errors, sent }).toEqual({ errors: [], sent: [{ task: srcTask, stream: ACK_OUTCOME_STREAM, values: [77, 1] }] });
  expect(sent).toEqual([{ task: srcTask, stream: ACK_OUTCOME_STREAM, values: [77, 1] }]);
});
