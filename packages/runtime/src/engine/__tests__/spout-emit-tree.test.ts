import {
  BaseBasicBolt, BaseRichSpout, DEAD_LETTER_STREAM, TopologyBuilder,
  type OutputFieldsDeclarer, type Topology, type TopologyConfig, type Tuple,
} from '@gale/runtime';
import { ManualClock } from '../testing/manual-time.js';
import { ManualEngine } from './manual-engine.js';
import { BoltProbe, HoldingBolt } from './timing-fixtures.js';

/*
 * SpoutOutputCollector.emitTree: several tuples in one tree under one message id. The spout is
 * told once per tree (ack when every tuple completed, fail when one failed or the tree timed out),
 * and a replay re-emits the whole group.
 */

const T = 1000;

/** What a {@link TreeSpout} emitted and was told. */
class TreeProbe {
  /** Groups to emit: message id and size; tuple i of group `id` is `[`${id}.${i}`]`. */
  readonly plan: { id: string; size: number }[] = [];
  readonly emits: string[] = [];
  readonly acks: unknown[] = [];
  readonly fails: unknown[] = [];
  /** Emit with this message id instead (undefined: untracked). */
  untracked = false;
  /** A group whose tuple 1 has a value too many (the emit must throw with nothing sent). */
  malformed = new Set<string>();
  constructor(readonly clock: ManualClock) {}
}

class TreeSpout extends BaseRichSpout {
  private readonly sizes = new Map<string, number>();
  private readonly replays: string[] = [];
  constructor(private readonly probe: TreeProbe) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['v']);
  }
  nextTuple(): void {
    const p = this.probe;
    let id = this.replays.shift();
    if (id === undefined) {
      const g = p.plan.shift();
      if (g === undefined) return;
      this.sizes.set(g.id, g.size);
      id = g.id;
    }
    p.emits.push(id);
    const tuples = Array.from({ length: this.sizes.get(id)! }, (_, i) => (p.malformed.has(id!) && i === 1 ? [`${id}.${i}`, 'extra'] : [`${id}.${i}`]));
    this.collector.emitTree(tuples, p.untracked ? undefined : id);
  }
  override ack(id: unknown): void {
    this.probe.acks.push(id);
  }
  override fail(id: unknown): void {
    this.probe.fails.push(id);
    this.replays.push(id as string);
  }
}

class Sink extends BaseBasicBolt {
  constructor(private readonly seen: string[]) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    this.seen.push(t.getValue(0) as string);
  }
}

function holdTopology(probe: TreeProbe, bolt: BoltProbe, config: Partial<TopologyConfig> = {}): Topology {
  const b = new TopologyBuilder();
  b.setSpout('s', () => new TreeSpout(probe));
  b.setBolt('hold', () => new HoldingBolt(bolt), 2).shuffleGrouping('s');
  return b.build({ name: 'trees', config: { messageTimeoutMs: T, ackers: 1, replayBackoffInitialMs: 0, ...config } });
}

