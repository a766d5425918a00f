// Executors moved in a running engine (a cluster worker following a rebalance of parallelism):
// two engines joined by an in-memory link, split goes from 2 to 4 executors mid-run. Every id is
// acked, the tuples held by executors that went are failed at once and replayed (the test's
// messageTimeoutMs is far longer than the test may take), and unchanged executors keep running.
import { BaseRichBolt, BaseRichSpout, TopologyBuilder, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import { Engine } from '../engine.js';
import { diffExecutors, executorIdentity } from '../executor-swap.js';
import type { PlannedExecutor } from '../plan.js';
import type { RemoteLink } from '../remote.js';
import type { TupleImpl } from '../tuple.js';
import { CryptoIds, nodeClock, nodeScheduler } from '../../local/node-ports.js';

const silent = { error() {}, warn() {}, info() {}, debug() {} };
const N = 3000;
const acked = new Set<number>();
let failed = 0;

class Numbers extends BaseRichSpout {
  private next = 1;
  private replay: number[] = [];
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['n']);
  }
  nextTuple(): void {
    const n = this.replay.shift() ?? (this.next <= N ? this.next++ : undefined);
    if (n !== undefined) this.collector.emit([n], n);
  }
  override ack(id: unknown): void {
    acked.add(id as number);
  }
  override fail(id: unknown): void {
    failed++;
    this.replay.push(id as number);
  }
}

class Pass extends BaseRichBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['n']);
  }
  execute(t: Tuple): void {
    this.collector.emit([t.getValue(0)], t);
    this.collector.ack(t);
  }
}

class Sink extends BaseRichBolt {
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    this.collector.ack(t);
  }
}

const planned = (component: string, index: number, tasks: number[]): PlannedExecutor =>
  ({ component: { id: component }, index, tasks } as unknown as PlannedExecutor);

describe('executor diff', () => {
  it('an executor whose tasks change is one that goes and one that comes', () => {
    const before = [planned('split', 0, [3, 4]), planned('sink', 0, [1])];
    const after = [planned('split', 0, [3]), planned('split', 2, [5]), planned('sink', 0, [1])];
    const d = diffExecutors(before, after);
    expect(d.kept).toEqual(['sink#0:1']);
    expect(d.removed.map(executorIdentity)).toEqual(['split#0:3,4']);
    expect(d.added.map(executorIdentity)).toEqual(['split#0:3', 'split#2:5']);
  });
});

describe('an engine changing its executors while it runs', () => {
  it('keeps processing, fails what moved executors held, and loses nothing', async () => {
    const b = new TopologyBuilder();
    b.setSpout('numbers', new Numbers());
    b.setBolt('split', new Pass(), { parallelism: 2, numTasks: 4 }).shuffleGrouping('numbers');
    b.setBolt('sink', new Sink(), 2).fieldsGrouping('split', ['n']);
    const topology = b.build({ name: 'swap', config: { ackers: 2, workers: 2, messageTimeoutMs: 600_000, maxSpoutPending: 200 } });

    // worker 0: numbers, split#0, sink#0, __acker#0; worker 1: split#1, sink#1, __acker#1.
    // After: split#0 and split#2 on worker 0, split#1 and split#3 on worker 1.
    let parallelism: Record<string, number> = { split: 2 };
    const isLocal = (w: number) => (component: string, index: number): boolean => (component === 'numbers' ? w === 0 : index % 2 === w);
    const engines: Engine[] = [];
    const linkFor = (from: number): RemoteLink => ({
      sendTuple(task: number, tuple: TupleImpl): boolean {
        const to = 1 - from;
        const values = [...tuple.values];
        const anchors = tuple.anchors === null ? null : [...tuple.anchors];
        setImmediate(() => {
          // As WorkerLink does: a data tuple for a task not (or no longer) there fails its trees now.
          if (!engines[to]!.receiveTuple(task, tuple.stream.index, tuple.sourceTask, values, anchors)) engines[to]!.failRefused(anchors);
          engines[from]!.wake();
        });
        return true;
      },
    });
    for (const w of [0, 1]) {
      engines.push(new Engine({
        topology, config: topology.config, clock: nodeClock, scheduler: nodeScheduler, ids: new CryptoIds(), random: Math.random, log: silent,
        placement: { isLocal: isLocal(w), link: linkFor(w), parallelism },
      }));
    }
    acked.clear();
    failed = 0;
    try {
      for (const e of engines) await e.start();
      expect(await engines[0]!.waitUntil(() => acked.size >= N / 3, 20_000)).toBe(true);
      parallelism = { split: 4 };
      const diffs = await Promise.all(engines.map((e, w) => e.reassign({ isLocal: isLocal(w), parallelism })));
      // Only split's executors changed; sink, the acker and the spout kept running.
      for (const d of diffs) {
        expect([...d.added, ...d.removed].every((e) => e.component.id === 'split')).toBe(true);
        expect(d.kept.length).toBeGreaterThan(0);
      }
      expect(engines.map((e) => e.parallelismOf('split'))).toEqual([4, 4]);
      expect(engines.map((e) => e.stats().find((s) => s.component === 'split')?.executors)).toEqual([2, 2]);
      expect(await engines[0]!.waitUntil(() => acked.size === N && engines.every((e) => e.isQuiescent()), 20_000)).toBe(true);
      expect(failed).toBeLessThanOrEqual(200); // at most the trees in flight
    } finally {
      for (const e of engines) await e.close(0);
    }
  }, 60_000);
});
