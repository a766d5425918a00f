// Outcome 9 (FAILED_STOPPED: failed by a stopping bolt or a rebalance, not charged to maxRetries)
// is newer than protocol version 2: a worker that predates it drops it as malformed and the tree
// times out. A worker announces what it understands in its handshake answer (x-gale-features,
// transport/auth.ts PEER_FEATURES); a sender sends 9 only to a peer that announced it, and 2
// (FAILED) to any other. Two engines behind real WorkerLinks on loopback ports: worker A refuses a
// tuple for a task it does not run (what a rebalance causes), fails its tree as FAILED_STOPPED at
// its acker, and the acker's outcome goes to the spout in worker B — recorded as it arrives.
import { freePort } from '../../../../../test/harness/ports.js';
import { BaseRichBolt, BaseRichSpout } from '../../api/base.js';
import { TopologyBuilder } from '../../api/builder.js';
import type { OutputFieldsDeclarer, Tuple } from '../../api/types.js';
import { parseTopologyConfig } from '../../config/topology-config.js';
import type { Assignment } from '../../coord/index.js';
import { ACK_OUTCOME_STREAM } from '../../engine/acker.js';
import { Engine } from '../../engine/engine.js';
import { TreeOutcome } from '../../engine/tree-outcome.js';
import { CryptoIds, nodeClock, nodeScheduler } from '../../local/node-ports.js';
import { rootLog } from '../../log.js';
import type { PeerFeature } from '../../transport/index.js';
import { WorkerLink } from '../worker-link.js';

const told: { failed: unknown[]; acked: unknown[] } = { failed: [], acked: [] };

class OneShot extends BaseRichSpout {
  private sent = false;
  declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['n']); }
  nextTuple(): void {
    if (!this.sent) this.collector.emit([1], 'id-1');
    this.sent = true;
  }
  override ack(id: unknown): void { told.acked.push(id); }
  override fail(id: unknown): void { told.failed.push(id); }
}

class Ack extends BaseRichBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void { this.collector.ack(t); }
}

test.each([
  ['a peer that announces failed-stopped gets outcome 9', undefined, TreeOutcome.FAILED_STOPPED],
  ['a peer that predates it (announces nothing) gets 2, plain FAILED', [] as PeerFeature[], TreeOutcome.FAILED],
])('%s', async (_name, featuresOfB, expected) => {
  told.failed.length = 0;
  told.acked.length = 0;
  const b = new TopologyBuilder();
  b.setSpout('src', () => new OneShot());
  b.setBolt('near', () => new Ack()).shuffleGrouping('src');
  b.setBolt('x', () => new Ack()).shuffleGrouping('src');
  const topology = b.build({ name: 'old-peer', workers: 2, config: { ackers: 1, messageTimeoutMs: 120_000, replayBackoffInitialMs: 0 } });
  const config = parseTopologyConfig({}, topology.config);
  const [portA, portB] = [await freePort(), await freePort()];
  // The assignment says "x" runs in A; A's engine does not run it (A has just moved it away).
  const assignment: Assignment = {
    topology: 'old-peer', version: 1, codeSha256: 'x', parallelism: { src: 1, near: 1, x: 1, __acker: 1 },
    workers: [
      { supervisor: 'a', host: '127.0.0.1', port: portA, executors: ['__acker#0', 'near#0', 'x#0'] },
      { supervisor: 'b', host: '127.0.0.1', port: portB, executors: ['src#0'] },
    ],
  };
  const log = rootLog.child({ test: 'old-peer' });
  const outcomesAtB: unknown[] = [];
  const workers = [
    { sup: 'a', port: portA, local: (c: string) => c === '__acker' || c === 'near', features: undefined },
    { sup: 'b', port: portB, local: (c: string) => c === 'src', features: featuresOfB },
  ].map((w) => {
    const link = new WorkerLink({
      supervisor: w.sup, host: '127.0.0.1', port: w.port, topology: 'old-peer', secret: 'a-test-secret-of-32-bytes-length', epoch: 1, log,
      ...(w.features !== undefined ? { features: w.features } : {}),
    });
    const engine = new Engine({
      topology, config, clock: nodeClock, scheduler: nodeScheduler, ids: new CryptoIds(), random: Math.random, log,
      placement: { isLocal: (c) => w.local(c), link, parallelism: assignment.parallelism },
    });
    return { link, engine };
  });
  const atB = workers[1]!.engine;
  const receive = atB.receiveTuple.bind(atB);
  atB.receiveTuple = (target, stream, source, values, anchors) => {
    if (atB.streamTable[stream]?.id === ACK_OUTCOME_STREAM) outcomesAtB.push(values[1]);
    return receive(target, stream, source, values, anchors);
  };
  try {
    for (const w of workers) await w.link.listen(w.engine);
    for (const w of workers) w.link.route(assignment);
    await Promise.all(workers.map((w) => w.engine.start()));
    expect(await atB.waitUntil(() => told.failed.length + told.acked.length > 0, 20_000)).toBe(true);
    expect(outcomesAtB).toEqual([expected]);
    expect(told).toEqual({ failed: ['id-1'], acked: [] }); // replayed at once either way (maxRetries: none)
  } finally {
    for (const w of workers) await w.engine.close(0).catch(() => {});
    for (const w of workers) await w.link.close();
  }
}, 60_000);
