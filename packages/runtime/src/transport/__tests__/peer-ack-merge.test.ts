import { FrameType, type TupleRecord } from '../frame-codec.js';
import { PeerClient } from '../peer-client.js';
import type { PeerServer } from '../peer-server.js';
import { nextEvent, recordingServer, SECRET, TOPOLOGY, waitFor } from './helpers.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function setup(flushCount: number): Promise<{ server: PeerServer; c: PeerClient; got: () => TupleRecord[]; frames: number }> {
  const s = await recordingServer();
  closers.push(() => s.server.close());
  const c = new PeerClient({ address: { host: '127.0.0.1', port: s.server.port }, secret: SECRET, topology: TOPOLOGY, workerId: 'client-w', epoch: 1, flushCount, flushMs: 0 });
  closers.push(() => c.close());
  await nextEvent(c, 'open');
  return {
    server: s.server, c,
    got: () => s.frames.flatMap(({ frame }) => (frame[0] === FrameType.TUPLES ? frame[1] : [])),
    get frames() { return s.frames.length; },
  };
}

describe('PeerClient.sendAck', () => {
  it('XOR-merges acks for the same tree, target, source and stream while they wait in the open batch', async () => {
    const { c, got } = await setup(1000);
    const root = 2 ** 53 - 5;
    expect(c.sendAck(3, 1, 7, root, 0x0f0f0f0f, -1)).toBe(true);
    expect(c.sendTuple(4, 1, 0, ['word'], [root, 1, 2])).toBe(true); // data in between does not stop a merge
    expect(c.sendAck(3, 1, 7, root, 0x00ff00ff, 5)).toBe(true);
    expect(c.sendAck(3, 1, 7, 11, 1, 1)).toBe(true); // another tree
    expect(c.sendAck(2, 1, 7, root, 1, 1)).toBe(true); // another acker task
    expect(c.sendAck(3, 2, 7, root, 1, 1)).toBe(true); // another source task
    expect(c.sendAck(3, 1, 8, root, 1, 1)).toBe(true); // another stream
    await waitFor(() => got().length === 6, '6 records');
    expect(got()).toEqual([
      [3, 1, 7, [root, 0x0f0f0f0f ^ 0x00ff00ff, -1 ^ 5], null],
      [4, 1, 0, ['word'], [root, 1, 2]],
      [3, 1, 7, [11, 1, 1], null],
      [2, 1, 7, [root, 1, 1], null],
      [3, 2, 7, [root, 1, 1], null],
      [3, 1, 8, [root, 1, 1], null],
    ]);
    expect(c.stats().mergedAcks).toBe(1);
  });

  it('never merges into a record whose batch was already encoded', async () => {
    const { c, got } = await setup(2);
    c.sendAck(3, 1, 7, 9, 1, 0);
    c.sendAck(3, 1, 7, 10, 1, 0); // fills the batch: both leave
    c.sendAck(3, 1, 7, 9, 2, 0); // same tree as the first, but that record is gone: a new one
    c.flush();
    await waitFor(() => got().length === 3, '3 records');
    expect(got().map((r) => r[3])).toEqual([[9, 1, 0], [10, 1, 0], [9, 2, 0]]);
    expect(c.stats().mergedAcks).toBe(0);
  });

  it('returns false and queues nothing while the buffer is full, like sendTuple', async () => {
    const { c } = await setup(1);
    const big = 'x'.repeat(64 * 1024);
    let i = 0;
    while (c.sendTuple(0, 0, 0, [big, i++])) if (i > 10_000) throw new Error('never full');
    expect(c.sendAck(3, 1, 7, 9, 1, 0)).toBe(false);
  });
});
