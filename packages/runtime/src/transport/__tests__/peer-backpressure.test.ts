import { createServer } from 'node:net';
import { FrameType } from '../frame-codec.js';
import { PeerClient, type PeerClientOptions } from '../peer-client.js';
import { decodeFrame, encodeFrame } from '../frame-codec.js';
import { nextEvent, rawAuthed, recordingServer, SECRET, TOPOLOGY, waitFor } from './helpers.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

function client(address: PeerClientOptions['address'], extra: Partial<PeerClientOptions> = {}): PeerClient {
  const c = new PeerClient({ address, secret: SECRET, topology: TOPOLOGY, workerId: 'bp-client', epoch: 1, ...extra });
  closers.push(() => c.close());
  return c;
}

const yieldTurn = (): Promise<void> => new Promise((r) => setImmediate(r));
const VALUE = 'v'.repeat(1024);
const BOUND = 1024 * 1024;
// records accepted below the bound may still sit in one open batch: flushCount x ~1 KiB
const SLACK = 100 * 1100;

describe('backpressure', () => {
  it('a peer that stops reading makes send return false with buffered bytes under the bound; resume drains all', async () => {
    const { server, frames } = await recordingServer();
    closers.push(() => server.close());
    const c = client(server.url, { maxBufferedBytes: BOUND });
    await nextEvent(c, 'open');
    const peer = server.peers()[0]!;
    server.pause(peer.id);
    let accepted = 0;
    let refused = 0;
    let maxBuffered = 0;
    const deadline = Date.now() + 10_000;
    // the kernel socket buffers absorb some MB first; keep offering until the client refuses for a while
    while (refused < 2000) {
      if (Date.now() > deadline) throw new Error(`never refused: accepted ${accepted}, buffered ${c.bufferedBytes}`);
      for (let i = 0; i < 200; i++) {
        if (c.sendTuple(1, 0, 0, [VALUE, accepted], null)) accepted++;
        else refused++;
        maxBuffered = Math.max(maxBuffered, c.bufferedBytes);
      }
      await yieldTurn();
    }
    if (process.env.GALE_TEST_DEBUG) process.stderr.write(`accepted ${accepted} before refusing; max buffered ${maxBuffered}\n`);
    expect(c.writable).toBe(false);
    expect(c.stats().refusedSends).toBe(refused);
    expect(maxBuffered).toBeLessThanOrEqual(BOUND + SLACK);
    const rss = process.memoryUsage().rss;
    // offering far more than the bound changes nothing while the peer is stalled
    let acceptedWhileStalled = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 1000; i++) if (c.sendTuple(1, 0, 0, [VALUE, -1], null)) acceptedWhileStalled++;
      await yieldTurn();
    }
    expect(acceptedWhileStalled).toBe(0);
    expect(c.bufferedBytes).toBeLessThanOrEqual(BOUND + SLACK);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 1024 * 1024);

    const drained = nextEvent(c, 'drain', 10_000);
    server.resume(peer.id);
    await drained;
    expect(c.writable).toBe(true);
    const received = (): number => frames.reduce((n, { frame }) => n + (frame[0] === FrameType.TUPLES ? frame[1].length : 0), 0);
    c.flush();
    await waitFor(() => received() === accepted, `all ${accepted} accepted tuples to arrive`, 10_000);
    const seen = frames.flatMap(({ frame }) => (frame[0] === FrameType.TUPLES ? frame[1].map((r) => r[3][1]) : []));
    expect(seen).toEqual(Array.from({ length: accepted }, (_, i) => i));
  }, 20_000);

  it('pause() without a peer also holds connections that arrive while paused, until resume()', async () => {
    const { server } = await recordingServer();
    closers.push(() => server.close());
    server.pause();
    const ws = await rawAuthed(server.url);
    closers.push(async () => ws.terminate());
    let resumed = false;
    // Whether the server had been resumed when the pong arrived: it must not answer while paused.
    const pong = new Promise<{ frame: unknown; afterResume: boolean }>((resolve) => ws.once('message', (d: Buffer) => resolve({ frame: decodeFrame(d), afterResume: resumed })));
    ws.send(encodeFrame([FrameType.PING, 1]));
    // a window in which an unpaused server would long have answered (a round trip here is ~0.1 ms)
    await new Promise((r) => setTimeout(r, 100));
    resumed = true;
    server.resume();
    const got = await pong;
    expect(got.afterResume).toBe(true);
    expect(got.frame).toEqual([FrameType.PONG, 1]);
  });

  it('while the peer is absent, frames wait in a bounded buffer and further sends are refused', async () => {
    // a port that refuses connections: bind, read the port, close
    const tmp = createServer();
    await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
    const port = (tmp.address() as { port: number }).port;
    await new Promise((r) => tmp.close(r));
    const c = client({ host: '127.0.0.1', port }, { maxBufferedBytes: 256 * 1024, maxBufferedFrames: 16, flushCount: 10, backoff: { initialMs: 20, maxMs: 50 } });
    await nextEvent(c, 'connect.error');
    let accepted = 0;
    for (let round = 0; round < 100; round++) {
      for (let i = 0; i < 100; i++) if (c.sendTuple(1, 0, 0, [VALUE], null)) accepted++;
      await yieldTurn();
    }
    const s = c.stats();
    expect(s.pendingFrames).toBeLessThanOrEqual(16 + 1);
    expect(c.bufferedBytes).toBeLessThanOrEqual(256 * 1024 + 10 * 1100);
    expect(accepted).toBeLessThanOrEqual(17 * 10);
    expect(s.refusedSends).toBe(100 * 100 - accepted);
    expect(c.clearPending()).toBe(s.pendingFrames);
    expect(c.writable).toBe(true);
  });
});
