import { StreamAcks } from '../stream-acks.js';

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A send whose replies the test releases (or fails) one by one, in order. */
function controlledSend(): { send: (ids: readonly string[]) => Promise<void>; sent: string[][]; reply: (err?: Error) => void } {
  const sent: string[][] = [];
  const waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  return {
    sent,
    send: (ids) => {
      sent.push([...ids]);
      return new Promise<void>((resolve, reject) => waiting.push({ resolve, reject }));
    },
    reply: (err) => {
      const w = waiting.shift()!;
      if (err) w.reject(err);
      else w.resolve();
    },
  };
}

describe('StreamAcks', () => {
  it('sends the acks of one turn in one XACK, and the next turn\'s without waiting for the first reply', async () => {
    const c = controlledSend();
    const acks = new StreamAcks(c.send, () => 10, () => undefined);
    acks.add('1-0');
    acks.add('2-0');
    await turn();
    expect(c.sent).toEqual([['1-0', '2-0']]);
    acks.add('3-0');
    await turn();
    expect(c.sent).toEqual([['1-0', '2-0'], ['3-0']]);
    expect(acks.size).toBe(3);
    expect(acks.heldIds().sort()).toEqual(['1-0', '2-0', '3-0']);
    c.reply();
    c.reply();
    await turn();
    expect(acks.size).toBe(0);
    expect(acks.busy).toBe(false);
  });

  it('keeps the ids of a failed XACK and sends them again after the delay it was given, once per outage', async () => {
    const c = controlledSend();
    const failures: unknown[] = [];
    const acks = new StreamAcks(c.send, (err) => {
      failures.push(err);
      return 30;
    }, () => undefined);
    acks.add('1-0');
    await turn();
    acks.add('2-0');
    await turn();
    c.reply(new Error('Connection is closed.'));
    c.reply(new Error('Connection is closed.'));
    await turn();
    expect(failures).toHaveLength(2);
    expect(acks.size).toBe(2);
    acks.add('3-0');
    await turn();
    // one retry timer for both failures; nothing goes out before it fires
    expect(c.sent).toHaveLength(2);
    const deadline = Date.now() + 5000;
    while (c.sent.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(c.sent[2]!.sort()).toEqual(['1-0', '2-0', '3-0']);
    c.reply();
    await turn();
    expect(acks.size).toBe(0);
  });

  it('close waits for the XACKs in flight and sends what is unsent, once, even while a retry waits', async () => {
    const c = controlledSend();
    const acks = new StreamAcks(c.send, () => 60_000, () => undefined);
    acks.add('1-0');
    await turn();
    c.reply(new Error('Connection is closed.'));
    await turn();
    acks.add('2-0');
    const closing = acks.close();
    await turn();
    expect(c.sent).toEqual([['1-0'], ['1-0', '2-0']]);
    c.reply();
    await closing;
    expect(acks.size).toBe(0);
    acks.add('3-0');
    await turn();
    expect(c.sent).toHaveLength(2);
  });
});
