import type { IncomingHttpHeaders } from 'node:http';
import pino from 'pino';
import { AuthHeader, HandshakeVerifier, normalizeSecret, serverProofHeaders, type PeerFeature, type PeerIdentity } from '../auth.js';
import { ClientHandshake } from '../client-handshake.js';
import { SECRET, TOPOLOGY } from './helpers.js';

const secret = normalizeSecret(SECRET);
const me: PeerIdentity = { topology: TOPOLOGY, workerId: 'w-1', epoch: 3 };
const server: PeerIdentity = { topology: TOPOLOGY, workerId: 'w-2', epoch: 1 };
const URL = 'ws://127.0.0.1:1/';

function proofHeaders(nonce: string, id: PeerIdentity, key = secret, features?: readonly PeerFeature[]): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const line of serverProofHeaders(key, nonce, id, features)) {
    const i = line.indexOf(': ');
    out[line.slice(0, i)] = line.slice(i + 2);
  }
  return out;
}

function setup(start = 1_000_000) {
  let wall = start;
  const hs = new ClientHandshake(secret, me, () => wall, pino({ level: 'silent' }));
  return { hs, setWall: (t: number) => { wall = t; } };
}

describe('ClientHandshake (no sockets; injected wall clock)', () => {
  test('signed headers a server accepts, with a fresh nonce per attempt', () => {
    const { hs } = setup();
    const verifier = new HandshakeVerifier({ secret, topology: TOPOLOGY, now: () => 1_000_000 });
    const a = hs.begin();
    const b = hs.begin();
    expect(a.nonce).not.toBe(b.nonce);
    const verdict = verifier.verify(a.headers);
    expect(verdict.ok && verdict.identity).toEqual(me);
  });

  test('a proof over our nonce is accepted; a proof over another nonce, key or topology is a refusal', () => {
    const { hs } = setup();
    const { nonce } = hs.begin();
    expect(hs.checkProof(URL, nonce, proofHeaders(nonce, server))).toEqual({ ok: true, server, features: new Set(['failed-stopped']) });
    // A server that predates the features (none announced): proved all the same, with none.
    expect(hs.checkProof(URL, nonce, proofHeaders(nonce, server, secret, []))).toEqual({ ok: true, server, features: new Set() });
    for (const headers of [
      proofHeaders('0'.repeat(32), server),
      proofHeaders(nonce, server, normalizeSecret('another-secret-0123456789abcdef')),
      proofHeaders(nonce, { ...server, topology: 'other' }),
      {},
    ]) {
      const r = hs.checkProof(URL, nonce, headers);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.refusal).toMatchObject({ status: 101, reason: 'bad-server-proof' });
        expect(r.refusal.error.code).toBe('GALE_ERR_PEER_REFUSED');
      }
    }
  });

  test('401 expired with the server clock: adopt it and retry at once, only once until a connection opens', () => {
    const { hs } = setup(1_000_000);
    const headers = { [AuthHeader.REASON]: 'expired', [AuthHeader.SERVER_TS]: '1060000' };
    const first = hs.refused(URL, 401, headers);
    expect(first.retryNow).toBe(true);
    expect(first.refusal).toMatchObject({ status: 401, reason: 'expired' });
    expect(first.refusal.error.retriable).toBe(true);
    expect(hs.begin().headers[AuthHeader.TS]).toBe('1060000');
    expect(hs.refused(URL, 401, headers).retryNow).toBe(false);
    hs.succeeded();
    expect(hs.refused(URL, 401, headers).retryNow).toBe(true);
  });

  test('no refusal is final: 409 stale-epoch / unknown-epoch are retried with backoff like the others', () => {
    const { hs } = setup();
    for (const reason of ['stale-epoch', 'unknown-epoch']) {
      const r = hs.refused(URL, 409, { [AuthHeader.REASON]: reason });
      expect(r).toMatchObject({ retryNow: false, refusal: { status: 409, reason } });
      expect(r.refusal).not.toHaveProperty('fatal');
      expect(r.refusal.error.retriable).toBe(true);
    }
    const busy = hs.refused(URL, 401, { [AuthHeader.REASON]: 'bad-hmac' });
    expect(busy).toMatchObject({ retryNow: false, refusal: { reason: 'bad-hmac' } });
    expect(busy.refusal.error.retriable).toBe(true);
    expect(hs.refused(URL, 500, {}).refusal.reason).toBe('unknown');
  });
});
