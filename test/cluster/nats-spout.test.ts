// A NATS JetStream spout on a real cluster worker: a server that goes away shows in `gale status`
// as the spout's error, and when it returns every message is consumed and acked (nothing lost).
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { startNats, type NatsServer } from '../harness/nats.js';
import { TestCluster, until, type StatusJson } from './cluster-harness.js';

describe('gale cluster: NATS JetStream spout', () => {
  let cluster: TestCluster;
  let nats: NatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNats();
    cluster = await TestCluster.start({ supervisors: 1 });
    nc = await connect({ servers: nats.servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    await (await jetstreamManager(nc)).streams.add({ name: 'EV', subjects: ['ev.>'] });
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await Promise.all(cluster?.supervisors.map((s) => s.destroy().catch(() => {})) ?? []);
    await cluster?.close();
    await nats?.stop();
  });

  async function publish(from: number, to: number): Promise<void> {
    const js = jetstream(nc);
    for (let i = from; i < to; i++) {
      await until(`publish ${i}`, () => js.publish('ev.x', `m${i}`, { msgID: `m${i}`, timeout: 1000 }).then(() => true, () => false), 30_000, 50);
    }
  }

  async function drained(): Promise<void> {
    const jsm = await jetstreamManager(nc);
    await until('every message acked', async () => {
      const info = await jsm.consumers.info('EV', 'gale').catch(() => undefined);
      return info !== undefined && info.delivered.stream_seq >= 1 && info.num_pending === 0 && info.num_ack_pending === 0;
    }, 60_000, 200);
  }

  it('reports a lost server in gale status, then consumes everything once it is back', async () => {
    await publish(0, 200);
    const deployed = await cluster.gale(['deploy', 'test/cluster/fixtures/nats-events.ts', '--name', 'nats-events', '--workers', '1',
      '--set', `servers=${nats.servers}`, '--set', 'stream=EV']);
    expect(deployed.code).toBe(0);
    await drained();

    await nats.kill();
    const st = await until('the outage in gale status', async () => {
      const s = await cluster.json<StatusJson>(['status', 'nats-events']);
      return (s.errors.events ?? []).some((e) => /lost the connection to NATS/.test(e.message)) ? s : undefined;
    }, 60_000, 500);
    expect(st.status).toBe('active');

    await nats.restart();
    await publish(200, 400);
    await drained();
    const info = await (await jetstreamManager(nc)).consumers.info('EV', 'gale');
    expect(info.delivered.stream_seq).toBe(400);
    expect(info.ack_floor.stream_seq).toBe(400);
    const killed = await cluster.gale(['kill', 'nats-events', '--wait', '1']);
    expect(killed.code).toBe(0);
  }, 180_000);
});
