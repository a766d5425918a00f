// A userspace TCP fault proxy for one machine (the kernel here has no netem): a net.Server on a
// free loopback port that forwards every connection to a target host:port and, on demand, drops
// connections (RST), delays chunks, holds and reorders chunks, loses chunks on a connection it
// keeps open, blackholes traffic, or cuts a connection in the middle of a chunk. Chunks are what
// one socket 'data' event delivered, so faults land at arbitrary byte offsets (mid-frame).
import net from 'node:net';

/** What the proxy does to bytes now; change it with {@link FaultProxy.set}. Default: pass through. */
export interface Faults {
  /** Extra delay per chunk (ms), order kept within a direction. */
  delayMs?: number;
  /** Random extra delay 0..jitterMs per chunk (order still kept). */
  jitterMs?: number;
  /** Hold every other chunk and send it after the next one (bytes of a TCP stream swapped). */
  reorder?: boolean;
  /** Probability of silently discarding a chunk while keeping the connection open. */
  lossRate?: number;
  /** Discard everything, keep connections open (a silent partition). */
  blackhole?: boolean;
}

export interface FaultProxyStats {
  connections: number;
  chunks: number;
  bytes: number;
  delayed: number;
  reordered: number;
  lost: number;
  blackholed: number;
  dropped: number;
  cut: number;
}

interface Pipe {
  client: net.Socket;
  server: net.Socket;
  /** Per direction: the tail of the delay chain (keeps chunk order) and a held chunk (reorder). */
  dirs: Map<net.Socket, { tail: Promise<void>; lastDue: number; held: Buffer | undefined }>;
}

export class FaultProxy {
  private faults: Faults = {};
  private readonly pipes = new Set<Pipe>();
  private closed = false;
  private cutNext = 0;
  readonly stats: FaultProxyStats = { connections: 0, chunks: 0, bytes: 0, delayed: 0, reordered: 0, lost: 0, blackholed: 0, dropped: 0, cut: 0 };

  private constructor(private readonly server: net.Server, readonly port: number, readonly target: { host: string; port: number }) {}

  /** Listens on 127.0.0.1 (port 0 unless given) and forwards to `target`. */
  static async start(target: { host: string; port: number }, port = 0): Promise<FaultProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const proxy = new FaultProxy(server, (server.address() as net.AddressInfo).port, target);
    server.on('connection', (s) => proxy.accept(s));
    return proxy;
  }

  /** Replaces the current faults ({} = pass through). Held chunks are flushed when reorder goes off. */
  set(faults: Faults): void {
    this.faults = { ...faults };
    if (faults.reorder !== true) {
      for (const p of this.pipes) {
        for (const [from, d] of p.dirs) {
          if (d.held !== undefined) {
            const held = d.held;
            d.held = undefined;
            this.enqueue(p, from, held);
          }
        }
      }
    }
  }

  /** Open connections now. */
  get open(): number {
    return this.pipes.size;
  }

  /** Resets (RST) every open connection; returns how many. */
  dropAll(): number {
    const n = this.pipes.size;
    for (const p of [...this.pipes]) this.destroy(p);
    this.stats.dropped += n;
    return n;
  }

  /** The next `count` chunks are forwarded only half-way, then their connection is reset. */
  cutMidChunk(count = 1): void {
    this.cutNext += count;
  }

  private accept(client: net.Socket): void {
    if (this.closed) {
      client.destroy();
      return;
    }
    this.stats.connections++;
    const server = net.connect(this.target.port, this.target.host);
    const p: Pipe = { client, server, dirs: new Map([[client, { tail: Promise.resolve(), lastDue: 0, held: undefined }], [server, { tail: Promise.resolve(), lastDue: 0, held: undefined }]]) };
    this.pipes.add(p);
    client.setNoDelay(true);
    server.setNoDelay(true);
    for (const s of [client, server]) {
      s.on('data', (chunk: Buffer) => this.onChunk(p, s, chunk));
      s.on('error', () => this.destroy(p));
      s.on('close', () => this.destroy(p));
    }
  }

  private onChunk(p: Pipe, from: net.Socket, chunk: Buffer): void {
    this.stats.chunks++;
    this.stats.bytes += chunk.length;
    const f = this.faults;
    if (f.blackhole === true) {
      this.stats.blackholed++;
      return;
    }
    if ((f.lossRate ?? 0) > 0 && Math.random() < f.lossRate!) {
      this.stats.lost++;
      return;
    }
    if (this.cutNext > 0 && chunk.length > 1) {
      this.cutNext--;
      this.stats.cut++;
      const to = from === p.client ? p.server : p.client;
      to.write(chunk.subarray(0, Math.floor(chunk.length / 2)), () => this.destroy(p));
      return;
    }
    const d = p.dirs.get(from)!;
    if (f.reorder === true) {
      if (d.held === undefined) {
        d.held = chunk;
        return;
      }
      const held = d.held;
      d.held = undefined;
      this.stats.reordered++;
      this.enqueue(p, from, chunk);
      this.enqueue(p, from, held);
      return;
    }
    this.enqueue(p, from, chunk);
  }

  private enqueue(p: Pipe, from: net.Socket, chunk: Buffer): void {
    const to = from === p.client ? p.server : p.client;
    const d = p.dirs.get(from)!;
    const delay = (this.faults.delayMs ?? 0) + Math.random() * (this.faults.jitterMs ?? 0);
    // Latency, not a slow link: each chunk leaves `delay` after it arrived, never before an
    // earlier chunk of its direction (due times only grow, and the chain keeps the order).
    const due = Math.max(Date.now() + delay, d.lastDue);
    d.lastDue = due;
    if (delay > 0) this.stats.delayed++;
    d.tail = d.tail.then(() => new Promise<void>((resolve) => {
      const send = (): void => {
        if (!to.destroyed) to.write(chunk);
        resolve();
      };
      const wait = due - Date.now();
      if (wait <= 0) send();
      else setTimeout(send, wait);
    }));
  }

  private destroy(p: Pipe): void {
    if (!this.pipes.delete(p)) return;
    p.client.resetAndDestroy();
    p.server.resetAndDestroy();
  }

  /** Stops listening and resets every connection. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.pipes]) this.destroy(p);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
