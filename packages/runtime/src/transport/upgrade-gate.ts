/**
 * Who may become a WebSocket, decided on the HTTP upgrade before ws sees the socket: the signed
 * handshake (auth.ts), epoch fencing (a worker's older launch is refused once a newer one connected),
 * the owner's check that the claimed epoch is the one its registry lists (`verifyEpoch`: a holder of
 * the secret must not be able to fence off a real worker with a made-up higher epoch), and the
 * owner's own admission check. Pure apart from the clocks; `writeRefusal` is the only part that
 * touches the socket.
 */
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { AuthHeader, HandshakeVerifier, type PeerIdentity, type RefusalReason } from './auth.js';

const MAX_EPOCHS_REMEMBERED = 10_000;
export const DEFAULT_VERIFY_TIMEOUT_MS = 2000;

/**
 * What the owner's registry says about a claimed (workerId, epoch): `current` when it lists exactly
 * that epoch for the worker, `stale` when it lists a newer one, `unknown` when it lists the worker
 * with an older epoch, not at all, or not yet (a just-launched worker's record may be late; the
 * client retries with backoff).
 */
export type EpochVerdict = 'current' | 'stale' | 'unknown';
export type EpochVerifier = (identity: PeerIdentity) => Promise<EpochVerdict>;

export type GateVerdict =
  | { ok: true; identity: PeerIdentity }
  | { ok: false; status: number; reason: RefusalReason; detail: string; headers?: Record<string, string>; identity?: Partial<PeerIdentity> };

export interface UpgradeGateOptions {
  secret: Buffer;
  topology: string;
  /** Handshake timestamp window. */
  windowMs?: number;
  /** Wall clock (ms) for handshake timestamps. */
  now?: () => number;
  /** Extra admission check after authentication: a reason refuses with 403. */
  admit?: (identity: PeerIdentity) => string | undefined;
  /** How many workers' epochs to remember (least recently seen are forgotten first). */
  maxEpochs?: number;
  /**
   * Checks a claimed epoch against the owner's registry before a connection of a new epoch is
   * admitted (and so before it can supersede anything). Without it every authenticated epoch is
   * believed (standalone transport use).
   */
  verifyEpoch?: EpochVerifier;
  /** Longest `verifyEpoch` may take; past it the handshake is refused with 503 `unverified`. Default 2 s. */
  verifyTimeoutMs?: number;
}

export class UpgradeGate {
  private readonly verifier: HandshakeVerifier;
  /** workerId → highest epoch accepted, least recently seen first. */
  private readonly epochs = new Map<string, number>();
  private readonly maxEpochs: number;

  constructor(private readonly opts: UpgradeGateOptions) {
    this.verifier = new HandshakeVerifier({
      secret: opts.secret, topology: opts.topology, ...(opts.windowMs !== undefined ? { windowMs: opts.windowMs } : {}), ...(opts.now ? { now: opts.now } : {}),
    });
    this.maxEpochs = opts.maxEpochs ?? MAX_EPOCHS_REMEMBERED;
  }

  /** The verdict on one upgrade request's headers. */
  check(headers: IncomingHttpHeaders): GateVerdict {
    const verdict = this.verifier.verify(headers);
    if (!verdict.ok) return verdict;
    const id = verdict.identity;
    const stale = this.fenced(id);
    if (stale !== undefined) return stale;
    const denied = this.opts.admit?.(id);
    if (denied !== undefined) return { ok: false, status: 403, reason: 'refused', detail: denied, identity: id };
    return { ok: true, identity: id };
  }

  /**
   * The asynchronous half of the verdict, after {@link check} said ok: is `id.epoch` the epoch the
   * registry lists? An epoch already accepted for this worker was verified then and passes at once.
   */
  async confirm(id: PeerIdentity): Promise<GateVerdict> {
    const verify = this.opts.verifyEpoch;
    if (verify === undefined || this.epochs.get(id.workerId) === id.epoch) return { ok: true, identity: id };
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = this.opts.verifyTimeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    let verdict: EpochVerdict | 'timeout' | Error;
    try {
      verdict = await Promise.race([verify(id), deadline]);
    } catch (err) {
      verdict = err instanceof Error ? err : new Error(String(err));
    } finally {
      clearTimeout(timer);
    }
    const who = `worker "${id.workerId}" epoch ${id.epoch}`;
    if (verdict === 'current') return { ok: true, identity: id };
    if (verdict === 'stale') return { ok: false, status: 409, reason: 'stale-epoch', detail: `${who}: a newer launch of this worker is registered`, identity: id };
    if (verdict === 'unknown') return { ok: false, status: 409, reason: 'unknown-epoch', detail: `${who} is not the registered launch of this worker`, identity: id };
    const why = verdict === 'timeout' ? `no answer within ${timeoutMs} ms` : verdict.message;
    return { ok: false, status: 503, reason: 'unverified', detail: `cannot verify ${who}: ${why}`, identity: id };
  }

  /**
   * The 409 for an epoch older than one already accepted for its worker, or undefined. Asked again
   * after {@link confirm}: a newer launch may have been admitted while this one was being verified.
   */
  fenced(id: PeerIdentity): GateVerdict | undefined {
    const known = this.epochs.get(id.workerId);
    if (known === undefined || id.epoch >= known) return undefined;
    return { ok: false, status: 409, reason: 'stale-epoch', detail: `epoch ${id.epoch} of worker "${id.workerId}" is older than ${known}`, identity: id };
  }

  /** A connection of `id` was accepted: later launches must not be older. */
  accepted(id: PeerIdentity): void {
    const known = this.epochs.get(id.workerId);
    this.epochs.delete(id.workerId); // re-insert: the map's order is least recently seen first
    this.epochs.set(id.workerId, Math.max(known ?? id.epoch, id.epoch));
    if (this.epochs.size > this.maxEpochs) this.epochs.delete(this.epochs.keys().next().value!);
  }
}

/** Answers an upgrade with a plain HTTP refusal carrying the machine-readable reason, then closes the socket. */
export function writeRefusal(socket: Duplex, status: number, reason: RefusalReason, detail: string, headers: Record<string, string> = {}): void {
  const body = `${reason}: ${detail}\n`;
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    `${AuthHeader.REASON}: ${reason}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  if (socket.writable) {
    socket.once('finish', () => socket.destroy());
    socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  } else {
    socket.destroy();
  }
}
