import { WebSocketServer } from 'ws';
import { AuthHeader, clientAuthHeaders, HandshakeVerifier, normalizeSecret } from '../auth.js';
import { PeerClient, type PeerClientEvents, type PeerClientOptions } from '../peer-client.js';
import { CLOSE_SUPERSEDED, type PeerServer, type PeerServerEvents } from '../peer-server.js';
import { FrameType, PROTOCOL_VERSION } from '../frame-codec.js';
import { captureLog, closed, goodHeaders, nextEvent, rawAuthed, rawConnect, recordingServer, SECRET, TOPOLOGY, waitFor } from './helpers.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function server(extra: Parameters<typeof recordingServer>[0] = {}) {
  const s = await recordingServer(extra);
  closers.push(() => s.server.close());
  const opened: Array<PeerServerEvents['peer.open']> = [];
  const refused: Array<PeerServerEvents['peer.refused']> = [];
  s.server.on('peer.open', (p) => opened.push(p));
  s.server.on('peer.refused', (r) => refused.push(r));
  return { ...s, opened, refused };
}

function client(srv: PeerServer, extra: Partial<PeerClientOptions> = {}): PeerClient {
  const c = new PeerClient({
    address: srv.url, secret: SECRET, topology: TOPOLOGY, workerId: 'client-w', epoch: 1, backoff: { initialMs: 10, maxMs: 50 }, ...extra,
  });
  closers.push(() => c.close());
  return c;
}

describe('HandshakeVerifier', () => {
  const secret = normalizeSecret(SECRET);
  const id = { workerId: 'w1', topology: TOPOLOGY, epoch: 3 };
  let now = 1_000_000;
  const v = new HandshakeVerifier({ secret, topology: TOPOLOGY, windowMs: 30_000, now: () => now });

  it('accepts a fresh signed request once, then refuses the replay', () => {
    const h = clientAuthHeaders(secret, id, now);
    expect(v.verify(h)).toMatchObject({ ok: true, identity: id });
    expect(v.verify(h)).toMatchObject({ ok: false, status: 401, reason: 'replayed' });
  });

  it('refuses each defect with its own reason', () => {
    const h = (): Record<string, string> => clientAuthHeaders(secret, id, now);
    const without = (k: string) => {
      const x = h();
      delete x[k];
      return x;
    };
    expect(v.verify(without(AuthHeader.PROTOCOL))).toMatchObject({ status: 400, reason: 'missing' });
    expect(v.verify({ ...h(), [AuthHeader.PROTOCOL]: String(PROTOCOL_VERSION + 1) })).toMatchObject({ status: 426, reason: 'protocol-version' });
    expect(v.verify(without(AuthHeader.AUTH))).toMatchObject({ status: 401, reason: 'missing' });
    expect(v.verify({ ...h(), [AuthHeader.EPOCH]: '-1' })).toMatchObject({ status: 400, reason: 'malformed' });
    expect(v.verify({ ...h(), [AuthHeader.NONCE]: 'zz' })).toMatchObject({ status: 400, reason: 'malformed' });
    expect(v.verify({ ...h(), [AuthHeader.EPOCH]: '4' })).toMatchObject({ status: 401, reason: 'bad-hmac' });
    expect(v.verify(clientAuthHeaders(normalizeSecret('another-secret-of-16+bytes'), id, now))).toMatchObject({ status: 401, reason: 'bad-hmac' });
    expect(v.verify(clientAuthHeaders(secret, id, now - 31_000))).toMatchObject({ status: 401, reason: 'expired', headers: { [AuthHeader.SERVER_TS]: String(now) } });
    expect(v.verify(clientAuthHeaders(secret, id, now + 31_000))).toMatchObject({ status: 401, reason: 'expired' });
    expect(v.verify(clientAuthHeaders(secret, { ...id, topology: 'other' }, now))).toMatchObject({ status: 401, reason: 'wrong-topology' });
  });

  it('forgets nonces once their timestamp has left the window', () => {
    const h = clientAuthHeaders(secret, id, now);
    expect(v.verify(h).ok).toBe(true);
    now += 31_000;
    expect(v.verify(clientAuthHeaders(secret, id, now)).ok).toBe(true); // prunes the old one
    expect(v.rememberedNonces).toBeLessThanOrEqual(2);
    expect(v.verify(h)).toMatchObject({ reason: 'expired' });
  });

  it('rejects short secrets', () => {
    expect(() => normalizeSecret('short')).toThrow(expect.objectContaining({ code: 'GALE_ERR_TRANSPORT_SECRET' }));
  });
});

