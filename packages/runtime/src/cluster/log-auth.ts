/**
 * Authentication of `gale logs` requests to a supervisor's log endpoint: the client signs the
 * method, the path with its query, a timestamp and a fresh nonce with the cluster secret (HMAC
 * SHA-256, as the worker handshake in transport/auth.ts); the server checks the signature, the
 * ±30 s window and that the nonce is new. Without the secret nobody reads a worker's logs.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DEFAULT_AUTH_WINDOW_MS } from '../transport/index.js';

export const LogAuthHeader = { TS: 'x-gale-ts', NONCE: 'x-gale-nonce', AUTH: 'x-gale-auth' } as const;

const NONCE_RE = /^[0-9a-f]{32}$/;
const HMAC_RE = /^[0-9a-f]{64}$/;
const TS_RE = /^[0-9]{1,16}$/;
const MAX_NONCES = 10_000;

function sign(secret: string, method: string, target: string, ts: number, nonce: string): string {
  return createHmac('sha256', secret).update(`gale-logs\n${method}\n${target}\n${ts}\n${nonce}`, 'utf8').digest('hex');
}

/** Headers that authenticate one request for `target` (path and query). */
export function logRequestHeaders(secret: string, method: string, target: string, nowMs = Date.now()): Record<string, string> {
  const nonce = randomBytes(16).toString('hex');
  const ts = Math.round(nowMs);
  return { [LogAuthHeader.TS]: String(ts), [LogAuthHeader.NONCE]: nonce, [LogAuthHeader.AUTH]: sign(secret, method, target, ts, nonce) };
}

/** Server side: a reason to refuse (401), or undefined when the request is authentic and fresh. */
export class LogRequestVerifier {
  /** nonce → ms after which its timestamp is out of the window anyway. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly secret: () => string, private readonly now: () => number = Date.now, private readonly windowMs = DEFAULT_AUTH_WINDOW_MS) {}

  refusal(method: string, target: string, headers: IncomingHttpHeaders): string | undefined {
    const ts = headers[LogAuthHeader.TS];
    const nonce = headers[LogAuthHeader.NONCE];
    const auth = headers[LogAuthHeader.AUTH];
    if (typeof ts !== 'string' || typeof nonce !== 'string' || typeof auth !== 'string') return 'missing authentication headers';
    if (!TS_RE.test(ts) || !NONCE_RE.test(nonce) || !HMAC_RE.test(auth)) return 'malformed authentication headers';
    const expected = Buffer.from(sign(this.secret(), method, target, Number(ts), nonce), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(auth, 'hex'))) return 'signature does not match the cluster secret';
    const now = this.now();
    if (Math.abs(now - Number(ts)) > this.windowMs) return `timestamp is ${Math.round((Number(ts) - now) / 1000)} s off the server clock`;
    for (const [n, until] of this.seen) {
      if (until >= now) break;
      this.seen.delete(n);
    }
    if (this.seen.has(nonce)) return 'nonce was already used';
    if (this.seen.size >= MAX_NONCES) return 'too many requests in the replay window';
    this.seen.set(nonce, Number(ts) + this.windowMs);
    return undefined;
  }
}
