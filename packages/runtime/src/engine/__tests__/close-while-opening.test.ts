// A close while the engine's tasks are still opening (a bolt's prepare() waiting on its server)
// must open nothing more, never clean up a bolt while its prepare() runs, and close what finishes
// opening after the close exactly once: nobody else would (connections, watchers left open).
import { BaseBasicBolt, BaseRichSpout, TopologyBuilder, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import { ManualEngine } from './manual-engine.js';

const events: string[] = [];

class EventSpout extends BaseRichSpout {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['n']);
  }
  override open(...args: Parameters<BaseRichSpout['open']>): void {
    super.open(...args);
    events.push('spout.open');
  }
  override close(): void {
    events.push('spout.close');
  }
  nextTuple(): void {}
}

class GatedBolt extends BaseBasicBolt {
  constructor(private readonly name: string, private readonly gate: Promise<void> | undefined) {
    super();
  }
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  override async prepare(): Promise<void> {
    events.push(`${this.name}.prepare`);
    await this.gate;
    events.push(`${this.name}.prepared`);
  }
  override cleanup(): void {
    events.push(`${this.name}.cleanup`);
  }
  execute(_t: Tuple): void {}
}

function topology(gate: Promise<void>) {
  const b = new TopologyBuilder();
  b.setSpout('s', () => new EventSpout());
  // Bolts open first, in this order: a, then the gated b, then c.
  b.setBolt('a', () => new GatedBolt('a', undefined)).shuffleGrouping('s');
  b.setBolt('b', () => new GatedBolt('b', gate)).shuffleGrouping('s');
  b.setBolt('c', () => new GatedBolt('c', undefined)).shuffleGrouping('s');
  return b.build({ name: 'late-open', config: {} });
}

describe('an engine closed while its tasks open', () => {
  beforeEach(() => { events.length = 0; });

  it('opens nothing more, cleans up the bolt whose prepare() was running once it resolves, and every task opened exactly once is closed once', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    const m = new ManualEngine(topology(gate));
    const starting = m.engine.start();
    await m.settle();
    expect(events).toEqual(['a.prepare', 'a.prepared', 'b.prepare']);
    await m.engine.close();
    events.push('--closed--');
    open();
    await starting;
    await m.settle();
    expect(events).toEqual(['a.prepare', 'a.prepared', 'b.prepare', 'a.cleanup', '--closed--', 'b.prepared', 'b.cleanup']);
    expect(m.logs.some((l) => l.msg.startsWith('closing without a drain'))).toBe(true);
  });

  it('a prepare() that resolves while the close runs is cleaned up once, after it', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    const m = new ManualEngine(topology(gate));
    const starting = m.engine.start();
    await m.settle();
    const closing = m.engine.close();
    open();
    await Promise.all([closing, starting]);
    await m.settle();
    expect(events.filter((e) => e.endsWith('.cleanup')).sort()).toEqual(['a.cleanup', 'b.cleanup']);
    expect(events.indexOf('b.cleanup')).toBeGreaterThan(events.indexOf('b.prepared'));
    expect(events).not.toContain('spout.open');
    expect(events).not.toContain('c.prepare');
  });

  it('a cleanup() that fails after the close (its prepare() resolved late) is logged with its component and task', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    const b = new TopologyBuilder();
    b.setSpout('s', () => new EventSpout());
    b.setBolt('late', () => new (class extends GatedBolt {
      override cleanup(): void {
        throw new Error('socket already gone');
      }
    })('late', gate)).shuffleGrouping('s');
    const m = new ManualEngine(b.build({ name: 'late-cleanup', config: {} }));
    const starting = m.engine.start();
    await m.settle();
    await m.engine.close();
    open();
    await starting;
    await m.settle();
    const late = m.logs.filter((l) => l.msg === 'component error after close');
    expect(late).toEqual([expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ component: 'late', task: expect.any(Number), err: expect.stringContaining('socket already gone'), code: 'GALE_ERR_CLOSE' }) })]);
  });
});
