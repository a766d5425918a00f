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
