/**
 * Forces a ZooKeeper session to expire without waiting for its timeout (RELIABILITY.md scenario 5):
 * connect a second client with the same session id and password, and close that session.
 *
 * Done in raw protocol, ConnectRequest and CloseSession in ONE write: with a normal client the
 * victim reconnects (immediately, on the server dropping its socket) and steals the session back
 * before the duplicate's close is sent, and the close is then lost.
 */
import net from 'node:net';

export interface SessionCredentials {
  sessionId: Buffer;
  password: Buffer;
}

const CLOSE_SESSION_OP = -11;

function connectRequest(creds: SessionCredentials, timeoutMs: number): Buffer {
  // int protocolVersion, long lastZxidSeen, int timeOut, long sessionId, buffer passwd, bool readOnly
  const body = Buffer.alloc(4 + 8 + 4 + 8 + 4 + creds.password.length + 1);
  let o = 0;
  o = body.writeInt32BE(0, o);
  o += 8; // lastZxidSeen 0
  o = body.writeInt32BE(timeoutMs, o);
  o += creds.sessionId.copy(body, o, 0, 8);
  o = body.writeInt32BE(creds.password.length, o);
  o += creds.password.copy(body, o);
  body.writeUInt8(0, o);
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length);
  return Buffer.concat([len, body]);
}

function closeSessionRequest(): Buffer {
  const b = Buffer.alloc(12);
  b.writeInt32BE(8, 0); // length
  b.writeInt32BE(1, 4); // xid
  b.writeInt32BE(CLOSE_SESSION_OP, 8);
  return b;
}

type Outcome = 'closed' | 'already-expired' | 'lost-race';

/** One attempt: ConnectRequest + CloseSession in one write, then read what the server answered. */
function attempt(host: string, port: number, creds: SessionCredentials, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let reply = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`expireSession: no answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => sock.write(Buffer.concat([connectRequest(creds, 4000), closeSessionRequest()])));
    sock.on('data', d => (reply = Buffer.concat([reply, d])));
    sock.on('error', () => {}); // 'close' follows
    sock.on('close', () => {
      clearTimeout(timer);
      // Frame 1, ConnectResponse: int protocolVersion, int timeOut (<= 0: no such session), ...
      if (reply.length < 12) return resolve('lost-race');
      if (reply.readInt32BE(8) <= 0) return resolve('already-expired');
      // Frame 2, the CloseSession reply header: int xid, long zxid, int err.
      const first = 4 + reply.readInt32BE(0);
      if (reply.length >= first + 4 + 16 && reply.readInt32BE(first + 4) === 1 && reply.readInt32BE(first + 16) === 0) {
        return resolve('closed');
      }
      // The victim reconnected first and took the session back before our close was read.
      resolve('lost-race');
    });
  });
}

/**
 * Closes the session `creds` on the server at `connectString` (first host), retrying when the
 * victim wins the reconnect race. Resolves true when the session was closed, false when the
 * server said it had already expired.
 */
export async function expireSession(connectString: string, creds: SessionCredentials, timeoutMs = 5000): Promise<boolean> {
  const [host, portText] = connectString.split(',')[0]!.split(':');
  for (let i = 0; i < 20; i++) {
    const outcome = await attempt(host!, Number(portText), creds, timeoutMs);
    if (outcome === 'closed') return true;
    if (outcome === 'already-expired') return i > 0; // after a lost race our close may have landed anyway
    await new Promise(r => setTimeout(r, 20));
  }
  throw new Error(`expireSession: could not close session ${creds.sessionId.toString('hex')} in 20 attempts`);
}
