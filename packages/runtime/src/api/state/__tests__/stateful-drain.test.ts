// A stateful bolt holds its inputs' acks until the checkpoint holding their effect commits. When
// it stops here (a drain, or a rebalance moving its executor away) the inputs acked since the last
// PREPARE are in no snapshot and never will be: they fail at once as FAILED_STOPPED (replayed, not
// charged to maxRetries), as a window's held inputs do, instead of the drain waiting
// drainTimeoutMs and their trees messageTimeoutMs.
import { BaseStatefulBolt, TopologyBuilder, type KeyValueState, type Tuple } from '@gale/runtime';
import { ManualClock } from '../../../engine/testing/manual-time.js';
import { ManualEngine } from '../../../engine/__tests__/manual-engine.js';
import { ProbeSpout, SpoutProbe } from '../../../engine/__tests__/timing-fixtures.js';
import type { Placement } from '../../../engine/remote.js';

class Seen extends BaseStatefulBolt<KeyValueState<string, number>> {
  declareOutputFields(): void {}
  override initState(s: KeyValueState<string, number>): void { this.state = s; }
  execute(t: Tuple): void {
    if (t.isTick()) return;
    const k = String(t.getValue(0));
    this.state.put(k, this.state.get(k, 0) + 1);
    this.collector.ack(t);
  }
}

function topology(spout: SpoutProbe, tasks = 1) {
  const b = new TopologyBuilder();
  b.setSpout('s', () => new ProbeSpout(spout));
  b.setBolt('seen', () => new Seen(), { numTasks: tasks }).shuffleGrouping('s');
  // No checkpoint before the stop: every input executed is held, acked since the last PREPARE.
  return b.build({ name: 'stateful-drain', config: { checkpointIntervalMs: 30_000, messageTimeoutMs: 600_000, drainTimeoutMs: 20_000, maxRetries: 0 } });
}

async function started(spout: SpoutProbe, clock: ManualClock, tasks = 1, placement?: Placement): Promise<ManualEngine> {
  const m = new ManualEngine(topology(spout, tasks), {}, clock, placement !== undefined ? { placement } : {});
  await m.start();
  expect(await m.runUntil(() => spout.emits.length === 3, 1000)).toBe(true);
  await m.runUntil(() => false, 200);
  expect(spout.acks).toEqual([]); // held until a checkpoint commits
  return m;
}

describe('a stateful bolt that stops fails the inputs it holds un-checkpointed', () => {
  it('a drain fails them at once, replayed and not charged to maxRetries (0), and does not wait drainTimeoutMs', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 200 }, { id: 'c', at: 300 });
    const m = await started(spout, clock);
    const t0 = clock.now();
    let done = false;
    const closing = m.engine.close().then(() => { done = true; });
    await m.runUntil(() => done, 40_000, 10);
    await closing;
    expect(clock.now() - t0).toBeLessThan(100);
    expect(spout.failedIds().sort()).toEqual(['a', 'b', 'c']);
    expect(spout.acks).toEqual([]); // fail() (a replay), not the ack of a dead letter
    expect(m.logs.some((l) => l.msg.startsWith('tuple dead-lettered'))).toBe(false);
    expect(m.logs.find((l) => l.msg.startsWith('draining: the inputs its windows held failed'))?.obj).toMatchObject({ component: 'seen', failed: 3 });
    expect(m.logs.some((l) => l.msg === 'closing with tuples still in flight')).toBe(false);
  });

  it('a rebalance that moves its executor away fails them at once', async () => {
    const clock = new ManualClock();
    const spout = new SpoutProbe(clock);
    spout.plan.push({ id: 'a', at: 100 }, { id: 'b', at: 200 }, { id: 'c', at: 300 });
    const placement: Placement = { isLocal: () => true, link: { sendTuple: () => { throw new Error('no remote task in this test'); } } };
    const m = await started(spout, clock, 2, placement);
    await m.engine.reassign({ isLocal: () => true, parallelism: { seen: 2 } });
    await m.runUntil(() => spout.fails.length === 3, 50);
    expect(spout.failedIds().sort()).toEqual(['a', 'b', 'c']);
    expect(spout.acks).toEqual([]);
    expect(m.logs.find((l) => l.msg.startsWith('executor moved away'))?.obj).toMatchObject({ component: 'seen', failed: 3 });
    await m.close();
  });
});
