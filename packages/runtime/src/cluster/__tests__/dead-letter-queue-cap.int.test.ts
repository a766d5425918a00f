// Re-sent dead letters that a peer's full buffer refuses wait in a queue of their own (at most
// 1,024 per peer), not in the control queue with the acker messages: a flood of them once filled
// that queue, so acks were dropped (trees timed out), and any queued entry turned off the ack fast
// path for every peer. Past the cap each is logged as `dead letter lost` with its message id; the
// ones kept go out when the peer drains. A real WorkerLink whose peer is not listening yet (its
// buffer fills with held frames), and a real PeerServer started later as that peer.
import { freePort } from '../../../../../test/harness/ports.js';
import { BaseRichBolt, BaseRichSpout } from '../../api/base.js';
import { TopologyBuilder } from '../../api/builder.js';
import { DEAD_LETTER_STREAM, type OutputFieldsDeclarer, type Tuple } from '../../api/types.js';
import { parseTopologyConfig } from '../../config/topology-config.js';
import type { Assignment } from '../../coord/index.js';
import { Engine } from '../../engine/engine.js';
import { CryptoIds, nodeClock, nodeScheduler } from '../../local/node-ports.js';
import { FrameType, PeerServer } from '../../transport/index.js';
import { captureLog } from '../../transport/__tests__/helpers.js';
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

test('refused dead letters wait in their own capped queue, apart from acker messages; those over the cap are logged lost', async () => {
  const b = new TopologyBuilder();
  b.setSpout('src', () => new Src());
  b.setBolt('dead', () => new Dead()).shuffleGrouping('src', DEAD_LETTER_STREAM);
  const topology = b.build({ name: 'dl-cap', workers: 2, config: { ackers: 0 } });
  const [portA, portB] = [await freePort(), await freePort()];
  const assignment: Assignment = {
    topology: 'dl-cap', version: 1, codeSha256: 'x', parallelism: { src: 1, dead: 1 },
    workers: [
      { supervisor: 'a', host: '127.0.0.1', port: portA, executors: ['src#0'] },
      { supervisor: 'b', host: '127.0.0.1', port: portB, executors: ['dead#0'] },
    ],
  };
  const { log, lines } = captureLog();
  const link = new WorkerLink({ supervisor: 'a', host: '127.0.0.1', port: portA, topology: 'dl-cap', secret: SECRET, epoch: 1, log });
  const engine = new Engine({
    topology, config: parseTopologyConfig({}, topology.config), clock: nodeClock, scheduler: nodeScheduler, ids: new CryptoIds(), random: Math.random, log,
    placement: { isLocal: (c) => c === 'src', link, parallelism: assignment.parallelism },
  });
  const srcTask = engine.tasksOf.get('src')![0]!;
  const deadTask = engine.tasksOf.get('dead')![0]!;
  const stream = engine.streamTable.findIndex((r) => r.component === 'src' && r.id === DEAD_LETTER_STREAM);
  let peer: PeerServer | undefined;
  const arrived: string[] = [];
  try {
    await link.listen(engine);
    link.route(assignment);
    const client = link['clients'].get(`127.0.0.1:${portB}`)!;
    // The peer is not up: frames are held for it until its buffer is full.
    const filler = ['filler', 'x', ['y'.repeat(512 * 1024)], 'failed', 1];
    for (let i = 0; i < 64 && client.sendTuple(deadTask, srcTask, stream, filler, null); i++) client.flush();
    expect(client.writable).toBe(false);
    // 1,100 dead letters the transport refused, re-sent (with empty values) into the full buffer.
    for (let i = 0; i < 1100; i++) link['resendDeadLetter'](client, deadTask, srcTask, stream, [`id-${i}`, 'src', ['v'], 'too-large', 1]);
    // None of them in the control queue: acker messages keep all of it, and the ack fast path stays on.
    expect(link['control'].size).toBe(0);
    const lost = lines.filter((l) => l.msg === 'dead letter lost');
    expect(lost.map((l) => l.messageId)).toEqual(Array.from({ length: 76 }, (_, i) => `id-${1024 + i}`));
    expect(String(lost[0]!.why)).toMatch(/1024 dead letters already wait/);
    peer = await PeerServer.listen({
      port: portB, secret: SECRET, topology: 'dl-cap', workerId: 'b-1', epoch: 1, log,
      onFrame: (_p, frame) => {
        if (frame[0] !== FrameType.TUPLES) return;
        for (const rec of frame[1]) if (String(rec[3][0]).startsWith('id-')) arrived.push(String(rec[3][0]));
      },
    });
    const deadline = Date.now() + 20_000;
    while (arrived.length < 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(arrived).toEqual(Array.from({ length: 1024 }, (_, i) => `id-${i}`));
    expect(link['deadLetters'].size).toBe(0);
  } finally {
    await link.close();
    await peer?.close();
    await engine.close(0);
  }
}, 60_000);
