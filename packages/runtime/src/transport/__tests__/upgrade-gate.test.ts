import { clientAuthHeaders, normalizeSecret, type PeerIdentity } from '../auth.js';
import { UpgradeGate, type UpgradeGateOptions } from '../upgrade-gate.js';
import { SECRET, TOPOLOGY } from './helpers.js';

const secret = normalizeSecret(SECRET);
const NOW = 5_000_000;

function gate(over: Partial<UpgradeGateOptions> = {}): UpgradeGate {
  return new UpgradeGate({ secret, topology: TOPOLOGY, now: () => NOW, ...over });
}

const id = (workerId: string, epoch: number): PeerIdentity => ({ topology: TOPOLOGY, workerId, epoch });
const headers = (who: PeerIdentity, key = secret) => clientAuthHeaders(key, who, NOW);

describe('UpgradeGate: who may become a WebSocket (no sockets; injected clock)', () => {
  test('a signed request of our topology is admitted; a bad signature is refused with the verifier reason', () => {
    const g = gate();
    expect(g.check(headers(id('w1', 1)))).toEqual({ ok: true, identity: id('w1', 1) });
    const bad = g.check(headers(id('w1', 1), normalizeSecret('some-other-secret-0123456789abcd')));
    expect(bad).toMatchObject({ ok: false, status: 401, reason: 'bad-hmac' });
  });

  test('once an epoch was accepted, older launches of the same worker are fenced off with 409', () => {
    const g = gate();
    g.accepted(id('w1', 5));
    expect(g.check(headers(id('w1', 4)))).toMatchObject({ ok: false, status: 409, reason: 'stale-epoch', identity: id('w1', 4) });
    expect(g.check(headers(id('w1', 5))).ok).toBe(true);
    expect(g.check(headers(id('w1', 6))).ok).toBe(true);
    expect(g.check(headers(id('w2', 0))).ok).toBe(true); // other workers are unaffected
  });

  test('the owner admission check refuses with 403 and its reason', () => {
    const g = gate({ admit: (who) => (who.workerId === 'evicted' ? 'not in the assignment' : undefined) });
    expect(g.check(headers(id('evicted', 1)))).toMatchObject({ ok: false, status: 403, reason: 'refused', detail: 'not in the assignment' });
    expect(g.check(headers(id('w1', 1))).ok).toBe(true);
  });

  test('epoch memory is bounded, forgetting the least recently seen worker first', () => {
    const g = gate({ maxEpochs: 2 });
    g.accepted(id('a', 9));
    g.accepted(id('b', 9));
    g.accepted(id('a', 9)); // a seen again: b is now the oldest
    g.accepted(id('c', 9));
    expect(g.check(headers(id('a', 1))).ok).toBe(false);
    expect(g.check(headers(id('b', 1))).ok).toBe(true);
  });
});

describe('UpgradeGate.confirm: a claimed epoch must be the one the owner registry lists', () => {
  const registry = new Map<string, number>([['w1', 5]]);
  const verifyEpoch = (who: PeerIdentity): Promise<'current' | 'stale' | 'unknown'> => {
    const listed = registry.get(who.workerId);
    if (listed === undefined || who.epoch > listed) return Promise.resolve('unknown');
    return Promise.resolve(who.epoch === listed ? 'current' : 'stale');
  };

  test('the listed epoch is admitted; a higher unlisted one is refused 409 unknown-epoch; an older one 409 stale-epoch', async () => {
    const g = gate({ verifyEpoch });
    expect(await g.confirm(id('w1', 5))).toEqual({ ok: true, identity: id('w1', 5) });
    expect(await g.confirm(id('w1', 9_999_999_999))).toMatchObject({ ok: false, status: 409, reason: 'unknown-epoch' });
    expect(await g.confirm(id('w1', 4))).toMatchObject({ ok: false, status: 409, reason: 'stale-epoch' });
    expect(await g.confirm(id('ghost', 1))).toMatchObject({ ok: false, status: 409, reason: 'unknown-epoch' });
  });

  test('an epoch already accepted is not asked again; without a verifier every epoch is believed', async () => {
    let asked = 0;
    const g = gate({ verifyEpoch: (who) => { asked++; return verifyEpoch(who); } });
    g.accepted(id('w1', 5));
    expect((await g.confirm(id('w1', 5))).ok).toBe(true);
    expect(asked).toBe(0);
    expect((await gate().confirm(id('w1', 123))).ok).toBe(true);
  });

  test('a launch admitted while an older one was being verified fences the older one; accepted epochs never go down', async () => {
    const g = gate({ verifyEpoch: () => Promise.resolve('current') });
    const older = g.check(headers(id('w1', 5)));
    expect(older.ok).toBe(true);
    g.accepted(id('w1', 6)); // the newer launch got in during the older one's verification
    expect((await g.confirm(id('w1', 5))).ok).toBe(true);
    expect(g.fenced(id('w1', 5))).toMatchObject({ ok: false, status: 409, reason: 'stale-epoch' });
    g.accepted(id('w1', 5)); // a late accept of the older launch does not lower the fence
    expect(g.fenced(id('w1', 5))).toMatchObject({ reason: 'stale-epoch' });
    expect(g.fenced(id('w1', 6))).toBeUndefined();
  });

  test('a verifier that fails or does not answer within the deadline refuses with 503 unverified', async () => {
    const failing = gate({ verifyEpoch: () => Promise.reject(new Error('zk down')) });
    expect(await failing.confirm(id('w1', 5))).toMatchObject({ ok: false, status: 503, reason: 'unverified', detail: expect.stringContaining('zk down') });
    const silent = gate({ verifyEpoch: () => new Promise<never>(() => {}), verifyTimeoutMs: 10 });
    expect(await silent.confirm(id('w1', 5))).toMatchObject({ ok: false, status: 503, reason: 'unverified', detail: expect.stringContaining('no answer within 10 ms') });
  });
});
