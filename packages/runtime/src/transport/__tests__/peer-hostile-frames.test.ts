import { randomBytes } from 'node:crypto';
import type WebSocket from 'ws';
import { decodeFrame, encodeFrame, FrameType } from '../frame-codec.js';
import { PeerClient } from '../peer-client.js';
import type { PeerServer, PeerServerEvents } from '../peer-server.js';
import { closed, nextEvent, prototypeKeys, rawAuthed, recordingServer, SECRET, TOPOLOGY, waitFor } from './helpers.js';

const MAX_PAYLOAD = 64 * 1024;
let srv: PeerServer;
let frames: Awaited<ReturnType<typeof recordingServer>>['frames'];
let healthy: PeerClient;
let frameErrors: Array<PeerServerEvents['frame.error']>;

beforeEach(async () => {
  ({ server: srv, frames } = await recordingServer({ maxPayloadBytes: MAX_PAYLOAD }));
  frameErrors = [];
  srv.on('frame.error', (e) => frameErrors.push(e));
  healthy = new PeerClient({ address: srv.url, secret: SECRET, topology: TOPOLOGY, workerId: 'healthy', epoch: 1, maxPayloadBytes: MAX_PAYLOAD });
  await nextEvent(healthy, 'open');
});

afterEach(async () => {
  await healthy.close();
  await srv.close();
});

/** The healthy connection still delivers, over the same socket as before. */
async function healthyStillWorks(tag: string): Promise<void> {
  const connects = healthy.stats().connects;
  healthy.sendTuple(1, 0, 0, [tag], null);
  await waitFor(() => frames.some(({ frame }) => frame[0] === FrameType.TUPLES && frame[1].some((r) => r[3][0] === tag)), `healthy tuple ${tag}`);
  expect(healthy.connected).toBe(true);
  expect(healthy.stats().connects).toBe(connects);
}

/** `[1, [[0, 0, 0, [<value bytes>], null]]]` with the value given as raw msgpack bytes. */
function tupleWithRawValue(value: number[]): Buffer {
  return Buffer.from([0x92, 0x01, 0x91, 0x95, 0x00, 0x00, 0x00, 0x91, ...value, 0xc0]);
}
const str = (s: string): number[] => [0xa0 + s.length, ...Buffer.from(s)];

describe('hostile frames close only their own connection', () => {
  it('a message over maxPayload is closed with 1009 before it is buffered', async () => {
    const bad = await rawAuthed(srv.url, { workerId: 'big' });
    const done = closed(bad);
    bad.send(Buffer.alloc(MAX_PAYLOAD + 1, 0x90));
    expect((await done).code).toBe(1009);
    expect(srv.stats().frameErrors.GALE_ERR_FRAME_TOO_LARGE).toBe(1);
    expect(frameErrors[0]).toMatchObject({ code: 'GALE_ERR_FRAME_TOO_LARGE', wsCloseCode: 1009, peer: { workerId: 'big' } });
    await healthyStillWorks('after-oversize');
    expect(srv.peers().map((p) => p.workerId)).toEqual(['healthy']);
  });

  const crafted: Array<[string, () => Buffer, number, string]> = [
    ['truncated msgpack', () => encodeFrame([FrameType.TUPLES, [[1, 0, 0, ['hello'], null]]]).subarray(0, 9), 1007, 'GALE_ERR_FRAME_DECODE'],
    ['an unknown frame type', () => encodeFrame([42, 1] as never), 1007, 'GALE_ERR_FRAME_TYPE'],
    ['a schema-violating tuple', () => encodeFrame([FrameType.TUPLES, [[-5, 0, 0, 'not values', null]]] as never), 1007, 'GALE_ERR_FRAME_SCHEMA'],
    ['a __proto__ key', () => tupleWithRawValue([0x81, ...str('__proto__'), 0x81, ...str('polluted'), 0xc3]), 1007, 'GALE_ERR_FRAME_SCHEMA'],
    ['a constructor.prototype key', () => tupleWithRawValue([0x81, ...str('constructor'), 0x81, ...str('prototype'), 0x81, ...str('polluted'), 0xc3]), 1007, 'GALE_ERR_FRAME_SCHEMA'],
    ['a RegExp extension (0x78)', () => tupleWithRawValue([...Buffer.from('d4780092a2612ba167', 'hex')]), 1007, 'GALE_ERR_FRAME_SCHEMA'],
    ['a structured-clone cycle (0x69/0x70)', () => tupleWithRawValue([...Buffer.from('d66900000001de0002a16101a473656c66d67000000001', 'hex')]), 1007, 'GALE_ERR_FRAME_DECODE'],
    ['60k-deep nesting (msgpackr stack overflow)', () => Buffer.alloc(60_000, 0x91), 1007, 'GALE_ERR_FRAME_DECODE'],
    ['an array header claiming 2^32-1 items', () => Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01]), 1007, 'GALE_ERR_FRAME_DECODE'],
  ];
  it.each(crafted)('%s', async (_name, bytes, wsCode, code) => {
    const before = prototypeKeys();
    const bad = await rawAuthed(srv.url, { workerId: 'bad' });
    const done = closed(bad);
    bad.send(bytes());
    const c = await done;
    expect(c.code).toBe(wsCode);
    expect(frameErrors.map((e) => e.code)).toEqual([code]);
    expect(srv.stats().frameErrors[code]).toBe(1);
    expect(prototypeKeys()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await healthyStillWorks(`after ${code}`);
  });

  it('a text message is closed with 1003', async () => {
    const bad = await rawAuthed(srv.url);
    const done = closed(bad);
    bad.send('hello');
    expect((await done).code).toBe(1003);
    await healthyStillWorks('after-text');
  });

  it('thousands of random buffers never crash the server; each closes only its connection', async () => {
    const before = prototypeKeys();
    const N = 1500;
    const CONCURRENCY = 40;
    let next = 0;
    let expectedErrors = 0;
    const codes = new Map<number, number>();
    const worker = async (): Promise<void> => {
      while (next < N) {
        const i = next++;
        const buf = randomBytes(1 + ((i * 7919) % 300));
        let valid = false;
        try {
          decodeFrame(buf);
          valid = true;
        } catch {
          // expected for almost every buffer
        }
        const ws: WebSocket = await rawAuthed(srv.url, { workerId: `fuzz-${i}` });
        if (valid) {
          ws.close();
        } else {
          expectedErrors++;
        }
        const done = closed(ws);
        ws.send(buf);
        const { code } = await done;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const errs = srv.stats().frameErrors;
    const total = Object.values(errs).reduce((a, b) => a + b, 0);
    expect(total).toBe(expectedErrors);
    expect(codes.get(1007)).toBe(expectedErrors);
    expect(prototypeKeys()).toEqual(before);
    await waitFor(() => srv.peers().length === 1, 'fuzz connections to be gone');
    expect(srv.peers()[0]!.workerId).toBe('healthy');
    await healthyStillWorks('after-fuzz');
  }, 30_000);
});
