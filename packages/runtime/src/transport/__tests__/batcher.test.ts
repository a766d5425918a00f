import { Batcher, type BatcherOptions } from '../batcher.js';
import { FrameError } from '../errors.js';
import { decodeFrame, FrameType, type TupleRecord } from '../frame-codec.js';
import { ManualSchedule } from './manual-schedule.js';

function setup(over: Partial<BatcherOptions> = {}) {
  const clock = new ManualSchedule();
  const frames: { type: number; records: unknown[]; at: number }[] = [];
  const dropped: { type: number; records: unknown[]; error: FrameError }[] = [];
  const b = new Batcher({
    types: [FrameType.TUPLES],
    flushCount: 3,
    flushMs: 1,
    maxPayloadBytes: 4 * 1024 * 1024,
    onFrame: (buf, n) => {
      const f = decodeFrame(buf) as [number, unknown[]];
      expect(f[1]).toHaveLength(n);
      frames.push({ type: f[0], records: f[1], at: clock.now });
    },
    onDropped: (type, records, error) => dropped.push({ type, records, error }),
    schedule: clock.schedule,
    ...over,
  });
  return { b, clock, frames, dropped };
}

const tuple = (i: number, values: unknown[] = [i]): TupleRecord => [1, 2, 'default', values, null];

describe('Batcher: records become frames at flushCount records or flushMs, whichever first', () => {
  test('a full batch is a frame at once, without waiting for the timer', () => {
    const { b, clock, frames } = setup();
    for (let i = 0; i < 3; i++) b.add(FrameType.TUPLES, tuple(i));
    expect(frames).toEqual([{ type: FrameType.TUPLES, records: [tuple(0), tuple(1), tuple(2)], at: 0 }]);
    expect(b.size).toBe(0);
    clock.advance(10);
    expect(frames).toHaveLength(1); // the armed timer found nothing left to send
  });

  test('a partial batch waits flushMs after its first record, not after its last', () => {
    const { b, clock, frames } = setup({ flushMs: 5 });
    b.add(FrameType.TUPLES, tuple(0));
    clock.advance(4);
    b.add(FrameType.TUPLES, tuple(1));
    expect(frames).toHaveLength(0);
    clock.advance(1);
    expect(frames).toEqual([{ type: FrameType.TUPLES, records: [tuple(0), tuple(1)], at: 5 }]);
  });

  test('flushMs 0 asks for the end of the turn (a 0 ms delay), once per quiet period', () => {
    const delays: number[] = [];
    const clock = new ManualSchedule();
    const { b, frames } = setup({ flushMs: 0, schedule: (fn, ms) => (delays.push(ms), clock.schedule(fn, ms)) });
    b.add(FrameType.TUPLES, tuple(0));
    b.add(FrameType.TUPLES, tuple(1));
    expect(delays).toEqual([0]);
    clock.advance(0);
    expect(frames.map((f) => f.records.length)).toEqual([2]);
  });

  test('control-stream tuples share the TUPLES lane with data tuples, in send order; flush() empties it', () => {
    const { b, clock, frames } = setup({ flushCount: 4 });
    const outcome: TupleRecord = [7, 1, 5, [42, 1], null]; // acker → spout task: [root, outcome]
    const ack: TupleRecord = [1, 7, 2, [42, 0, 0], null]; // bolt → acker: [root, hi, lo]
    b.add(FrameType.TUPLES, outcome);
    b.add(FrameType.TUPLES, ack);
    b.add(FrameType.TUPLES, tuple(0));
    b.flush();
    expect(frames).toEqual([{ type: FrameType.TUPLES, records: [outcome, ack, tuple(0)], at: 0 }]);
    expect(clock.pending).toBe(0);
  });

  test('clear() drops waiting records and the timer', () => {
    const { b, clock, frames } = setup();
    b.add(FrameType.TUPLES, tuple(0));
    b.clear();
    clock.advance(10);
    expect(frames).toHaveLength(0);
    expect(b.size).toBe(0);
  });

  test('a batch over maxPayloadBytes is split in halves; one record that cannot fit is dropped alone', () => {
    const { b, frames, dropped } = setup({ flushCount: 4, maxPayloadBytes: 300 });
    const big = 'x'.repeat(400);
    b.add(FrameType.TUPLES, tuple(0, ['a'.repeat(100)]));
    b.add(FrameType.TUPLES, tuple(1, ['b'.repeat(100)]));
    b.add(FrameType.TUPLES, tuple(2, [big]));
    b.add(FrameType.TUPLES, tuple(3, ['d']));
    expect(frames.map((f) => f.records.length)).toEqual([2, 1]);
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!.records).toEqual([tuple(2, [big])]);
    expect(dropped[0]!.error.code).toBe('GALE_ERR_FRAME_TOO_LARGE');
  });

  test('a frame type without a lane is a programming error', () => {
    const { b } = setup({ types: [FrameType.TUPLES] });
    expect(() => b.add(FrameType.PING, 3)).toThrow(RangeError);
  });
});
