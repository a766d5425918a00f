import { EventEmitter } from 'node:events';
import { offerSecret, receiveSecret } from '../secret-channel.js';

/** Both ends of an IPC channel in one process: what one side sends, the other receives as 'message'. */
type Send = (m: unknown, ...rest: unknown[]) => boolean;
function channel(): { parent: EventEmitter & { send?: Send; connected: boolean }; child: EventEmitter & { send: Send } } {
  const parent = Object.assign(new EventEmitter(), { connected: true, send: (m: unknown): boolean => (queueMicrotask(() => child.emit('message', m)), true) });
  const child = Object.assign(new EventEmitter(), { send: (m: unknown): boolean => (queueMicrotask(() => parent.emit('message', m)), true) });
  return { parent, child };
}

const SECRET = 'a-cluster-secret-0123456789';

describe('the cluster secret over IPC', () => {
  it('the worker asks, the supervisor answers once, and neither side keeps listening', async () => {
    const { parent, child } = channel();
    offerSecret(child, SECRET);
    await expect(receiveSecret(parent)).resolves.toBe(SECRET);
    expect(parent.listenerCount('message')).toBe(0);
    expect(parent.listenerCount('disconnect')).toBe(0);
    expect(child.listenerCount('message')).toBe(0);
    // A second request is not answered.
    const sent = jest.fn(() => true);
    child.send = sent;
    parent.send!({ type: 'gale.secret.request' });
    await Promise.resolve();
    expect(sent).not.toHaveBeenCalled();
  });

  it('refuses to start without an IPC channel, or when it closes, or when no secret comes', async () => {
    const noChannel = Object.assign(new EventEmitter(), { connected: false });
    await expect(receiveSecret(noChannel)).rejects.toMatchObject({ code: 'GALE_ERR_WORKER_NO_SECRET', message: expect.stringContaining('no IPC channel') as string });

    const { parent } = channel(); // nobody answers
    const closing = receiveSecret(parent);
    parent.emit('disconnect');
    await expect(closing).rejects.toMatchObject({ code: 'GALE_ERR_WORKER_NO_SECRET', message: expect.stringContaining('the IPC channel closed') as string });

    jest.useFakeTimers();
    try {
      const silent = receiveSecret(channel().parent, 500);
      jest.advanceTimersByTime(500);
      await expect(silent).rejects.toMatchObject({ code: 'GALE_ERR_WORKER_NO_SECRET', message: expect.stringContaining('none within 500 ms') as string });
    } finally {
      jest.useRealTimers();
    }

    const failing = Object.assign(new EventEmitter(), {
      connected: true,
      send: (_m: unknown, _h: unknown, _o: unknown, cb: (err: Error | null) => void): boolean => (queueMicrotask(() => cb(new Error('channel closed'))), false),
    });
    await expect(receiveSecret(failing)).rejects.toMatchObject({ code: 'GALE_ERR_WORKER_NO_SECRET', message: expect.stringContaining('cannot ask: channel closed') as string });

    const { parent: p2, child: c2 } = channel();
    offerSecret(c2, '');
    await expect(receiveSecret(p2)).rejects.toMatchObject({ code: 'GALE_ERR_WORKER_NO_SECRET', message: expect.stringContaining('empty secret') as string });
  });
});
