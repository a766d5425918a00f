/**
 * The client's half of the upgrade handshake (docs/protocol.md "Handshake"): signed headers for each
 * attempt, the check of the server's proof on a 101, and what a refusal means — retry later, or
 * retry at once with the server's clock (an `expired` timestamp: our wall clock is skewed). No
 * refusal is final, 409 `stale-epoch` included: the server's view of epochs can be wrong for a
 * while (a forged or misordered handshake, a registry it has not re-read yet), and a client that
 * gave up for good would stall its worker while the peer is still assigned. A real zombie (a newer
 * launch of its worker exists) is stopped by its own worker when its assignment or slot goes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from '../log.js';
import { announcedFeatures, AuthHeader, clientAuthHeaders, verifyServerProof, type PeerIdentity } from './auth.js';
import { TransportError } from './errors.js';

/** Why an attempt was refused. */
export interface Refusal {
  error: TransportError;
  status: number;
  reason: string;
}

export type ProofCheck = { ok: true; server: PeerIdentity; features: ReadonlySet<string> } | { ok: false; refusal: Refusal };

export class ClientHandshake {
  private clockOffsetMs = 0;
  private skewRetried = false;

  constructor(
    private readonly secret: Buffer,
    readonly identity: PeerIdentity,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  /** Headers for a new attempt, timestamped on the (skew-corrected) wall clock, and the attempt's nonce. */
  begin(): { headers: Record<string, string>; nonce: string } {
    const headers = clientAuthHeaders(this.secret, this.identity, this.now() + this.clockOffsetMs);
    return { headers, nonce: headers[AuthHeader.NONCE]! };
  }

  /** A 101 answer: did the server prove it holds the secret and runs our topology? */
  checkProof(url: string, nonce: string, headers: IncomingHttpHeaders): ProofCheck {
    const proof = verifyServerProof(this.secret, nonce, headers, this.identity.topology);
    if (proof.ok) return { ok: true, server: proof.identity, features: announcedFeatures(headers) };
    return { ok: false, refusal: { error: new TransportError('GALE_ERR_PEER_REFUSED', `${url}: ${proof.reason}`), status: 101, reason: 'bad-server-proof' } };
  }

  /**
   * A non-101 answer. `retryNow` when the refusal was our clock: the server's clock is adopted for the
   * timestamp, once per successful connection, so two skewed peers cannot loop.
   */
  refused(url: string, status: number, headers: IncomingHttpHeaders): { refusal: Refusal; retryNow: boolean } {
    const reason = headerText(headers[AuthHeader.REASON]) ?? 'unknown';
    const serverTs = Number(headerText(headers[AuthHeader.SERVER_TS]));
    let retryNow = false;
    if (reason === 'expired' && Number.isFinite(serverTs) && !this.skewRetried) {
      this.clockOffsetMs = serverTs - this.now();
      this.skewRetried = true;
      retryNow = true;
      this.log.warn({ url, clockOffsetMs: this.clockOffsetMs }, 'handshake timestamp refused as expired; correcting for clock skew');
    }
    const error = new TransportError('GALE_ERR_PEER_REFUSED', `${url} refused the connection: ${status} ${reason}`, { retriable: true });
    return { refusal: { error, status, reason }, retryNow };
  }

  /** A connection opened: a later `expired` may be corrected again. */
  succeeded(): void {
    this.skewRetried = false;
  }
}

function headerText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
