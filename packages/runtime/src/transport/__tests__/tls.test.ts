// Worker transport over TLS (wss), with certificates made by deploy/make-certs.sh (real openssl):
// tuples arrive over wss, a server certificate of another CA is refused by the client, a client
// certificate of another CA is refused by a mutual-TLS server, and plaintext is refused by a TLS server.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FrameType } from '../frame-codec.js';
import { PeerClient, type PeerClientOptions } from '../peer-client.js';
import type { PeerServer, PeerServerEvents } from '../peer-server.js';
import { loadTls, type TlsMaterial } from '../tls.js';
import { nextEvent, recordingServer, SECRET, TOPOLOGY, waitFor } from './helpers.js';

const SCRIPT = path.resolve(__dirname, '..', '..', '..', '..', '..', 'deploy', 'make-certs.sh');
let dir: string;
let good: TlsMaterial;
let goodMutual: TlsMaterial;
let stranger: TlsMaterial;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gale-tls-'));
  execFileSync('bash', [SCRIPT, path.join(dir, 'cluster'), '127.0.0.1'], { stdio: 'ignore' });
  execFileSync('bash', [SCRIPT, path.join(dir, 'other'), '127.0.0.1'], { stdio: 'ignore' });
  const files = (ca: string) => ({ certFile: path.join(dir, ca, '127.0.0.1.pem'), keyFile: path.join(dir, ca, '127.0.0.1-key.pem'), caFile: path.join(dir, ca, 'ca.pem') });
  good = loadTls(files('cluster'));
  goodMutual = loadTls({ ...files('cluster'), mutual: true });
  stranger = loadTls(files('other'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function server(tls: TlsMaterial) {
  const s = await recordingServer({ tls });
  closers.push(() => s.server.close());
  const refused: Array<PeerServerEvents['peer.refused']> = [];
  s.server.on('peer.refused', (r) => refused.push(r));
  return { ...s, refused };
}

function client(srv: PeerServer, extra: Partial<PeerClientOptions> = {}): PeerClient {
  const c = new PeerClient({
    address: { host: '127.0.0.1', port: srv.port }, secret: SECRET, topology: TOPOLOGY, workerId: 'client-w', epoch: 1,
    backoff: { initialMs: 10, maxMs: 50 }, ...extra,
  });
  closers.push(() => c.close());
  return c;
}

describe('worker transport over TLS', () => {
  it('delivers tuples over wss between a server and a client of the cluster CA', async () => {
    const { server: srv, frames } = await server(good);
    expect(srv.url).toBe(`wss://127.0.0.1:${srv.port}/`);
    const c = client(srv, { tls: good });
    expect(c.address).toBe(`wss://127.0.0.1:${srv.port}/`);
    await nextEvent(c, 'open');
    for (let i = 0; i < 100; i++) expect(c.sendTuple(0, 1, 0, ['w', i], null)).toBe(true);
    const got = () => frames.flatMap(({ frame }) => (frame[0] === FrameType.TUPLES ? frame[1] : []));
    await waitFor(() => got().length === 100, '100 tuples over wss');
    expect(got().map((r) => r[3][1])).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('with mutual TLS, accepts a client certificate of the cluster CA', async () => {
    const { server: srv } = await server(goodMutual);
    const c = client(srv, { tls: goodMutual });
    await nextEvent(c, 'open');
    expect(srv.peers()).toHaveLength(1);
  });

  it('a client refuses a server whose certificate another CA signed, and never opens', async () => {
    const { server: srv } = await server(stranger);
    const c = client(srv, { tls: good });
    const failed = await nextEvent<{ error: Error }>(c, 'connect.error');
    expect(failed.error.message).toMatch(/certificate/i);
    expect(srv.peers()).toEqual([]);
  });

  it('a mutual-TLS server refuses a client certificate of another CA before any HTTP', async () => {
    const { server: srv, refused } = await server(goodMutual);
    const c = client(srv, { tls: { ...stranger, ca: good.ca } });
    await waitFor(() => refused.length > 0, 'a tls refusal');
    expect(refused[0]).toMatchObject({ reason: 'tls', status: 0 });
    expect(srv.stats().refused.tls).toBeGreaterThan(0);
    expect(srv.peers()).toEqual([]);
    expect(c.state).not.toBe('open');
  });

  it('a TLS server refuses a plaintext client', async () => {
    const { server: srv, refused } = await server(good);
    const c = client(srv); // ws://, no TLS
    await waitFor(() => refused.length > 0, 'a tls refusal');
    expect(refused[0]).toMatchObject({ reason: 'tls' });
    expect(srv.peers()).toEqual([]);
    expect(c.state).not.toBe('open');
  });

  it('a client with TLS will not dial a ws:// address', () => {
    expect(() => new PeerClient({
      address: 'ws://127.0.0.1:1/', secret: SECRET, topology: TOPOLOGY, workerId: 'w', epoch: 1, tls: good, autoConnect: false,
    })).toThrow(expect.objectContaining({ code: 'GALE_ERR_TRANSPORT_OPTION', message: 'peer address "ws://127.0.0.1:1/" must be wss:// when TLS is configured' }));
  });
});

describe('loadTls', () => {
  it('names a missing file and the flag it came from', () => {
    expect(() => loadTls({ certFile: path.join(dir, 'nope.pem'), keyFile: path.join(dir, 'cluster', '127.0.0.1-key.pem') }))
      .toThrow(expect.objectContaining({ code: 'GALE_ERR_TLS_FILE', message: `cannot read the TLS certificate --tls-cert "${path.join(dir, 'nope.pem')}": no such file` }));
  });

  it('says when the key belongs to another certificate', () => {
    const cert = path.join(dir, 'cluster', '127.0.0.1.pem');
    const key = path.join(dir, 'other', '127.0.0.1-key.pem');
    expect(() => loadTls({ certFile: cert, keyFile: key }))
      .toThrow(expect.objectContaining({ code: 'GALE_ERR_TLS_MATERIAL', message: `TLS: the key "${key}" does not belong to the certificate "${cert}"; deploy/make-certs.sh makes a matching set` }));
  });

  it('says when a file is not PEM', () => {
    const junk = path.join(dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    expect(() => loadTls({ certFile: junk, keyFile: junk })).toThrow(expect.objectContaining({ code: 'GALE_ERR_TLS_MATERIAL' }));
  });

  it('refuses mutual TLS without a CA', () => {
    expect(() => loadTls({ certFile: 'a', keyFile: 'b', mutual: true })).toThrow(expect.objectContaining({ code: 'GALE_ERR_TLS_MATERIAL' }));
  });
});
