import {
  BaseRichBolt, FixedTupleSpout, Fields, parseTopologyConfig, TopologyBuilder,
  type Bolt, type OutputCollector, type OutputFieldsDeclarer, type TopologyContext, type Tuple,
} from '@gale/runtime';
import { ackerComponent } from '../acker.js';
import { Engine } from '../engine.js';
import type { TaskChooser } from '../groupings.js';
import type { ControlEmitter, SystemComponent } from '../system-component.js';
import { CounterIds, seededRandom } from '../testing/counter-ids.js';
import { ManualClock, ManualScheduler } from '../testing/manual-time.js';

/**
 * A second system component, built only through the seam (no engine edit): on each of its ticks it
 * sends a beacon to every task of the user bolt `echo` on a control stream; `echo` answers on a
 * control stream the component declared on every bolt. This is the shape a checkpoint
 * coordinator takes (barriers to bolts, acks back).
 */
const received: unknown[] = [];
const replies: unknown[] = [];
const refusals: string[] = [];

class BeaconBolt implements Bolt {
  private collector!: OutputCollector;
  private echoTasks: number[] = [];
  private n = 0;
  declareOutputFields(): void {}
  prepare(ctx: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
    this.echoTasks = ctx.componentTasks('echo');
  }
  execute(t: Tuple): void {
    if (t.isTick()) {
      this.n++;
      for (const task of this.echoTasks) this.collector.emitDirect(task, [this.n], undefined, '__beacon');
    } else replies.push([t.sourceComponent, t.sourceStreamId, t.getValue(0)]);
  }
}

const first = (ctx: { targetTasks: readonly number[] }): TaskChooser => ({
  single: true, chooseOne: () => ctx.targetTasks[0]!, chooseMany: () => [ctx.targetTasks[0]!],
});

const beacon: SystemComponent = {
  id: '__beacon',
  kind: 'bolt',
  tasks: () => 1,
  inputs: [{ stream: '__beacon_reply', fields: new Fields(['n']), from: 'bolt', chooser: first }],
  outputs: [{ stream: '__beacon', fields: new Fields(['n']), subscribers: 'bolts' }],
  tickMs: () => 100,
  create: () => new BeaconBolt(),
};

class Echo extends BaseRichBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['x']);
  }
  execute(t: Tuple): void {
    if (t.sourceComponent === '__beacon') {
      received.push(t.getValue(0));
      try {
        this.collector.emitStream('__beacon_reply', [0], t); // the ordinary collector call is refused
      } catch (err) {
        refusals.push((err as { code: string }).code);
      }
      (this.collector as unknown as ControlEmitter).emitControl('__beacon_reply', [t.getValue(0)]);
    }
    this.collector.ack(t);
  }
}

describe('the system-component seam', () => {
  it('adds a component with control streams to and from bolts without an engine change', async () => {
    const b = new TopologyBuilder();
    b.setSpout('src', new FixedTupleSpout([[1]], ['x']));
    b.setBolt('echo', () => new Echo(), 2).shuffleGrouping('src');
    const topology = b.build({ name: 'seam', config: { ackers: 1 } });
    const clock = new ManualClock();
    const scheduler = new ManualScheduler(clock);
    const nop = (): void => {};
    const engine = new Engine({
      topology, config: parseTopologyConfig({}, topology.config), clock, scheduler, ids: new CounterIds(), random: seededRandom(1),
      log: { error: nop, warn: nop, info: nop, debug: nop }, systemComponents: [ackerComponent, beacon],
    });
    await engine.start();
    scheduler.advanceBy(350);
    await new Promise((r) => setImmediate(r));
    scheduler.runDeferred();
    // Two echo tasks, three ticks: each task got beacons 1, 2, 3 and answered each.
    expect([...received].sort()).toEqual([1, 1, 2, 2, 3, 3]);
    expect(replies).toHaveLength(6);
    expect(replies[0]).toEqual(['echo', '__beacon_reply', 1]);
    const row = engine.stats().find((s) => s.component === '__beacon')!;
    expect(row).toMatchObject({ kind: 'bolt', executors: 1, executed: 6, ticks: 3 }); // 6 replies; ticks apart
    // User code cannot emit on the control stream with its ordinary collector calls.
    expect(refusals).toEqual(Array(6).fill('GALE_ERR_UNDECLARED_STREAM'));
    expect(engine.errors()).toEqual([]);
    await engine.close(0);
  });
});
