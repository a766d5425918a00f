// The hop trace (hop-trace.ts) across two engines behind real WorkerLinks on loopback ports, and what
// it shows about the end-of-run flush (issue 9): a tree's data record and its ack each leave in a
// frame encoded when the engine's run ended (WorkerLink.endOfRun), not by the peer client's 1 ms
// flush timer, and every hop of a remote tree is stamped once, in order.
import { freePort } from '../../../../../test/harness/ports.js';
import { BaseRichBolt, BaseRichSpout } from '../../api/base.js';
import { TopologyBuilder } from '../../api/builder.js';
import type { OutputFieldsDeclarer, Tuple } from '../../api/types.js';
import { parseTopologyConfig } from '../../config/topology-config.js';
import type { Assignment } from '../../coord/index.js';
import { Engine } from '../../engine/engine.js';
import { Hop, startHopTrace, stopHopTrace } from '../../hop-trace.js';
import { CryptoIds, nodeClock, nodeScheduler } from '../../local/node-ports.js';
import { rootLog } from '../../log.js';
import { WorkerLink } from '../worker-link.js';

const TREES = 8;
const acked: number[] = [];
let waiter: (() => void) | undefined;

/** One tree at a time (maxSpoutPending 1): the next is emitted after the previous one's ack. */
class Src extends BaseRichSpout {
  private next = 0;
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id']);
  }
  nextTuple(): void {
    if (this.next < TREES) this.collector.emit([this.next], this.next++);
  }
  override ack(id: unknown): void {
    acked.push(id as number);
    waiter?.();
  }
}

class Sink extends BaseRichBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void {
    this.collector.ack(t);
  }
}

test('a remote tree is stamped at every hop, and its data and ack frames go out at the end of a run, not by the flush timer', async () => {
  const b = new TopologyBuilder();
  b.setSpout('src', () => new Src(), { parallelism: 1 });
  b.setBolt('sink', () => new Sink(), 1).shuffleGrouping('src');
  const topology = b.build({ name: 'hops', workers: 2, config: { ackers: 1, maxSpoutPending: 1 } });
  const config = parseTopologyConfig({}, topology.config);
  const [portA, portB] = [await freePort(), await freePort()];
  const inA = new Set(['src#0', '__acker#0']);
  const assignment: Assignment = {
    topology: 'hops', version: 1, codeSha256: 'x', parallelism: { src: 1, sink: 1, __acker: 1 },
    workers: [
      { supervisor: 'a', host: '127.0.0.1', port: portA, executors: [...inA] },
      { supervisor: 'b', host: '127.0.0.1', port: portB, executors: ['sink#0'] },
    ],
  };
  const log = rootLog.child({ test: 'hop-trace' });
  const workers = [{ sup: 'a', port: portA, local: (k: string) => inA.has(k) }, { sup: 'b', port: portB, local: (k: string) => !inA.has(k) }].map((w) => {
    const link = new WorkerLink({ supervisor: w.sup, host: '127.0.0.1', port: w.port, topology: 'hops', secret: 'a-test-secret-of-32-bytes-length', epoch: 1, log });
    const engine = new Engine({
      topology, config, clock: nodeClock, scheduler: nodeScheduler, ids: new CryptoIds(), random: Math.random, log,
      placement: { isLocal: (c, i) => w.local(`${c}#${i}`), link, parallelism: assignment.parallelism },
    });
    return { link, engine };
  });
  // every root sampled (mask 0), on the engine's clock
  startHopTrace(() => nodeClock.now(), 10_000, 0);
  let stamps: Float64Array;
  try {
    for (const w of workers) await w.link.listen(w.engine);
    for (const w of workers) w.link.route(assignment);
    await Promise.all(workers.map((w) => w.engine.start()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`acked only ${JSON.stringify(acked)}`)), 30_000);
      waiter = () => {
        if (acked.length === TREES) {
          clearTimeout(timer);
          resolve();
        }
      };
      waiter();
    });
  } finally {
    stamps = stopHopTrace();
    for (const w of workers) await w.engine.close(0).catch(() => {});
    for (const w of workers) await w.link.close();
  }
  const byRoot = new Map<number, [hop: number, at: number][]>();
  for (let i = 0; i < stamps.length; i += 3) {
    const hop = stamps[i]!;
    if (hop >= Hop.GC) continue;
    const list = byRoot.get(stamps[i + 1]!) ?? [];
    list.push([hop, stamps[i + 2]!]);
    byRoot.set(stamps[i + 1]!, list);
  }
  // Trees in emit order; the first may find a connection still opening (its batch then waits for the timer).
  const trees = [...byRoot.values()].filter((l) => l.some(([h]) => h === Hop.EMIT)).sort((x, y) => x[0]![1] - y[0]![1]);
  expect(trees).toHaveLength(TREES);
  for (const hops of trees.slice(1)) {
    expect(hops.map(([h]) => h)).toEqual([
      Hop.EMIT, Hop.DATA_ENQUEUE, Hop.DATA_ENCODE, Hop.DATA_WRITE, Hop.DATA_RECEIVE, Hop.EXECUTE,
      Hop.ACK_ENQUEUE, Hop.ACK_ENCODE, Hop.ACK_WRITE, Hop.ACK_RECEIVE, Hop.COMPLETE,
    ]);
    const times = hops.map(([, t]) => t);
    expect(times).toEqual([...times].sort((x, y) => x - y));
  }
}, 60_000);