describe('upgrade authentication on a real server', () => {
  it('a client with a wrong secret gets 401 bad-hmac, is logged and counted, and no peer event happens', async () => {
    const { log, lines } = captureLog();
    const { server: srv, opened, refused } = await server({ log });
    const c = client(srv, { secret: 'wrong-secret-wrong-secret' });
    const err = await nextEvent<PeerClientEvents['connect.error']>(c, 'connect.error');
    expect(err).toMatchObject({ status: 401, reason: 'bad-hmac', error: { code: 'GALE_ERR_PEER_REFUSED' } });
    expect(err.retryInMs).toBeGreaterThanOrEqual(0);
    expect(c.connected).toBe(false);
    expect(opened).toEqual([]);
    expect(refused[0]).toMatchObject({ status: 401, reason: 'bad-hmac', remoteAddress: '127.0.0.1', identity: { workerId: 'client-w' } });
    expect(srv.stats().refused['bad-hmac']).toBeGreaterThanOrEqual(1);
    expect(srv.stats().accepted).toBe(0);
    const line = lines.find((l) => l.msg === 'peer refused');
    expect(line).toMatchObject({ level: 40, reason: 'bad-hmac', status: 401, remoteAddress: '127.0.0.1', workerId: 'client-w' });
  });

  it('a replayed handshake (same nonce) is refused', async () => {
    const { server: srv, opened } = await server();
    const headers = goodHeaders();
    const first = await rawConnect(srv.url, headers);
    expect(first.kind).toBe('open');
    const second = await rawConnect(srv.url, headers);
    expect(second).toMatchObject({ kind: 'refused', status: 401, reason: 'replayed' });
    expect(opened).toHaveLength(1);
    if (first.kind === 'open') first.ws.close();
  });

  it('a wrong or missing protocol version is refused with 426 / 400 and the reason', async () => {
    const { server: srv, opened } = await server();
    const v2 = await rawConnect(srv.url, { ...goodHeaders(), [AuthHeader.PROTOCOL]: String(PROTOCOL_VERSION + 1) });
    expect(v2).toMatchObject({ kind: 'refused', status: 426, reason: 'protocol-version', headers: { [AuthHeader.PROTOCOL]: String(PROTOCOL_VERSION) } });
    if (v2.kind === 'refused') expect(v2.body).toContain('protocol version');
    const none = await rawConnect(srv.url, {});
    expect(none).toMatchObject({ kind: 'refused', status: 400, reason: 'missing' });
    expect(opened).toEqual([]);
    expect(srv.stats().refused).toMatchObject({ 'protocol-version': 1, missing: 1 });
  });

  it('an upgrade request with 2000 headers is answered 431 and never reaches the handshake', async () => {
    const { server: srv, opened, refused } = await server();
    const { connect } = await import('node:net');
    const sock = connect(srv.port, '127.0.0.1');
    const extra = Array.from({ length: 2000 }, (_, i) => `x-junk-${i}: ${'v'.repeat(8)}`).join('\r\n');
    sock.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${extra}\r\n\r\n`);
    let answer = '';
    sock.on('data', (d: Buffer) => (answer += d.toString()));
    sock.on('error', () => {});
    await new Promise((r) => sock.once('close', r));
    expect(answer).toMatch(/^HTTP\/1.1 431/);
    expect(opened).toEqual([]);
    expect(refused).toEqual([]);
  });

  it('a peer of another topology is refused', async () => {
    const { server: srv } = await server();
    const r = await rawConnect(srv.url, goodHeaders({ topology: 'other-topology' }));
    expect(r).toMatchObject({ kind: 'refused', status: 401, reason: 'wrong-topology' });
  });

  it('a client whose clock is 5 minutes off corrects itself from the expired answer', async () => {
    const { server: srv, opened, refused } = await server();
    const c = client(srv, { now: () => Date.now() + 300_000 });
    await nextEvent(c, 'open');
    expect(refused.map((r) => r.reason)).toEqual(['expired']);
    expect(opened).toHaveLength(1);
  });

  it('fences epochs: an older epoch is refused (and retried with backoff, never given up), a newer one supersedes the old connection', async () => {
    const { server: srv, frames } = await server();
    const e5 = client(srv, { epoch: 5 });
    await nextEvent(e5, 'open');
    const e4 = client(srv, { epoch: 4 });
    const refusedOld = await nextEvent<PeerClientEvents['connect.error']>(e4, 'connect.error');
    expect(refusedOld).toMatchObject({ status: 409, reason: 'stale-epoch' });
    expect(refusedOld.retryInMs).toBeGreaterThanOrEqual(0);
    const again = await nextEvent<PeerClientEvents['connect.error']>(e4, 'connect.error');
    expect(again).toMatchObject({ status: 409, reason: 'stale-epoch' });
    expect(e4.state).not.toBe('closed');
    await e4.close();
    const lost = nextEvent<PeerClientEvents['disconnect']>(e5, 'disconnect');
    const e6 = client(srv, { epoch: 6 });
    await nextEvent(e6, 'open');
    const d = await lost;
    expect(d.code).toBe(CLOSE_SUPERSEDED);
    expect(d.closeReason).toMatchObject({ code: 'GALE_ERR_STALE_EPOCH' });
    e6.sendTuple(1, 0, 0, ['from 6'], null);
    await waitFor(() => frames.length === 1, 'a frame from epoch 6');
    expect(frames[0]!.peer.epoch).toBe(6);
    expect(srv.stats().superseded).toBe(1);
  });

  it('the client refuses a server that cannot prove the secret', async () => {
    const fake = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    closers.push(() => new Promise((r) => fake.close(r)));
    await new Promise((r) => fake.once('listening', r));
    let received = 0;
    fake.on('connection', (ws) => ws.on('message', () => received++));
    const port = (fake.address() as { port: number }).port;
    const c = new PeerClient({ address: { host: '127.0.0.1', port }, secret: SECRET, topology: TOPOLOGY, workerId: 'w', epoch: 1, backoff: { initialMs: 10, maxMs: 20 } });
    closers.push(() => c.close());
    let opened = false;
    c.on('open', () => (opened = true));
    const err = await nextEvent<PeerClientEvents['connect.error']>(c, 'connect.error');
    expect(err).toMatchObject({ reason: 'bad-server-proof', error: { message: expect.stringContaining('server proof missing') } });
    c.sendTuple(1, 0, 0, ['secret data'], null);
    c.flush();
    expect(opened).toBe(false);
    expect(received).toBe(0);
  });

  it('an authenticated raw peer can ping and gets a pong', async () => {
    const { server: srv } = await server();
    const ws = await rawAuthed(srv.url);
    const pong = new Promise<Buffer>((r) => ws.once('message', (d: Buffer) => r(d)));
    const { encodeFrame, decodeFrame } = await import('../frame-codec.js');
    ws.send(encodeFrame([FrameType.PING, 77]));
    expect(decodeFrame(await pong)).toEqual([FrameType.PONG, 77]);
    ws.close();
    await closed(ws);
  });
});
