import {
  BaseBasicBolt, BaseRichSpout, TopologyBuilder, FixedTupleSpout, type BasicOutputCollector, type OutputFieldsDeclarer, type Topology, type Tuple,
} from '@gale/runtime';
import { Engine } from '../engine.js';
import type { RemoteLink } from '../remote.js';
import type { TupleImpl } from '../tuple.js';
import { CryptoIds, nodeClock, nodeScheduler } from '../../local/node-ports.js';

const silent = { error() {}, warn() {}, info() {}, debug() {} };

class Split extends BaseBasicBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  execute(t: Tuple, c: BasicOutputCollector): void {
    for (const w of String(t.getValue(0)).split(' ')) c.emit([w]);
  }
}

const counted = new Map<string, number>();
class Count extends BaseBasicBolt {
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    const w = t.getValue(0) as string;
    counted.set(w, (counted.get(w) ?? 0) + 1);
  }
}

/** `lines` in groups of `perTree`, each group one tree (emitTree); failed groups are emitted again. */
class GroupedLines extends BaseRichSpout {
  private next = 0;
  private readonly replay: number[] = [];
  readonly acked = new Set<number>();
  constructor(private readonly lines: readonly string[], private readonly perTree: number) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['line']);
  }
  nextTuple(): void {
    const g = this.replay.shift() ?? (this.next * this.perTree < this.lines.length ? this.next++ : undefined);
    if (g === undefined) return;
    this.collector.emitTree(this.lines.slice(g * this.perTree, (g + 1) * this.perTree).map((l) => [l]), g);
  }
  override ack(id: unknown): void {
    this.acked.add(id as number);
  }
  override fail(id: unknown): void {
    this.replay.push(id as number);
  }
  isExhausted(): boolean {
    return this.acked.size * this.perTree >= this.lines.length;
  }
}

/**
 * Two engines in one process, each running part of the executors, joined by an in-memory link
 * that delivers asynchronously (as a network would) and refuses tuples past a small window to
 * exercise cross-worker backpressure. Worker 0 runs the spout `lines`; each runs task index w of the others.
 */
function twoEngines(topology: Topology): { engines: Engine[]; crossed: Map<string, number> } {
  const engines: Engine[] = [];
  const inFlight = [0, 0];
  /** Control tuples that crossed the link, by `from->to stream`. */
  const crossed = new Map<string, number>();
  const WINDOW = 20;
  const linkFor = (from: number): RemoteLink => {
    const to = 1 - from;
    return {
      sendTuple(task: number, tuple: TupleImpl): boolean {
        // Control tuples (acker traffic) are never refused; data tuples are, past the window.
        if (!tuple.stream.control && inFlight[to]! >= WINDOW) return false;
        inFlight[to]!++;
        if (tuple.stream.control) {
          const key = `${from}->${to} ${tuple.stream.id}`;
          crossed.set(key, (crossed.get(key) ?? 0) + 1);
        }
        const values = [...tuple.values];
        const anchors = tuple.anchors === null ? null : [...tuple.anchors];
        setImmediate(() => {
          inFlight[to]!--;
          expect(engines[to]!.receiveTuple(task, tuple.stream.index, tuple.sourceTask, values, anchors)).toBe(true);
          engines[from]!.wake();
        });
        return true;
      },
    };
  };
  for (const w of [0, 1]) {
    engines.push(new Engine({
      topology, config: { ...topology.config, queueCapacity: 8 }, clock: nodeClock, scheduler: nodeScheduler, ids: new CryptoIds(),
      random: Math.random, log: silent,
      placement: {
        isLocal: (component, index) => (component === 'lines' ? w === 0 : index === w),
        link: linkFor(w),
      },
    }));
  }
  return { engines, crossed };
}

describe('engines running parts of a topology (cluster placement)', () => {
  it('routes tuples and acker messages between engines; a spout\'s trees use the acker in its own worker', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => [`w${i % 7} w${i % 5} w${i % 3}`]);
    const b = new TopologyBuilder();
    b.setSpout('lines', new FixedTupleSpout(lines, ['line']));
    b.setBolt('split', new Split(), 2).shuffleGrouping('lines');
    b.setBolt('count', new Count(), 2).fieldsGrouping('split', ['word']);
    const topology = b.build({ name: 'split-up', config: { ackers: 2, workers: 2 } });

    // worker 0: lines, split#0, count#0, acker#0 ; worker 1: split#1, count#1, acker#1
    const { engines, crossed } = twoEngines(topology);
    counted.clear();
    try {
      for (const e of engines) await e.start();
      const done = await engines[0]!.waitUntil(() => engines[0]!.allSpoutsExhausted() && engines.every((e) => e.isQuiescent()), 20_000);
      expect(done).toBe(true);
      const expected = new Map<string, number>();
      for (const [l] of lines) for (const w of (l as string).split(' ')) expected.set(w, (expected.get(w) ?? 0) + 1);
      expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(expected));
      const spout = engines[0]!.stats().find((s) => s.component === 'lines')!;
      expect(spout.acked).toBe(500);
      expect(spout.failed).toBe(0);
      // Both workers did part of the work.
      for (const e of engines) expect(e.stats().find((s) => s.component === 'count')!.executed).toBeGreaterThan(0);
      expect(engines[1]!.localTasks().length).toBeGreaterThan(0);
      // The spout picks roots whose acker (root mod ackers) runs in its worker: inits and outcomes
      // never cross, only the acks of the bolts in worker 1 do, and acker#1 has no tree to track.
      expect([...crossed.keys()]).toEqual(['1->0 __ack_ack']);
      expect(engines[0]!.stats().find((s) => s.component === '__acker')!.executed).toBeGreaterThan(0);
      expect(engines[1]!.stats().find((s) => s.component === '__acker')?.executed ?? 0).toBe(0);
    } finally {
      await Promise.all(engines.map((e) => e.close(0)));
    }
  });
  it('a tree of several spout tuples (emitTree) spans both engines and is acked once, with the same wire traffic', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `w${i % 7} w${i % 5} w${i % 3}`);
    const spout = new GroupedLines(lines, 10);
    const b = new TopologyBuilder();
    b.setSpout('lines', () => spout);
    b.setBolt('split', new Split(), 2).shuffleGrouping('lines');
    b.setBolt('count', new Count(), 2).fieldsGrouping('split', ['word']);
    const { engines, crossed } = twoEngines(b.build({ name: 'grouped', config: { ackers: 2, workers: 2 } }));
    counted.clear();
    try {
      for (const e of engines) await e.start();
      expect(await engines[0]!.waitUntil(() => spout.isExhausted() && engines.every((e) => e.isQuiescent()), 20_000)).toBe(true);
      const expected = new Map<string, number>();
      for (const l of lines) for (const w of l.split(' ')) expected.set(w, (expected.get(w) ?? 0) + 1);
      expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(expected));
      expect(engines[0]!.stats().find((s) => s.component === 'lines')).toMatchObject({ emitted: 500, acked: 50, failed: 0, pending: 0 });
      // Both split tasks got lines of the groups: a group's tuples are routed one by one.
      for (const e of engines) expect(e.stats().find((s) => s.component === 'split')!.executed).toBeGreaterThan(0);
      expect([...crossed.keys()]).toEqual(['1->0 __ack_ack']);
      for (const e of engines) expect(e.stats().find((s) => s.component === '__acker')?.pending ?? 0).toBe(0);
    } finally {
      await Promise.all(engines.map((e) => e.close(0)));
    }
  });
});
