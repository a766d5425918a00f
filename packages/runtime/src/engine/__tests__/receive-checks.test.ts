import { BaseBasicBolt, FixedTupleSpout, TopologyBuilder, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import { ACK_ACK_STREAM, ACK_INIT_STREAM, ACK_OUTCOME_STREAM, ACKER_COMPONENT, AckerBolt } from '../acker.js';
import { ManualEngine } from './manual-engine.js';

class Sink extends BaseBasicBolt {
  readonly seen: unknown[] = [];
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void {
    this.seen.push(t.getValue(0));
  }
}

function topology() {
  const b = new TopologyBuilder();
  b.setSpout('src', new FixedTupleSpout([[1], [2]], ['n']));
  b.setBolt('sink', () => new Sink(), 1).shuffleGrouping('src');
  return b.build({ name: 'receive-checks', config: { ackers: 1 } });
}

/** What a worker's engine accepts from the network: only tuples for a task that subscribes to their stream. */
describe('tuples from another worker', () => {
  it('are refused for a task that does not subscribe to the stream, or an unknown stream', async () => {
    const m = new ManualEngine(topology());
    await m.start();
    const e = m.engine;
    const index = (component: string, stream: string): number => e.streamTable.findIndex((r) => r.component === component && r.id === stream);
    const [sinkTask] = e.tasksOf.get('sink')!;
    const [srcTask] = e.tasksOf.get('src')!;
    const [ackerTask] = e.tasksOf.get(ACKER_COMPONENT)!;
    // An acker outcome aimed at a bolt, an ack aimed at a spout, a data tuple aimed at the acker.
    expect(e.receiveTuple(sinkTask!, index(ACKER_COMPONENT, ACK_OUTCOME_STREAM), ackerTask!, [1, 1], null)).toBe(false);
    expect(e.receiveTuple(srcTask!, index('sink', ACK_ACK_STREAM), sinkTask!, [1, 0, 0], null)).toBe(false);
    expect(e.receiveTuple(ackerTask!, index('src', 'default'), srcTask!, [3], null)).toBe(false);
    expect(e.receiveTuple(sinkTask!, e.streamTable.length, srcTask!, [3], null)).toBe(false);
    // The same tuples to their real subscribers are taken.
    expect(e.receiveTuple(sinkTask!, index('src', 'default'), srcTask!, [3], null)).toBe(true);
    expect(e.receiveTuple(srcTask!, index(ACKER_COMPONENT, ACK_OUTCOME_STREAM), ackerTask!, [12345, 1], null)).toBe(true);
    await m.close();
  });

  it('a malformed acker message (bad root) is ignored by the acker: nothing tracked, nothing thrown', async () => {
    const m = new ManualEngine(topology());
    await m.start();
    const e = m.engine;
    const ack = e.streamTable.findIndex((r) => r.component === 'sink' && r.id === ACK_ACK_STREAM);
    const [sinkTask] = e.tasksOf.get('sink')!;
    const [ackerTask] = e.tasksOf.get(ACKER_COMPONENT)!;
    const before = m.stats(ACKER_COMPONENT).pending;
    for (const root of [-1, 0.5, Number.NaN, 2 ** 60, 'x']) expect(e.receiveTuple(ackerTask!, ack, sinkTask!, [root, 1, 2], null)).toBe(true);
    await m.settle();
    expect(m.stats(ACKER_COMPONENT).pending).toBe(before);
    expect(m.stats(ACKER_COMPONENT).errors).toBe(0);
    await m.close();
  });

  it('an ack or init from another worker reaches a free acker without a tuple, as a local one does', async () => {
    const m = new ManualEngine(topology());
    await m.start();
    const e = m.engine;
    const index = (component: string, stream: string): number => e.streamTable.findIndex((r) => r.component === component && r.id === stream);
    const [sinkTask] = e.tasksOf.get('sink')!;
    const [srcTask] = e.tasksOf.get('src')!;
    const [ackerTask] = e.tasksOf.get(ACKER_COMPONENT)!;
    await m.settle();
    const inline = jest.spyOn(AckerBolt.prototype, 'controlInline');
    const execute = jest.spyOn(AckerBolt.prototype, 'execute');
    try {
      const executed = m.stats(ACKER_COMPONENT).executed;
      const pending = m.stats(ACKER_COMPONENT).pending;
      // The ack arrives before the init (another worker's bolt was faster): the entry waits for it.
      expect(e.receiveTuple(ackerTask!, index('sink', ACK_ACK_STREAM), sinkTask!, [987_654_321_012, 5, -6], null)).toBe(true);
      expect(m.stats(ACKER_COMPONENT).pending).toBe(pending + 1);
      expect(e.receiveTuple(ackerTask!, index('src', ACK_INIT_STREAM), srcTask!, [987_654_321_012, 5, -6], null)).toBe(true);
      expect(m.stats(ACKER_COMPONENT).pending).toBe(pending);
      expect(inline.mock.calls).toEqual([[ACK_ACK_STREAM, sinkTask, 987_654_321_012, 5, -6], [ACK_INIT_STREAM, srcTask, 987_654_321_012, 5, -6]]);
      expect(execute).not.toHaveBeenCalled();
      expect(m.stats(ACKER_COMPONENT).executed).toBe(executed + 2);
    } finally {
      inline.mockRestore();
      execute.mockRestore();
    }
    await m.close();
  });
});
