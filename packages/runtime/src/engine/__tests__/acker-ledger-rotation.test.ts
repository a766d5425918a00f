import { TopologyBuilder, type Topology } from '@gale/runtime';
import { ManualClock } from '../testing/manual-time.js';
import { ManualEngine } from './manual-engine.js';
import { BoltProbe, HoldingBolt, ProbeSpout, SpoutProbe } from './timing-fixtures.js';

/*
 * A late ack (after the spout timed the tree out and sent __ack_forget) recreates an un-inited
 * ledger entry at the acker. Only the acker's own rotation (its tick) can remove it. Regression:
 * ticks carry messageTimeoutMs/2/1000 seconds, and a tick whose value looked like a valid root
 * (T = 2000: 1; the default 30000: 15) was once taken for a malformed ack, so the ledger never rotated.
 */
function holdTopology(clock: ManualClock, T: number): { topology: Topology; spout: SpoutProbe; bolt: BoltProbe } {
  const spout = new SpoutProbe(clock);
  const bolt = new BoltProbe(clock);
  const b = new TopologyBuilder();
  b.setSpout('s', () => new ProbeSpout(spout));
  b.setBolt('hold', () => new HoldingBolt(bolt)).shuffleGrouping('s');
  return { topology: b.build({ name: 'rot', config: { messageTimeoutMs: T, ackers: 1 } }), spout, bolt };
}

describe.each([1000, 2000, 30000])('acker ledger rotation, messageTimeoutMs %d', (T) => {
  it('an orphan entry made by a late ack is dropped by the acker within a few rotations', async () => {
    const clock = new ManualClock();
    const { topology, spout, bolt } = holdTopology(clock, T);
    spout.plan.push({ id: 'a', at: 0 });
    const h = new ManualEngine(topology, {}, clock);
    await h.start();
    await h.runUntil(() => spout.fails.length === 1, 2 * T);
    await h.settle();
    expect(h.stats('__acker').pending).toBe(0); // __ack_forget removed it
    bolt.ack('a'); // late ack: the acker makes an un-inited entry for the root
    await h.settle();
    expect(h.stats('__acker').pending).toBe(1);
    await h.runUntil(() => false, 4 * T, T / 4); // >= 8 acker ticks
    const acker = h.stats('__acker');
    await h.close();
    expect(acker.ticks).toBeGreaterThan(8); // ticks did arrive at the acker...
    expect(acker.pending).toBe(0); // ...and rotated the ledger, whatever the tick's value
  });
});
