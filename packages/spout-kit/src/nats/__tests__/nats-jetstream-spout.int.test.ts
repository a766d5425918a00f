import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  BaseRichBolt, LocalCluster, TopologyBuilder, type OutputCollector, type Topology, type Tuple,
} from '@gale/runtime';
import { NatsJetStreamSpout, NatsSpoutError, type NatsJetStreamSpoutOptions } from '@gale/spout-kit';
import { startNats, type NatsServer } from '../../../../../test/harness/nats.js';
import { waitFor } from '../../../../../test/harness/wait.js';

const REPO_ROOT = path.resolve(__dirname, '../../../../..');

let nats: NatsServer;
let nc: NatsConnection;
let cluster: LocalCluster;
let streamNo = 0;
let stream: string;

beforeAll(async () => {
  nats = await startNats();
}, 60_000);
afterAll(async () => {
  await nats?.stop();
});
beforeEach(async () => {
  stream = `S${++streamNo}`;
  nc = await connect({ servers: nats.servers, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${stream}.>`] });
  cluster = new LocalCluster();
  seen.length = 0;
  failOnce.clear();
});
afterEach(async () => {
  await cluster.shutdown(0);
  await nc.close();
});

/** Payloads the bolt received, one entry per delivery. */
const seen: string[] = [];
/** Payloads whose first delivery the bolt fails. */
const failOnce = new Set<string>();

class Record extends BaseRichBolt {
  private out!: OutputCollector;
  declareOutputFields(): void {}
  override prepare(_c: unknown, collector: OutputCollector): void {
    this.out = collector;
  }
  execute(t: Tuple): void {
    const data = t.getStringByField('data');
    seen.push(data);
    expect(t.getStringByField('subject')).toBe(`${stream}.events`);
    if (failOnce.delete(data)) this.out.fail(t);
    else this.out.ack(t);
  }
}

function topology(options: Partial<NatsJetStreamSpoutOptions> = {}, parallelism = 1): Topology {
  const b = new TopologyBuilder();
  b.setSpout('nats', new NatsJetStreamSpout({ servers: nats.servers, stream, durable: 'gale', batchSize: 20, ...options }), parallelism);
  b.setBolt('record', new Record()).shuffleGrouping('nats');
  return b.build({ name: 'nats', config: { maxSpoutPending: 50 } });
}

async function publish(from: number, to: number): Promise<string[]> {
  const js = jetstream(nc);
  const sent: string[] = [];
  for (let i = from; i < to; i++) {
    // Right after a server restart the first publishes may time out: retry with the message id
    // as dedupe key, so a retried publish is stored once.
    await waitFor(() => js.publish(`${stream}.events`, `m${i}`, { msgID: `m${i}`, timeout: 1000 }).then(() => true), { what: `publish m${i}` });
    sent.push(`m${i}`);
  }
  return sent;
}

/** Waits until the durable consumer has nothing left: every message delivered and acked. */
async function consumerDrained(what: string, timeoutMs = 20_000): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await waitFor(async () => {
    const info = await jsm.consumers.info(stream, 'gale');
    return info.num_pending === 0 && info.num_ack_pending === 0;
  }, { what, timeoutMs, intervalMs: 50 });
}

const distinct = (xs: readonly string[]): string[] => [...new Set(xs)].sort();

describe('NatsJetStreamSpout', () => {
  it('emits every message of the stream once and acks it on the server (local mode)', async () => {
    const sent = await publish(0, 300);
    const t = await cluster.submit(topology());
    await waitFor(() => seen.length >= 300, { what: '300 deliveries', timeoutMs: 20_000 });
    await consumerDrained('all acked');
    expect(seen.sort()).toEqual(sent.sort());
    expect(t.errors()).toEqual([]);
  });

  it('creates the stream when asked and the consumer with its subject filter', async () => {
    const jsm = await jetstreamManager(nc);
    stream = `NEW${streamNo}`;
    await cluster.submit(topology({ streamSubjects: [`${stream}.>`], filterSubject: `${stream}.events`, ackWaitMs: 4000 }));
    const info = await jsm.consumers.info(stream, 'gale');
    expect(info.config.filter_subject).toBe(`${stream}.events`);
    expect(info.config.ack_wait).toBe(4000 * 1_000_000);
    await jetstream(nc).publish(`${stream}.other`, 'filtered out');
    const sent = await publish(0, 10);
    await waitFor(() => seen.length >= 10, { what: '10 deliveries' });
    await consumerDrained('all acked');
    expect(seen.sort()).toEqual(sent.sort());
  });

  it('naks a failed tree and the server redelivers it until it is acked', async () => {
    for (const m of ['m3', 'm17', 'm42']) failOnce.add(m);
    const sent = await publish(0, 60);
    await cluster.submit(topology({ nakDelayMs: 50 }));
    await waitFor(() => seen.length >= 63, { what: '60 messages + 3 redeliveries' });
    await consumerDrained('all acked');
    expect(distinct(seen)).toEqual(distinct(sent));
    for (const m of ['m3', 'm17', 'm42']) expect(seen.filter((x) => x === m)).toHaveLength(2);
    expect(seen).toHaveLength(63);
  });

  it('loses nothing when the server is killed and restarted mid-stream, and reports the outage', async () => {
    // A short ack_wait: acks in flight when the server died are lost with it, and those messages
    // come back only after ack_wait (the spout no longer holds them: they were acked here).
    const sent = await publish(0, 400);
    const t = await cluster.submit(topology({ batchSize: 10, retryInitialMs: 50, retryMaxMs: 500, ackWaitMs: 3000 }));
    await waitFor(() => seen.length >= 50, { what: 'first deliveries' });
    await nats.kill();
    await waitFor(() => t.errors('nats').some((e) => /lost the connection to NATS/.test(e.message)), { what: 'the outage reported' });
    await nats.restart();
    sent.push(...await publish(400, 500));
    await waitFor(() => distinct(seen).length >= 500, { what: 'every message after the restart', timeoutMs: 40_000 });
    await consumerDrained('all acked after the restart', 40_000);
    expect(distinct(seen)).toEqual(distinct(sent));
  }, 90_000);

  it('notices a hung server (SIGSTOP) by its missed pings, reports it, and resumes after it wakes', async () => {
    const sent = await publish(0, 100);
    const t = await cluster.submit(topology({ batchSize: 10, retryInitialMs: 50, retryMaxMs: 500, ackWaitMs: 3000 }));
    await waitFor(() => seen.length >= 20, { what: 'first deliveries' });
    nats.pause();
    try {
      await waitFor(() => t.errors('nats').some((e) => /lost the connection to NATS/.test(e.message)), { what: 'the stale connection reported', timeoutMs: 30_000 });
    } finally {
      nats.resume();
    }
    await waitFor(() => distinct(seen).length >= 100, { what: 'every message after the resume', timeoutMs: 30_000 });
    await consumerDrained('all acked after the resume', 30_000);
    expect(distinct(seen)).toEqual(distinct(sent));
  }, 90_000);

  it('reports failing fetches (consumer deleted under it) and keeps retrying with backoff', async () => {
    await publish(0, 5);
    const t = await cluster.submit(topology({ retryInitialMs: 20, retryMaxMs: 100 }));
    await waitFor(() => seen.length >= 5, { what: 'first deliveries' });
    await (await jetstreamManager(nc)).consumers.delete(stream, 'gale');
    // Repeats differing only in the delay fold into one entry with a count (docs/errors.md, "Recent errors").
    const fetchErrors = (): number => t.errors('nats').filter((e) => /fetch from stream ".*" \(consumer "gale"\) failed: .*retrying in \d+ ms/.test(e.message)).reduce((n, e) => n + (e.count ?? 1), 0);
    await waitFor(() => fetchErrors() >= 3, { what: 'repeated fetch errors', timeoutMs: 20_000 });
  });

  it('spreads one durable consumer over several tasks, each message to one task', async () => {
    const sent = await publish(0, 200);
    await cluster.submit(topology({}, 3));
    await waitFor(() => seen.length >= 200, { what: '200 deliveries' });
    await consumerDrained('all acked');
    expect(seen.sort()).toEqual(sent.sort());
  });

  it('redelivers everything a crashed worker process held, after ack_wait, to a new engine', async () => {
    // The consumer gets a short ack_wait, so the redelivery after the crash comes quickly.
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add(stream, { durable_name: 'gale', ack_policy: 'explicit', ack_wait: 1500 * 1_000_000 });
    const sent = await publish(0, 40);
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'hold-worker.mjs'), nats.servers, stream, 'gale'], {
      cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'],
    });
    const held: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (l !== 'ready') held.push(l);
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await waitFor(() => held.length >= 20, { what: 'the worker to hold messages', timeoutMs: 20_000 });
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const info = await jsm.consumers.info(stream, 'gale');
    expect(info.num_ack_pending).toBeGreaterThanOrEqual(20);
    await cluster.submit(topology());
    await waitFor(() => distinct(seen).length >= 40, { what: 'every message in the new engine', timeoutMs: 20_000 });
    await consumerDrained('all acked by the new engine');
    expect(distinct(seen)).toEqual(distinct(sent));
    for (const m of held) expect(seen).toContain(m);
  }, 60_000);

  it('refuses an unreachable server at open with a typed, retriable error', async () => {
    const b = new TopologyBuilder();
    b.setSpout('nats', new NatsJetStreamSpout({ servers: '127.0.0.1:1', stream, durable: 'gale', connectTimeoutMs: 1000 }));
    b.setBolt('record', new Record()).shuffleGrouping('nats');
    const err = await cluster.submit(b.build({ name: 'bad' })).catch((e: unknown) => e);
    const cause = (err as Error).cause as NatsSpoutError;
    expect(cause).toBeInstanceOf(NatsSpoutError);
    expect(cause.code).toBe('GALE_ERR_NATS_CONNECT');
    expect(cause.retriable).toBe(true);
    expect(cause.message).toMatch(/cannot connect to NATS at 127\.0\.0\.1:1/);
    expect(cause.message).toContain('start one with JetStream on (nats-server -js -p 1)');
  });

  it('refuses a missing stream at open, naming it', async () => {
    stream = 'MISSING';
    const err = await cluster.submit(topology()).catch((e: unknown) => e);
    const cause = (err as Error).cause as NatsSpoutError;
    expect(cause.code).toBe('GALE_ERR_NATS_STREAM');
    expect(cause.message).toMatch(/stream "MISSING" does not exist/);
  });

  it('rejects bad options when the topology is built', () => {
    expect(() => new NatsJetStreamSpout({ servers: [], stream: 'S', durable: 'd' })).toThrow(/servers/);
    expect(() => new NatsJetStreamSpout({ servers: 'x', stream: 'a.b', durable: 'd' })).toThrow(/stream must be a name/);
    expect(() => new NatsJetStreamSpout({ servers: 'x', stream: 'S', durable: 'd', batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new NatsJetStreamSpout({ servers: 'x', stream: 'S', durable: 'd', retryInitialMs: 10, retryMaxMs: 5 })).toThrow(/retryMaxMs/);
    expect(() => new NatsJetStreamSpout({ servers: 'x', stream: 'S', durable: 'd', batchsize: 5 } as NatsJetStreamSpoutOptions)).toThrow(/no option "batchsize"/);
    // A scheme the client cannot connect with is refused here, not reported as "connection refused" at open.
    for (const bad of ['http://127.0.0.1:4222', 'redis://h:4222', 'nats://', 'nats://h:4222/path', 'a b:1', 'h:port']) {
      expect(() => new NatsJetStreamSpout({ servers: ['nats://ok:4222', bad], stream: 'S', durable: 'd' }))
        .toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION', message: expect.stringContaining('servers must be host:port, nats://host:port or tls://host:port') }));
    }
    // Credentials in an address are ignored by the NATS client: refused, and never echoed.
    for (const withSecret of ['http://u:secret@h:4222', 'nats://alice:secret@h:4222', 'alice:secret@h:4222']) {
      expect(() => new NatsJetStreamSpout({ servers: withSecret, stream: 'S', durable: 'd' }))
        .toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION', message: expect.not.stringContaining('secret') }));
    }
    expect(() => new NatsJetStreamSpout({ servers: 'nats://alice:secret@h:4222', stream: 'S', durable: 'd' })).toThrow(/use the user\/pass or token options, got "nats:\/\/\*\*\*@h:4222"/);
    for (const good of ['h', 'h:4222', '127.0.0.1:4222', '[::1]:4222', 'nats://h', 'tls://h:4222', 'NATS://h:4222/']) {
      expect(() => new NatsJetStreamSpout({ servers: good, stream: 'S', durable: 'd' })).not.toThrow();
    }
  });
});
