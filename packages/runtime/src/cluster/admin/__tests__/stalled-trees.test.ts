import { TopologyBuilder, type Topology } from '@gale/runtime';
import { ManualClock } from '../../../engine/testing/manual-time.js';
import { ManualEngine } from '../../../engine/__tests__/manual-engine.js';
import { BoltProbe, HoldingBolt, ProbeSpout, SpoutProbe } from '../../../engine/__tests__/timing-fixtures.js';
import { mergeStats } from '../stats.js';
import { stallOf } from '../stalled.js';
import type { WorkerHeartbeat } from '../../model.js';
import type { ComponentStats } from '../../../engine/metrics.js';

const T = 1000;

describe('the stalled-tree predicate', () => {
  const spout = (pending: number, sinceCompletionMs?: number) => ({ kind: 'spout' as const, pending, ...(sinceCompletionMs === undefined ? {} : { sinceCompletionMs }) });

  it('is stalled when spouts hold pending trees and none completed one for longer than messageTimeoutMs', () => {
    expect(stallOf([spout(5, T + 1)], T)).toEqual({ stalled: true, pending: 5, sinceCompletionMs: T + 1 });
    expect(stallOf([spout(5, T)], T).stalled).toBe(false); // not longer than the timeout yet
    expect(stallOf([spout(0, 10 * T)], T).stalled).toBe(false); // idle, nothing pending
  });

  it('is not stalled when any spout completed a tree recently, wherever it runs', () => {
    expect(stallOf([spout(5, 10 * T), spout(0, 10)], T)).toEqual({ stalled: false, pending: 5, sinceCompletionMs: 10 });
    expect(stallOf([spout(5, 10 * T), spout(3, 20 * T)], T)).toEqual({ stalled: true, pending: 8, sinceCompletionMs: 10 * T });
  });

  it('reads only spouts, and gives no verdict without the field (older workers) or without spouts', () => {
    expect(stallOf([spout(5), { kind: 'acker', pending: 5, sinceCompletionMs: 10 * T }], T)).toEqual({ stalled: false, pending: 5, sinceCompletionMs: null });
    expect(stallOf([{ kind: 'bolt', pending: 0 }, { kind: undefined, pending: 0 }], T)).toEqual({ stalled: false, pending: 0, sinceCompletionMs: null });
  });

  it('merges workers by the most recent completion', () => {
    const beat = (pending: number, since: number): WorkerHeartbeat => ({
      topology: 't', supervisor: 's', host: 'h', port: 1, pid: 1, assignmentVersion: 1, state: 'running', time: 0, executors: [],
      stats: [{ component: 's', kind: 'spout', pending, sinceCompletionMs: since } as ComponentStats],
    });
    const merged = mergeStats([beat(4, 9 * T), beat(0, 50)]).get('s')!;
    expect(merged).toMatchObject({ pending: 4, sinceCompletionMs: 50 });
    expect(stallOf([merged], T).stalled).toBe(false);
    expect(stallOf([mergeStats([beat(4, 9 * T), beat(1, 3 * T)]).get('s')!], T).stalled).toBe(true);
  });
});

/** spout `s` -> bolt `hold` (keeps every tuple unacked until the test acks it). */
function holdTopology(clock: ManualClock): { topology: Topology; spout: SpoutProbe; bolt: BoltProbe } {
  const spout = new SpoutProbe(clock);
  const bolt = new BoltProbe(clock);
  const b = new TopologyBuilder();
  b.setSpout('s', () => new ProbeSpout(spout));
  b.setBolt('hold', () => new HoldingBolt(bolt)).shuffleGrouping('s');
  return { topology: b.build({ name: 'stall', config: { messageTimeoutMs: T, ackers: 1 } }), spout, bolt };
}

describe("a spout's sinceCompletionMs (engine stats, manual clock)", () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('grows while trees are held and time out (a timeout is no completion), and restarts at an ack', async () => {
    const clock = new ManualClock();
    const { topology, spout, bolt } = holdTopology(clock);
    spout.replay = true; // timed-out ids come back: pending never empties
    spout.plan.push({ id: 'a', at: 0 }, { id: 'b', at: 0 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.advanceTo(400);
    expect(h.stats('s')).toMatchObject({ pending: 2, sinceCompletionMs: 400 });
    expect(stallOf([h.stats('s')], T).stalled).toBe(false);
    h.advanceTo(2600); // both timed out at 1500 and were replayed
    expect(spout.failedIds()).toEqual(['a', 'b']);
    expect(h.stats('s')).toMatchObject({ pending: 2, sinceCompletionMs: 2600 });
    expect(stallOf([h.stats('s')], T).stalled).toBe(true);
    const last = bolt.held.at(-1)!; // the replay (bolt.ack(id) would find the timed-out first attempt)
    last.collector.ack(last.tuple);
    h.advanceTo(2700);
    expect(spout.acks).toHaveLength(1);
    expect(h.stats('s')).toMatchObject({ pending: 1, sinceCompletionMs: 100 });
    expect(stallOf([h.stats('s')], T).stalled).toBe(false);
    expect(h.stats('hold').sinceCompletionMs).toBeUndefined();
  });

  it('restarts at a resetTimeout too: a bolt keeping a long tree alive is working on it', async () => {
    const clock = new ManualClock();
    const { topology, spout, bolt } = holdTopology(clock);
    spout.plan.push({ id: 'a', at: 0 });
    h = new ManualEngine(topology, {}, clock);
    await h.start();
    h.advanceTo(900);
    expect(h.stats('s')).toMatchObject({ pending: 1, sinceCompletionMs: 900 });
    bolt.resetTimeout('a');
    h.advanceTo(1000);
    expect(h.stats('s')).toMatchObject({ pending: 1, sinceCompletionMs: 100 });
    expect(spout.fails).toEqual([]);
  });
});