describe('emitTree: several tuples in one tree (manual clock)', () => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  function setup(config: Partial<TopologyConfig> = {}): { probe: TreeProbe; bolt: BoltProbe } {
    const clock = new ManualClock();
    const probe = new TreeProbe(clock);
    const bolt = new BoltProbe(clock);
    h = new ManualEngine(holdTopology(probe, bolt, config), {}, clock);
    return { probe, bolt };
  }

  it('a group is one pending tree, acked once after its last tuple completes', async () => {
    const { probe, bolt } = setup();
    probe.plan.push({ id: 'a', size: 3 }, { id: 'b', size: 2 });
    await h!.start();
    expect(bolt.held.map((x) => x.tuple.getValue(0)).sort()).toEqual(['a.0', 'a.1', 'a.2', 'b.0', 'b.1']);
    expect(h!.stats('s')).toMatchObject({ emitted: 5, pending: 2 });
    expect(h!.stats('__acker').pending).toBe(2);
    bolt.ack('a.0');
    bolt.ack('a.2');
    bolt.ack('b.1');
    await h!.settle();
    expect(probe.acks).toEqual([]);
    bolt.ack('a.1');
    await h!.settle();
    expect(probe.acks).toEqual(['a']);
    bolt.ack('b.0');
    await h!.settle();
    expect(probe.acks).toEqual(['a', 'b']);
    expect(h!.stats('s')).toMatchObject({ emitted: 5, acked: 2, failed: 0, pending: 0 });
    expect(h!.stats('__acker').pending).toBe(0);
  });

  it('a failed tuple fails the whole group once; the replay re-emits every tuple under the same id', async () => {
    const { probe, bolt } = setup();
    probe.plan.push({ id: 'a', size: 3 });
    await h!.start();
    bolt.ack('a.0');
    await h!.settle();
    const failed = bolt.get('a.1');
    failed.collector.fail(failed.tuple);
    await h!.settle();
    // The tuple not yet acked when its group failed is acked later: nothing more reaches the spout.
    bolt.ack('a.2');
    await h!.settle();
    expect(probe.fails).toEqual(['a']);
    await h!.runUntil(() => bolt.held.length === 6, 100);
    expect(probe.emits).toEqual(['a', 'a']);
    const second = bolt.held.slice(3).map((x) => x.tuple.getValue(0) as string).sort();
    expect(second).toEqual(['a.0', 'a.1', 'a.2']);
    for (const x of bolt.held.slice(3)) x.collector.ack(x.tuple);
    await h!.settle();
    expect(probe.acks).toEqual(['a']);
    expect(h!.stats('s')).toMatchObject({ emitted: 6, acked: 1, failed: 1, replayed: 1, pending: 0 });
  });

  it('a group with a tuple left unacked times out as one tree, between 1x and 1.5x messageTimeoutMs', async () => {
    const { probe, bolt } = setup();
    probe.plan.push({ id: 'a', size: 4 });
    await h!.start();
    for (const v of ['a.0', 'a.1', 'a.3']) bolt.ack(v);
    await h!.settle();
    h!.advanceTo(T);
    expect(probe.fails).toEqual([]);
    h!.advanceTo(1.5 * T);
    await h!.settle();
    expect(probe.fails).toEqual(['a']);
    expect(h!.stats('s')).toMatchObject({ failed: 1, timedOut: 1 });
    // Replayed whole: four more tuples.
    expect(bolt.held.length).toBe(8);
  });

  it('maxSpoutPending counts trees, not tuples', async () => {
    const { probe, bolt } = setup({ maxSpoutPending: 2 });
    for (const id of ['a', 'b', 'c']) probe.plan.push({ id, size: 5 });
    await h!.start();
    h!.advance(50);
    await h!.settle();
    expect(probe.emits).toEqual(['a', 'b']);
    expect(bolt.held.length).toBe(10);
    expect(h!.stats('s').pending).toBe(2);
    for (let i = 0; i < 5; i++) bolt.ack(`a.${i}`);
    await h!.runUntil(() => probe.emits.length === 3, 100);
    expect(probe.emits).toEqual(['a', 'b', 'c']);
    expect(probe.acks).toEqual(['a']);
    expect(h!.stats('s').pending).toBe(2);
  });

  it('tuples acked inline reach the acker as one message with the init; a group of none is acked at once', async () => {
    const clock = new ManualClock();
    const probe = new TreeProbe(clock);
    const seen: string[] = [];
    const b = new TopologyBuilder();
    b.setSpout('s', () => new TreeSpout(probe));
    b.setBolt('sink', () => new Sink(seen), 2).shuffleGrouping('s');
    probe.plan.push({ id: 'a', size: 50 }, { id: 'empty', size: 0 });
    h = new ManualEngine(b.build({ name: 'inline', config: { ackers: 1, messageTimeoutMs: T } }), {}, clock);
    await h.start();
    expect(seen.length).toBe(50);
    expect(probe.acks).toEqual(['a', 'empty']);
    // 50 acks and the init merged into one acker message for 'a'; one init for the empty tree.
    expect(h.stats('__acker')).toMatchObject({ executed: 2, pending: 0 });
    expect(h.stats('s')).toMatchObject({ emitted: 50, acked: 2, pending: 0 });
  });

  it('a malformed tuple throws before any tuple of its group is sent; untracked groups and ackers: 0 work', async () => {
    const { probe, bolt } = setup({ ackers: 0 });
    probe.plan.push({ id: 'bad', size: 3 }, { id: 'ok', size: 2 });
    probe.malformed.add('bad');
    await h!.start();
    await h!.runUntil(() => bolt.held.length === 2, 100);
    expect(h!.engine.errors('s').map((e) => e.message).join('\n')).toMatch(/emitted 2 values on stream "default", which declares 1 fields/);
    expect(bolt.held.map((x) => x.tuple.getValue(0))).toEqual(['ok.0', 'ok.1']);
    // Without ackers a tracked tree is complete at once.
    expect(probe.acks).toEqual(['ok']);
    expect(h!.stats('s')).toMatchObject({ emitted: 2, acked: 1 });
  });

  it('a group emitted without a message id is untracked: nothing is pending, the spout is never told', async () => {
    const { probe, bolt } = setup();
    probe.untracked = true;
    probe.plan.push({ id: 'u', size: 3 });
    await h!.start();
    expect(bolt.held.length).toBe(3);
    expect(h!.stats('s')).toMatchObject({ emitted: 3, pending: 0 });
    expect(h!.stats('__acker').pending).toBe(0);
    h!.advance(3 * T);
    expect(probe.acks).toEqual([]);
    expect(probe.fails).toEqual([]);
  });

  it('past maxRetries a group is dead-lettered as one dead letter per tuple, counted once', async () => {
    const clock = new ManualClock();
    const probe = new TreeProbe(clock);
    const bolt = new BoltProbe(clock);
    const dead: unknown[][] = [];
    const b = new TopologyBuilder();
    b.setSpout('s', () => new TreeSpout(probe), { maxRetries: 0 });
    b.setBolt('hold', () => new HoldingBolt(bolt)).shuffleGrouping('s');
    b.setBolt('dead', () => new (class extends BaseBasicBolt {
      declareOutputFields(): void {}
      execute(t: Tuple): void {
        dead.push([...t.values]);
      }
    })()).shuffleGrouping('s', DEAD_LETTER_STREAM);
    probe.plan.push({ id: 'p', size: 2 });
    h = new ManualEngine(b.build({ name: 'dead', config: { ackers: 1, messageTimeoutMs: T } }), {}, clock);
    await h.start();
    const x = bolt.get('p.1');
    x.collector.fail(x.tuple);
    await h.settle();
    expect(dead).toEqual([['p', 'default', ['p.0'], 'failed', 1], ['p', 'default', ['p.1'], 'failed', 1]]);
    expect(probe.acks).toEqual(['p']);
    expect(probe.fails).toEqual([]);
    expect(h.stats('s')).toMatchObject({ deadLettered: 1, failed: 1 });
  });
});
