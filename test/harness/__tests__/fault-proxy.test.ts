// The chaos suite's TCP fault proxy on real sockets (port 0): it forwards both ways, keeps order
// under delay, swaps chunks when reordering, discards while blackholed, and resets connections.
import net from 'node:net';
import { FaultProxy } from '../fault-proxy.js';
import { waitFor } from '../wait.js';

/** An echo server; `received` collects what reached it. */
async function echoServer(): Promise<{ server: net.Server; port: number; received: Buffer[]; sockets: net.Socket[] }> {
  const received: Buffer[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.on('data', (d) => {
      received.push(d);
      s.write(d);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as net.AddressInfo).port, received, sockets };
}

async function dial(port: number): Promise<{ socket: net.Socket; got: () => string; closed: Promise<void> }> {
  let text = '';
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.on('error', () => {});
  socket.on('data', (d) => (text += d.toString('utf8')));
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, got: () => text, closed };
}

describe('FaultProxy', () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let proxy: FaultProxy;

  beforeEach(async () => {
    echo = await echoServer();
    proxy = await FaultProxy.start({ host: '127.0.0.1', port: echo.port });
  });

  afterEach(async () => {
    await proxy.close();
    for (const s of echo.sockets) s.destroy();
    await new Promise<void>((r) => echo.server.close(() => r()));
  });

  it('forwards both ways, and keeps the order of delayed chunks', async () => {
    const c = await dial(proxy.port);
    c.socket.write('a');
    await waitFor(() => c.got() === 'a', { what: 'the echo' });
    proxy.set({ delayMs: 100, jitterMs: 50 });
    const sentAt = Date.now();
    for (const ch of 'bcdef') {
      c.socket.write(ch);
      await waitFor(() => echo.received.length > 0 && proxy.stats.chunks >= 2, { what: 'a chunk through' });
    }
    await waitFor(() => c.got() === 'abcdef', { what: 'all echoes in order', timeoutMs: 5000 });
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(190); // 100 ms each way at least
    expect(proxy.stats.delayed).toBeGreaterThan(0);
    c.socket.destroy();
  });

  it('swaps chunks when reordering, discards while blackholed, and resets on dropAll', async () => {
    const c = await dial(proxy.port);
    proxy.set({ reorder: true });
    c.socket.write('1');
    await waitFor(() => proxy.stats.chunks === 1, { what: 'the first chunk held' });
    c.socket.write('2');
    await waitFor(() => echo.received.map(String).join('').length >= 2, { what: 'two chunks through' });
    expect(echo.received.map(String).join('')).toBe('21');
    proxy.set({ blackhole: true });
    c.socket.write('x');
    await waitFor(() => proxy.stats.blackholed > 0, { what: 'a discarded chunk' });
    proxy.set({});
    expect(proxy.dropAll()).toBe(1);
    await c.closed;
    expect(echo.received.map(String).join('')).toBe('21');
  });

  it('cuts a connection half-way through a chunk', async () => {
    const c = await dial(proxy.port);
    proxy.cutMidChunk();
    c.socket.write('abcdefgh');
    await c.closed;
    await waitFor(() => echo.received.length > 0, { what: 'the half chunk' });
    expect(Buffer.concat(echo.received).toString()).toBe('abcd');
    expect(proxy.stats.cut).toBe(1);
  });
});
