// Epoch fencing on real sockets (docs/protocol.md "Fencing"): a handshake claiming an epoch the
// owner's registry does not list is refused without disturbing the real peer's connection, and a
// client refused with 409 keeps retrying with backoff (driven by a manual schedule) until the
// server admits it: a stopped-for-good client is impossible.
import type { PeerIdentity } from '../auth.js';
import { PeerClient, type PeerClientEvents } from '../peer-client.js';
import { FrameType } from '../frame-codec.js';
import type { EpochVerdict } from '../upgrade-gate.js';
import { goodHeaders, nextEvent, rawConnect, recordingServer, SECRET, TOPOLOGY, waitFor } from './helpers.js';
import { ManualSchedule } from './manual-schedule.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/** A server whose epoch verifier answers from `registry` (workerId → listed epoch). */
async function fencedServer(registry: Map<string, number>) {
  const verifyEpoch = (who: PeerIdentity): Promise<EpochVerdict> => {
    const listed = registry.get(who.workerId);
    if (listed === undefined || who.epoch > listed) return Promise.resolve('unknown');
    return Promise.resolve(who.epoch === listed ? 'current' : 'stale');
  };
  const s = await recordingServer({ verifyEpoch });
  closers.push(() => s.server.close());
  return s;
}

function client(url: string, epoch: number, extra: Partial<ConstructorParameters<typeof PeerClient>[0]> = {}): PeerClient {
  const c = new PeerClient({ address: url, secret: SECRET, topology: TOPOLOGY, workerId: 'real-w', epoch, backoff: { initialMs: 10, maxMs: 50, jitter: 0 }, ...extra });
  closers.push(() => c.close());
  return c;
}

describe('epoch fencing against the owner registry (real sockets)', () => {
  it('a forged handshake with a huge epoch for a connected worker is refused and the real connection keeps flowing', async () => {
    const registry = new Map([['real-w', 7]]);
    const { server, frames } = await fencedServer(registry);
    const real = client(server.url, 7);
    await nextEvent(real, 'open');
    let lost = false;
    real.on('disconnect', () => (lost = true));
    real.sendTuple(1, 0, 0, ['before'], null);
    await waitFor(() => frames.length === 1, 'a frame before the forgery');

    const forged = await rawConnect(server.url, goodHeaders({ workerId: 'real-w', epoch: Number.MAX_SAFE_INTEGER }));
    expect(forged).toMatchObject({ kind: 'refused', status: 409, reason: 'unknown-epoch' });
    expect(server.stats()).toMatchObject({ superseded: 0, refused: { 'unknown-epoch': 1 } });

    // The real launch is still the one the server knows: nothing was superseded, its later
    // reconnects are not refused as stale, and its traffic goes on.
    real.sendTuple(1, 0, 0, ['after'], null);
    await waitFor(() => frames.length === 2, 'a frame after the forgery');
    expect(lost).toBe(false);
    expect(frames.map((f) => f.frame[0] === FrameType.TUPLES && f.frame[1][0]![3][0])).toEqual(['before', 'after']);
    expect(frames.every((f) => f.peer.epoch === 7)).toBe(true);
    const again = client(server.url, 7);
    await nextEvent(again, 'open');

    // A launch the registry does list supersedes the old one as before.
    registry.set('real-w', 8);
    const gone = nextEvent<PeerClientEvents['disconnect']>(real, 'disconnect');
    const next = client(server.url, 8);
    await nextEvent(next, 'open');
    expect((await gone).closeReason).toMatchObject({ code: 'GALE_ERR_STALE_EPOCH' });
  });

  it('a client refused with 409 retries with backoff (manual schedule) and connects once the registry lists its epoch', async () => {
    const registry = new Map([['real-w', 3]]);
    const { server, frames } = await fencedServer(registry);
    const manual = new ManualSchedule();
    const c = client(server.url, 4, { reconnectSchedule: manual.schedule });
    const errors: Array<PeerClientEvents['connect.error']> = [];
    c.on('connect.error', (e) => errors.push(e));
    c.sendTuple(1, 0, 0, ['held while refused'], null);

    for (let i = 1; i <= 3; i++) {
      await waitFor(() => errors.length === i && manual.pending === 1, `refusal ${i} and a scheduled retry`);
      expect(errors[i - 1]).toMatchObject({ status: 409, reason: 'unknown-epoch' });
      expect(errors[i - 1]!.retryInMs).toBe(10 * 2 ** (i - 1)); // backoff grows: 10, 20, 40 ms
      expect(c.state).toBe('waiting');
      manual.advance(errors[i - 1]!.retryInMs);
    }
    // The worker's launch is now published (its heartbeat was late): the next attempt gets in.
    await waitFor(() => errors.length === 4 && manual.pending === 1, 'refusal 4');
    registry.set('real-w', 4);
    const opened = nextEvent(c, 'open');
    manual.advance(errors[3]!.retryInMs);
    await opened;
    await waitFor(() => frames.length === 1, 'the held frame');
    expect(c.state).toBe('open');
  });

  it('an older launch refused as stale-epoch is never closed by the client itself', async () => {
    const registry = new Map([['real-w', 9]]);
    const { server } = await fencedServer(registry);
    const manual = new ManualSchedule();
    const zombie = client(server.url, 2, { reconnectSchedule: manual.schedule });
    const first = await nextEvent<PeerClientEvents['connect.error']>(zombie, 'connect.error');
    expect(first).toMatchObject({ status: 409, reason: 'stale-epoch' });
    expect(first.retryInMs).toBeGreaterThanOrEqual(0);
    await waitFor(() => manual.pending === 1, 'a scheduled retry');
    expect(zombie.state).toBe('waiting');
  });
});
