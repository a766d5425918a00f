import { Socket } from 'node:net';
import { FrameType } from '../frame-codec.js';
import { PeerClient } from '../peer-client.js';
import { MAX_CORKED_FRAMES } from '../turn-cork.js';
import { nextEvent, recordingServer, SECRET, TOPOLOGY, waitFor } from './helpers.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

describe('PeerClient socket writes (turn-cork.ts)', () => {
  it('writes the frames of one turn (one event-loop callback) in few socket writes, and holds none across turns', async () => {
    const { server, frames } = await recordingServer();
    closers.push(() => server.close());
    // No keepalive PING in the test's lifetime: it is a plain ws.send outside the cork, an extra
    // _write that a slow machine (a turn spread past the 1 s default period) would count.
    const c = new PeerClient({ address: { host: '127.0.0.1', port: server.port }, secret: SECRET, topology: TOPOLOGY, workerId: 'client-w', epoch: 1, pingIntervalMs: 60_000 });
    closers.push(() => c.close());
    await nextEvent(c, 'open');
    // what reaches the socket's stream implementation (one _write or _writev each: one system call)
    const calls: string[] = [];
    const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (this: Socket, ...a: unknown[]) => void>;
    for (const m of ['_write', '_writev'] as const) {
      const orig = proto[m];
      const spy = jest.spyOn(proto, m).mockImplementation(function (this: Socket, ...a: unknown[]) {
        if (this.remotePort === server.port) calls.push(m);
        return orig.apply(this, a);
      });
      closers.push(async () => spy.mockRestore());
    }
    const records = () => frames.flatMap(({ frame }) => (frame[0] === FrameType.TUPLES ? frame[1] : []));

    // one turn: 1000 records, flushCount 100 -> ten frames in two writes (at most 8 frames a write)
    for (let i = 0; i < 1000; i++) c.sendTuple(i % 7, 0, 0, [`w${i}`], null);
    expect(c.stats().framesOut).toBe(10);
    expect(MAX_CORKED_FRAMES).toBe(8);
    await waitFor(() => records().length === 1000, '1000 records');
    expect(c.stats().socketWrites).toBe(2);
    expect(calls).toEqual(['_writev', '_writev']);

    // the next turn's frames are written at the end of that turn, not held for a later one
    for (let i = 1000; i < 1250; i++) c.sendTuple(i % 7, 0, 0, [`w${i}`], null);
    c.flush();
    await waitFor(() => records().length === 1250, '1250 records');
    expect(c.stats()).toMatchObject({ framesOut: 13, socketWrites: 3 });
    expect(calls).toEqual(['_writev', '_writev', '_writev']);
    // in order across frames and turns
    expect(records().map((r) => r[3][0])).toEqual(Array.from({ length: 1250 }, (_, i) => `w${i}`));
  });
});
