import { FrameType } from '../frame-codec.js';
import { PeerClient, type PeerClientEvents, type PeerClientOptions } from '../peer-client.js';
import { PeerServer } from '../peer-server.js';
import { nextEvent, recordingServer, SECRET, TOPOLOGY, waitFor } from './helpers.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

function client(address: PeerClientOptions['address'], extra: Partial<PeerClientOptions> = {}): PeerClient {
  const c = new PeerClient({ address, secret: SECRET, topology: TOPOLOGY, workerId: 'rc-client', epoch: 1, backoff: { initialMs: 20, maxMs: 100 }, ...extra });
  closers.push(() => c.close());
  return c;
}

async function serverOn(port: number) {
  const s = await recordingServer({ port });
  closers.push(() => s.server.close());
  return s;
}

const words = (frames: Awaited<ReturnType<typeof recordingServer>>['frames']): unknown[] =>
  frames.flatMap(({ frame }) => (frame[0] === FrameType.TUPLES ? frame[1].map((r) => r[3][0]) : []));

describe('reconnect', () => {
  it('reconnects after the server restarts on the same port and delivers what was queued meanwhile', async () => {
    const first = await serverOn(0);
    const port = first.server.port;
    const c = client({ host: '127.0.0.1', port });
    await nextEvent(c, 'open');
    c.sendTuple(1, 0, 0, ['before'], null);
    await waitFor(() => words(first.frames).includes('before'), 'first tuple');

    const lost = nextEvent<PeerClientEvents['disconnect']>(c, 'disconnect');
    await first.server.close();
    expect((await lost).code).toBe(1001);
    // queued while the peer is away
    expect(c.sendTuple(1, 0, 0, ['while-down'], null)).toBe(true);
    await nextEvent(c, 'connect.error');

    const second = await serverOn(port);
    await nextEvent(c, 'open', 5000);
    c.sendTuple(1, 0, 0, ['after'], null);
    await waitFor(() => words(second.frames).includes('after'), 'tuple after restart');
    expect(words(second.frames)).toEqual(['while-down', 'after']);
    expect(c.stats().connects).toBe(2);
  });

  it('backs off between failed attempts and follows setAddress to the new assignment at once', async () => {
    const gone = await PeerServer.listen({ port: 0, secret: SECRET, topology: TOPOLOGY, onFrame: () => {} });
    const deadPort = gone.port;
    await gone.close();
    const c = client({ host: '127.0.0.1', port: deadPort }, { backoff: { initialMs: 20, maxMs: 2000, jitter: 0 } });
    const delays: number[] = [];
    c.on('connect.error', (e) => delays.push(e.retryInMs));
    await waitFor(() => delays.length >= 4, 'four failed attempts');
    expect(delays.slice(0, 4)).toEqual([20, 40, 80, 160]);

    const target = await serverOn(0);
    const opened = nextEvent<PeerClientEvents['open']>(c, 'open');
    const started = Date.now();
    c.setAddress({ host: '127.0.0.1', port: target.server.port });
    await opened;
    expect(Date.now() - started).toBeLessThan(1000); // did not wait out the backoff
    c.sendTuple(1, 0, 0, ['moved'], null);
    await waitFor(() => words(target.frames).includes('moved'), 'tuple at the new address');

    // moving an open connection drops it and dials the new address
    const third = await serverOn(0);
    const lost = nextEvent(c, 'disconnect');
    const reopened = nextEvent<PeerClientEvents['open']>(c, 'open');
    c.setAddress(third.server.url);
    await lost;
    expect((await reopened).url).toBe(third.server.url);
    c.sendTuple(1, 0, 0, ['third'], null);
    await waitFor(() => words(third.frames).includes('third'), 'tuple at the third address');
  });
});

describe('liveness', () => {
  it('a peer that stops answering pings (socket accepted, nothing read) is declared dead, then re-dialled', async () => {
    const { server } = await serverOn(0);
    const c = client(server.url, { pingIntervalMs: 25, livenessTimeoutMs: 250 });
    await nextEvent(c, 'open');
    await waitFor(() => Number.isFinite(c.stats().rttMs), 'a pong');
    expect(c.lastPongAgeMs).toBeLessThan(250);

    // like SIGSTOP: TCP still accepts, the process reads nothing and answers nothing
    server.pause(server.peers()[0]!.id);
    const pausedAt = performance.now();
    const dead = await nextEvent<PeerClientEvents['dead']>(c, 'dead', 5000);
    expect(dead.lastPongAgeMs).toBeGreaterThan(250);
    // The last pong may have arrived up to one ping interval before the pause.
    expect(performance.now() - pausedAt).toBeGreaterThanOrEqual(250 - 25 - 5);
    expect(c.stats().deadPeers).toBe(1);

    // the server itself is fine, so the next connection is healthy again
    await nextEvent(c, 'open', 5000);
    await waitFor(() => c.lastPongAgeMs < 100, 'fresh pongs', 5000);
  });

  it('lastPongAgeMs is Infinity before any connection', async () => {
    const c = client('ws://127.0.0.1:1/', { autoConnect: false });
    expect(c.lastPongAgeMs).toBe(Infinity);
    expect(c.state).toBe('idle');
  });
});
