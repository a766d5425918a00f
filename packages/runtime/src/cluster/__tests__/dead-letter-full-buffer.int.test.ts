// A dead letter whose values the transport refused (too large, unencodable) is sent again with
// empty values so that its subscriber in another worker still gets the message id. When the peer's
// send buffer is full at that moment (a slow or absent peer), it was lost without a log line; now
// it waits with that peer's control tuples and goes out once the peer drains. A real WorkerLink
// whose peer is not listening yet (its buffer fills with held frames), and a real PeerServer
// started later as that peer.
import { freePort } from '../../../../../test/harness/ports.js';
import { BaseRichBolt, BaseRichSpout } from '../../api/base.js';
import { TopologyBuilder } from '../../api/builder.js';
import { DEAD_LETTER_STREAM, type OutputFieldsDeclarer, type Tuple } from '../../api/types.js';
import { parseTopologyConfig } from '../../config/topology-config.js';
import type { Assignment } from '../../coord/index.js';
import { Engine } from '../../engine/engine.js';
import { CryptoIds, nodeClock, nodeScheduler } from '../../local/node-ports.js';
import { rootLog } from '../../log.js';
import { FrameType, PeerServer } from '../../transport/index.js';
import { WorkerLink } from '../worker-link.js';

class Src extends BaseRichSpout {
  declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['n']); }
  nextTuple(): void {}
}

class Dead extends BaseRichBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void { this.collector.ack(t); }
}

const SECRET = 'a-test-secret-of-32-bytes-length';

test('a dead letter re-sent into a full peer buffer waits for the peer to drain, then arrives with its message id', async () => {
  const b = new TopologyBuilder();
  b.setSpout('src', () => new Src());
  b.setBolt('dead', () => new Dead()).shuffleGrouping('src', DEAD_LETTER_STREAM);
  const topology = b.build({ name: 'dl-full', workers: 2, config: { ackers: 0 } });
  const [portA, portB] = [await freePort(), await freePort()];
  const assignment: Assignment = {
    topology: 'dl-full', version: 1, codeSha256: 'x', parallelism: { src: 1, dead: 1 },
    workers: [
      { supervisor: 'a', host: '127.0.0.1', port: portA, executors: ['src#0'] },
      { supervisor: 'b', host: '127.0.0.1', port: portB, executors: ['dead#0'] },
    ],
  };
  const log = rootLog.child({ test: 'dl-full' });
  const link = new WorkerLink({ supervisor: 'a', host: '127.0.0.1', port: portA, topology: 'dl-full', secret: SECRET, epoch: 1, log });
  const engine = new Engine({
    topology, config: parseTopologyConfig({}, topology.config), clock: nodeClock, scheduler: nodeScheduler, ids: new CryptoIds(), random: Math.random, log,
    placement: { isLocal: (c) => c === 'src', link, parallelism: assignment.parallelism },
  });
  const srcTask = engine.tasksOf.get('src')![0]!;
  const deadTask = engine.tasksOf.get('dead')![0]!;
  const stream = engine.streamTable.findIndex((r) => r.component === 'src' && r.id === DEAD_LETTER_STREAM);
  let peer: PeerServer | undefined;
  const arrived: unknown[][] = [];
  try {
    await link.listen(engine);
    link.route(assignment);
    const client = link['clients'].get(`127.0.0.1:${portB}`)!;
    // The peer is not up: frames are held for it. One batch: 9 records of 512 KiB (together over
    // the 4 MiB bound) and a dead letter whose values alone exceed a frame; encoding it frames the
    // 9 (the buffer is now full) and drops the dead letter, which WorkerLink re-sends empty.
    const filler = ['filler', 'x', ['y'.repeat(512 * 1024)], 'failed', 1];
    for (let i = 0; i < 9; i++) expect(client.sendTuple(deadTask, srcTask, stream, filler, null)).toBe(true);
    expect(client.sendTuple(deadTask, srcTask, stream, ['id-7', 'src', ['z'.repeat(5 * 1024 * 1024)], 'too-large', 1], null)).toBe(true);
    client.flush();
    expect(client.writable).toBe(false); // full
    peer = await PeerServer.listen({
      port: portB, secret: SECRET, topology: 'dl-full', workerId: 'b-1', epoch: 1, log,
      onFrame: (_p, frame) => {
        if (frame[0] === FrameType.TUPLES) for (const rec of frame[1]) if (rec[3][0] === 'id-7') arrived.push(rec[3]);
      },
    });
    const deadline = Date.now() + 20_000;
    while (arrived.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(arrived).toEqual([['id-7', 'src', [], 'too-large', 1]]);
  } finally {
    await link.close();
    await peer?.close();
    await engine.close(0);
  }
}, 60_000);
