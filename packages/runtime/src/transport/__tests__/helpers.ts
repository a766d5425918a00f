// Shared test helpers for the transport suites: real sockets on port 0, no mocks, no fixed sleeps.
import pino from 'pino';
import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../log.js';
import { clientAuthHeaders, normalizeSecret, type PeerIdentity } from '../auth.js';
import type { Frame } from '../frame-codec.js';
import { PeerServer, type PeerInfo, type PeerServerOptions } from '../peer-server.js';

export const SECRET = 'test-cluster-secret-0123456789abcdef';
export const TOPOLOGY = 'word-count';

export interface CapturedLog {
  log: Logger;
  lines: Array<Record<string, unknown>>;
}

/** A pino logger whose JSON lines are kept in memory. */
export function captureLog(): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

/** Polls `pred` (each macrotask turn, then every 5 ms) until true or the deadline passes. */
export async function waitFor(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let spins = 0;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => (spins++ < 20 ? setImmediate(r) : setTimeout(r, 5)));
  }
}

/** Resolves with the next emission of `event` (rejects after `timeoutMs`). */
export function nextEvent<T = unknown>(emitter: object, event: string, timeoutMs = 5000): Promise<T> {
  const on = (emitter as { on(e: string, fn: (ev: T) => void): () => void }).on.bind(emitter);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for event ${event}`));
    }, timeoutMs);
    const off = on(event, (ev: T) => {
      clearTimeout(timer);
      off();
      resolve(ev);
    });
  });
}

/** A server that records every frame it receives. */
export async function recordingServer(extra: Partial<PeerServerOptions> = {}): Promise<{ server: PeerServer; frames: Array<{ peer: PeerInfo; frame: Frame }> }> {
  const frames: Array<{ peer: PeerInfo; frame: Frame }> = [];
  const server = await PeerServer.listen({
    port: 0, secret: SECRET, topology: TOPOLOGY, workerId: 'server-w', epoch: 1, onFrame: (peer, frame) => frames.push({ peer, frame }), ...extra,
  });
  return { server, frames };
}

export type RawResult = { kind: 'open'; ws: WebSocket } | { kind: 'refused'; status: number; reason: string | undefined; headers: IncomingMessage['headers']; body: string };

/** Opens a plain ws connection with exactly the given headers (for crafted handshakes and frames). */
export function rawConnect(url: string, headers: Record<string, string>): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        resolve({ kind: 'refused', status: res.statusCode ?? 0, reason: res.headers['x-gale-reason'] as string | undefined, headers: res.headers, body });
        ws.terminate();
      });
    });
    ws.on('open', () => resolve({ kind: 'open', ws }));
    ws.on('error', (err) => reject(err));
  });
}

/** Valid handshake headers for a worker identity. */
export function goodHeaders(id: Partial<PeerIdentity> = {}, secret = SECRET, nowMs = Date.now()): Record<string, string> {
  return clientAuthHeaders(normalizeSecret(secret), { workerId: 'raw-w', topology: TOPOLOGY, epoch: 1, ...id }, nowMs);
}

/** Opens an authenticated raw ws connection (throws if refused). */
export async function rawAuthed(url: string, id: Partial<PeerIdentity> = {}): Promise<WebSocket> {
  const r = await rawConnect(url, goodHeaders(id));
  if (r.kind !== 'open') throw new Error(`refused: ${r.status} ${r.reason}`);
  r.ws.on('error', () => {});
  return r.ws;
}

/** Resolves with the close code/reason of a ws. */
export function closed(ws: WebSocket, timeoutMs = 5000): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    if (ws.readyState === WebSocket.CLOSED) {
      resolve({ code: -1, reason: 'already closed' });
      return;
    }
    const timer = setTimeout(() => reject(new Error('socket did not close')), timeoutMs);
    ws.once('close', (code: number, reason: Buffer) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString() });
    });
  });
}

/** Snapshot of Object.prototype's own keys, to prove it was not polluted. */
export function prototypeKeys(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}
