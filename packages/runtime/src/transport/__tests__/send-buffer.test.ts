import { SendBuffer } from '../send-buffer.js';

function setup(maxBufferedBytes = 1000, maxBufferedFrames = 10) {
  let socket = 0;
  const buf = new SendBuffer({ maxBufferedBytes, maxBufferedFrames, socketBufferedBytes: () => socket });
  return { buf, setSocket: (n: number) => { socket = n; } };
}

describe('SendBuffer: high/low water admission with hysteresis', () => {
  test('accepts until a write crosses the high water mark, then refuses and counts refusals', () => {
    const { buf, setSocket } = setup();
    expect(buf.admit()).toBe(true);
    setSocket(999);
    buf.wrote();
    expect(buf.accepting).toBe(true);
    setSocket(1000);
    expect(buf.admit()).toBe(true); // admission only changes on a write, not on every look
    buf.wrote();
    expect(buf.accepting).toBe(false);
    expect(buf.admit()).toBe(false);
    expect(buf.admit()).toBe(false);
    expect(buf.refused).toBe(2);
  });

  test('stays full until the low water mark (half), and a drain is due only if something was refused', () => {
    const { buf, setSocket } = setup();
    setSocket(1200);
    buf.wrote();
    expect(buf.admit()).toBe(false);
    setSocket(501);
    expect(buf.release()).toBeUndefined();
    expect(buf.accepting).toBe(false);
    setSocket(500);
    expect(buf.release()).toBe(500);
    expect(buf.accepting).toBe(true);
    expect(buf.release()).toBeUndefined(); // once

    setSocket(1000);
    buf.wrote();
    setSocket(0);
    expect(buf.release()).toBeUndefined(); // full again, but nobody was refused: no drain
    expect(buf.accepting).toBe(true);
  });

  test('frames held while disconnected count in bytes and in frames', () => {
    const { buf } = setup(1000, 4);
    for (let i = 0; i < 4; i++) {
      buf.hold(Buffer.alloc(10));
      buf.wrote();
    }
    expect(buf.pendingFrames).toBe(4);
    expect(buf.bufferedBytes).toBe(40);
    expect(buf.admit()).toBe(false);
    expect(buf.takeHeld()).toHaveLength(4);
    expect(buf.bufferedBytes).toBe(0);
    expect(buf.release()).toBe(0);
  });

  test('the frame bound has its own low water mark', () => {
    const { buf } = setup(1_000_000, 4);
    for (let i = 0; i < 4; i++) buf.hold(Buffer.alloc(1));
    buf.wrote();
    expect(buf.admit()).toBe(false);
    const held = buf.takeHeld();
    buf.hold(held[0]!);
    buf.hold(held[1]!);
    buf.hold(held[2]!);
    expect(buf.release()).toBeUndefined(); // 3 > 4 / 2
    buf.takeHeld();
    expect(buf.release()).toBe(0);
  });
});
