import { createServer } from 'node:net';
import { FrameType, type TupleRecord } from '../frame-codec.js';
import { PeerClient, type PeerClientOptions } from '../peer-client.js';
import { PeerServer } from '../peer-server.js';
import { TransportError } from '../errors.js';
import { captureLog, nextEvent, recordingServer, SECRET, TOPOLOGY, waitFor } from './helpers.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

function client(server: PeerServer, extra: Partial<PeerClientOptions> = {}): PeerClient {
  const c = new PeerClient({ address: { host: '127.0.0.1', port: server.port }, secret: SECRET, topology: TOPOLOGY, workerId: 'client-w', epoch: 1, ...extra });
  closers.push(() => c.close());
  return c;
}

async function serverWithFrames() {
  const s = await recordingServer();
  closers.push(() => s.server.close());
  return s;
}

describe('PeerServer <-> PeerClient', () => {
  it('delivers tuple batches with many value types, 53-bit roots and negative edges, in order', async () => {
    const { server, frames } = await serverWithFrames();
    const c = client(server);
    const opened = await nextEvent<{ server: { workerId: string; epoch: number } }>(c, 'open');
    expect(opened.server).toEqual({ workerId: 'server-w', topology: TOPOLOGY, epoch: 1 });
    const values = ['word', 42, -1.5, true, null, undefined, [1, 'a'], { k: { n: 1 } }, Buffer.from('bin'), new Date(5), 2n ** 62n];
    const sent: TupleRecord[] = [];
    for (let i = 0; i < 1000; i++) {
      const anchors = i % 3 === 0 ? null : [2 ** 53 - 1 - i, -2_147_483_648 + i, -i];
      const rec: TupleRecord = [i % 7, i % 5, i % 2 === 0 ? 0 : 'side', [...values, i], anchors];
      expect(c.sendTuple(...rec)).toBe(true);
      sent.push(rec);
    }
    const got = () => frames.flatMap(({ frame }) => (frame[0] === FrameType.TUPLES ? frame[1] : []));
    await waitFor(() => got().length === 1000, '1000 tuples');
    const recv = got();
    for (let i = 0; i < 1000; i++) {
      const [t, s, stream, vals, anchors] = recv[i]!;
      expect([t, s, stream, anchors]).toEqual([sent[i]![0], sent[i]![1], sent[i]![2], sent[i]![4]]);
      expect(vals[vals.length - 1]).toBe(i);
      expect(vals[10]).toBe(2n ** 62n);
      expect((vals[8] as Buffer).toString()).toBe('bin');
      expect((vals[9] as Date).getTime()).toBe(5);
      expect(vals[7]).toEqual({ k: { n: 1 } });
    }
    // 1000 records sent in one turn with flushCount 100: exactly ten full frames
    expect(frames.length).toBe(10);
    expect(frames.every((f) => f.peer.workerId === 'client-w' && f.peer.epoch === 1)).toBe(true);
    expect(server.stats().recordsIn).toBe(1000);
    expect(c.stats().recordsOut).toBe(1000);
  });

  it('batches control-stream tuples with data tuples in send order and flushes partial batches', async () => {
    const { server, frames } = await serverWithFrames();
    const c = client(server, { flushCount: 4, flushMs: 0 });
    await nextEvent(c, 'open');
    // acker traffic as it rides the wire: system-stream index, numbers only, anchors null
    const control: TupleRecord[] = [
      [0, 3, 3, [2 ** 53 - 1, -1, 7], null], // init [root, hi, lo]
      [0, 5, 2, [2 ** 53 - 1, -1, 7], null], // ack [root, hi, lo]
      [0, 5, 4, [12], null], // fail [root]
      [3, 0, 7, [2 ** 53 - 1, 1], null], // outcome → spout task 3 [root, outcome]
    ];
    for (const rec of control) expect(c.sendTuple(...rec)).toBe(true);
    c.sendTuple(1, 2, 0, ['w'], null);
    await waitFor(() => frames.length === 2, 'a full frame and a partial one');
    expect(frames.map(({ frame }) => frame)).toEqual([[FrameType.TUPLES, control], [FrameType.TUPLES, [[1, 2, 0, ['w'], null]]]]);
    expect(server.stats().recordsIn).toBe(5);
  });

  it('rejects a record with an unsendable value at the sender, and server frames reach the client', async () => {
    const { server } = await serverWithFrames();
    const c = client(server);
    await nextEvent(c, 'open');
    expect(() => c.sendTuple(1, 0, 0, [new Map()], null)).toThrow(expect.objectContaining({ code: 'GALE_ERR_FRAME_SCHEMA' }));
    expect(() => c.sendTuple(1, 0, 0, [], [1, 2])).toThrow(expect.objectContaining({ code: 'GALE_ERR_FRAME_SCHEMA' }));
    const peer = server.peers()[0]!;
    const credit = nextEvent(c, 'frame');
    expect(server.send(peer.id, [FrameType.CREDIT, 250])).toBe(true);
    expect(await credit).toEqual([FrameType.CREDIT, 250]);
    expect(c.stats().rttMs).toBeNaN(); // no ping yet with the default 1 s interval
  });

  it('splits a batch that would exceed maxPayloadBytes and drops a single record that alone is too big', async () => {
    const { server, frames } = await serverWithFrames();
    const c = client(server, { maxPayloadBytes: 8 * 1024 });
    await nextEvent(c, 'open');
    const dropped = nextEvent<{ records: unknown[]; error: { code: string } }>(c, 'dropped');
    for (let i = 0; i < 50; i++) c.sendTuple(1, 0, 0, ['y'.repeat(500), i], null);
    c.sendTuple(1, 0, 0, ['z'.repeat(20_000)], null);
    const d = await dropped;
    expect(d.error.code).toBe('GALE_ERR_FRAME_TOO_LARGE');
    expect(d.records).toHaveLength(1);
    const count = () => frames.reduce((n, { frame }) => n + (frame[0] === FrameType.TUPLES ? frame[1].length : 0), 0);
    await waitFor(() => count() === 50, '50 split tuples');
    expect(frames.length).toBeGreaterThan(1);
    expect(server.stats().frameErrors).toEqual({});
  });

  it('close() is idempotent on both ends and sends after close throw', async () => {
    const { server } = await serverWithFrames();
    const c = client(server);
    await nextEvent(c, 'open');
    const p1 = c.close();
    expect(c.close()).toBe(p1);
    await p1;
    expect(() => c.sendTuple(1, 0, 0, [], null)).toThrow(TransportError);
    const s1 = server.close();
    expect(server.close()).toBe(s1);
    await s1;
  });

  it('fails with GALE_ERR_PORT_IN_USE naming the port', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => blocker.close(r)));
    const port = (blocker.address() as { port: number }).port;
    await expect(PeerServer.listen({ port, secret: SECRET, topology: TOPOLOGY, onFrame: () => {} })).rejects.toMatchObject({
      code: 'GALE_ERR_PORT_IN_USE', retriable: true, message: expect.stringContaining(String(port)),
    });
  });

  it('listener errors never propagate, later listeners still run, and on() returns an unsubscribe', async () => {
    const { server } = await serverWithFrames();
    const { log, lines } = captureLog();
    const c = client(server, { log, autoConnect: false });
    const seen: string[] = [];
    c.on('open', () => {
      throw new Error('listener boom');
    });
    const off = c.on('open', () => seen.push('removed'));
    c.on('open', () => seen.push('second'));
    off();
    off();
    c.start();
    await nextEvent(c, 'open');
    expect(seen).toEqual(['second']);
    expect(c.connected).toBe(true);
    expect(lines.find((l) => l.msg === 'event listener threw')).toMatchObject({ event: 'open', level: 40 });
  });

  it('refuses bad addresses and options with a typed error', () => {
    const base = { secret: SECRET, topology: TOPOLOGY, workerId: 'w', epoch: 1, autoConnect: false };
    expect(() => new PeerClient({ ...base, address: 'http//nope' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_TRANSPORT_OPTION' }));
    expect(() => new PeerClient({ ...base, address: { host: '127.0.0.1', port: 0 } })).toThrow(expect.objectContaining({ code: 'GALE_ERR_TRANSPORT_OPTION' }));
    expect(() => new PeerClient({ ...base, address: 'ws://127.0.0.1:1/', flushCount: 0 })).toThrow(expect.objectContaining({ code: 'GALE_ERR_TRANSPORT_OPTION' }));
    expect(() => new PeerClient({ ...base, address: 'ws://127.0.0.1:1/', secret: 'short' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_TRANSPORT_SECRET' }));
  });

  it('answers plain HTTP with 426', async () => {
    const { server } = await serverWithFrames();
    const res = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(res.status).toBe(426);
    await res.text();
  });
});
