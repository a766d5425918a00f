import { BaseBasicBolt, BaseRichSpout, FixedTupleSpout, parseTopologyConfig, TopologyBuilder, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import { ACKER_COMPONENT } from '../acker.js';
import { Engine } from '../engine.js';
import { CounterIds, seededRandom } from '../testing/counter-ids.js';
import { ManualClock, ManualScheduler } from '../testing/manual-time.js';
import type { TupleImpl } from '../tuple.js';

class Sink extends BaseBasicBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(_t: Tuple): void {}
}
const nop = (): void => {};

it('stats() works before start() (e.g. a status poll while bolts prepare)', () => {
  const b = new TopologyBuilder();
  b.setSpout('src', new FixedTupleSpout([[1]], ['n']));
  b.setBolt('sink', () => new Sink(), 1).shuffleGrouping('src');
  const topology = b.build({ name: 'stats-early', config: { ackers: 1 } });
  const clock = new ManualClock();
  const engine = new Engine({
    topology, config: parseTopologyConfig({}, topology.config), clock, scheduler: new ManualScheduler(clock), ids: new CounterIds(),
    random: seededRandom(1), log: { error: nop, warn: nop, info: nop, debug: nop },
  });
  expect(() => engine.stats()).not.toThrow();
});

it('stats() works after a start() that failed in an earlier prepare()', async () => {
  class Bad extends BaseBasicBolt {
    declareOutputFields(_d: OutputFieldsDeclarer): void {}
    override prepare(): void { throw new Error('nope'); }
    execute(_t: Tuple): void {}
  }
  const b = new TopologyBuilder();
  b.setSpout('src', new FixedTupleSpout([[1]], ['n']));
  // "A..." sorts before "__acker": lower task id, prepared first.
  b.setBolt('Aggregate', () => new Bad(), 1).shuffleGrouping('src');
  const topology = b.build({ name: 'stats-failed', config: { ackers: 1 } });
  const clock = new ManualClock();
  const engine = new Engine({
    topology, config: parseTopologyConfig({}, topology.config), clock, scheduler: new ManualScheduler(clock), ids: new CounterIds(),
    random: seededRandom(1), log: { error: nop, warn: nop, info: nop, debug: nop },
  });
  await expect(engine.start()).rejects.toThrow(/prepare/);
  expect(() => engine.stats()).not.toThrow();
});

/*
 * WorkerLink.sendTuple (cluster/worker-link.ts:72-77) calls engine.failUnsendable(tuple) when a
 * value cannot go on the wire. For a spout's tracked emit that notifies FAILED locally but the
 * acker still gets the __ack_init whose XOR includes the unsent edge, and no __ack_forget:
 * the acker entry can never complete and only the acker's rotation could drop it.
 */
it('a spout tuple failed as unsendable leaves no entry at the acker', async () => {
  class OneSpout extends BaseRichSpout {
    done = false;
    declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['n']); }
    nextTuple(): void { if (!this.done) { this.done = true; this.collector.emit([1], 'm1'); } }
  }
  const b = new TopologyBuilder();
  b.setSpout('src', () => new OneSpout());
  b.setBolt('sink', () => new Sink(), 1).shuffleGrouping('src');
  const topology = b.build({ name: 'unsendable', config: { ackers: 1, messageTimeoutMs: 2000 } });
  const clock = new ManualClock();
  const scheduler = new ManualScheduler(clock);
  const control: string[] = [];
  const engine: Engine = new Engine({
    topology, config: parseTopologyConfig({}, topology.config), clock, scheduler, ids: new CounterIds(), random: seededRandom(1),
    log: { error: nop, warn: nop, info: nop, debug: nop },
    placement: {
      isLocal: (c) => c !== 'sink', // spout and acker here, sink elsewhere
      link: {
        sendTuple: (_task: number, t: TupleImpl) => {
          if (t.stream.control) { control.push(t.stream.id); return true; }
          engine.failUnsendable(t); // what WorkerLink does on a FrameError
          return true;
        },
      },
    },
  });
  await engine.start();
  const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) { await new Promise((r) => setImmediate(r)); scheduler.runDeferred(); } };
  await settle();
  const spout = (): { failed: number; pending: number } => engine.stats().find((s) => s.component === 'src')!;
  const acker = (): { pending: number } => engine.stats().find((s) => s.component === ACKER_COMPONENT)!;
  expect(spout()).toMatchObject({ failed: 1, pending: 0 });
  // The acker (local here) dropped the entry at once through __ack_forget, not only at expiry.
  expect(acker().pending).toBe(0);
  expect(control).toEqual([]); // nothing for the (remote) sink's trees went anywhere else
  const c = engine.close(0);
  for (let i = 0; i < 20; i++) { scheduler.advanceBy(1); await settle(); }
  await c;
});
