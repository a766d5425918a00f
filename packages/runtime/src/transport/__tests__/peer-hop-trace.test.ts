import { Hop, hopTrace, startHopTrace, stopHopTrace } from '../../hop-trace.js';
import { FrameType } from '../frame-codec.js';
import { PeerClient } from '../peer-client.js';
import { nextEvent, recordingServer, SECRET, TOPOLOGY, waitFor } from './helpers.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  if (hopTrace.on) stopHopTrace();
  while (closers.length > 0) await closers.pop()!();
});

/** Stamps of `hop` taken so far. */
function count(hop: number): number {
  let n = 0;
  for (let i = 0; i < hopTrace.n * 3; i += 3) if (hopTrace.buf[i] === hop) n++;
  return n;
}

describe('PeerClient hop trace (batch-trace.ts)', () => {
  it('stamps each sampled record when taken, when its frame is encoded and when the socket write holding that frame goes out', async () => {
    const { server, frames } = await recordingServer();
    closers.push(() => server.close());
    const c = new PeerClient({ address: { host: '127.0.0.1', port: server.port }, secret: SECRET, topology: TOPOLOGY, workerId: 'client-w', epoch: 1, pingIntervalMs: 60_000 });
    closers.push(() => c.close());
    await nextEvent(c, 'open');
    let t = 0;
    startHopTrace(() => ++t, 10_000, 0); // every root sampled
    // one turn: 1000 records (roots 1..1000), 100 a frame -> frames 1-8 in the first write (released
    // by the ninth frame), frames 9-10 in the write at the end of the turn
    for (let i = 1; i <= 1000; i++) c.sendTuple(0, 0, 0, [i], [i, 0, 1]);
    expect(count(Hop.DATA_ENQUEUE)).toBe(1000);
    expect(count(Hop.DATA_ENCODE)).toBe(1000);
    // the ninth frame's records are in the second write, not stamped with the first
    expect(count(Hop.DATA_WRITE)).toBe(800);
    await waitFor(() => frames.flatMap(({ frame }) => (frame[0] === FrameType.TUPLES ? frame[1] : [])).length === 1000, '1000 records');
    expect(count(Hop.DATA_WRITE)).toBe(1000);
    // acks by root, encoded by the timer when nothing flushes them
    c.sendAck(0, 0, 1, 64, 1, 2);
    await waitFor(() => count(Hop.ACK_WRITE) === 1, 'the ack written');
    expect([count(Hop.ACK_ENQUEUE), count(Hop.ACK_ENCODE), count(Hop.ACK_ENCODE_TIMER)]).toEqual([1, 0, 1]);
  });
});
