/**
 * A real, throwaway `nats-server -js` (Debian package) for integration tests: JetStream on, its
 * store in a temp dir kept across {@link Daemon.restart}, on a free loopback port.
 */
import net from 'node:net';
import { startDaemon, type Daemon } from './daemon.js';

export interface NatsServer extends Daemon {
  /** `127.0.0.1:<port>`, as the NATS clients take it in `servers`. */
  readonly servers: string;
}

/** Connects and resolves whether the server greets with its INFO line. */
export function natsInfo(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('data', (d) => {
      reply += d.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('INFO '));
    });
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
  });
}

export async function startNats(): Promise<NatsServer> {
  const d = await startDaemon({
    name: 'nats',
    pkg: { name: 'nats-server', marker: '/usr/sbin/nats-server' },
    args: (port, dir) => ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir],
    ready: (port) => natsInfo(port),
    portInUse: (log) => /address already in use/i.test(log),
  });
  return Object.assign(Object.create(d) as Daemon, {
    get servers() {
      return `127.0.0.1:${d.port}`;
    },
  }) as NatsServer;
}
