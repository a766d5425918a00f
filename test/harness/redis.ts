/**
 * A real, throwaway `redis-server` (Debian package) for integration tests: free loopback port, temp
 * dir, no persistence unless asked (`appendonly: true` keeps data across {@link Daemon.restart}).
 */
import net from 'node:net';
import { startDaemon, type Daemon } from './daemon.js';

export interface RedisServer extends Daemon {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
}

export interface StartRedisOptions {
  /** AOF with fsync always: a SIGKILLed server restarts with every acknowledged write. */
  appendonly?: boolean;
  /** `requirepass`. */
  password?: string;
}

/** Sends PING (RESP) and resolves whether the answer was +PONG (or -NOAUTH: up, but protected). */
export function redisPing(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      reply += d.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
  });
}

export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisServer> {
  const d = await startDaemon({
    name: 'redis',
    pkg: { name: 'redis-server', marker: '/usr/bin/redis-server' },
    args: (port, dir) => [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', opts.appendonly ? 'yes' : 'no', '--appendfsync', 'always',
      ...(opts.password ? ['--requirepass', opts.password] : []),
    ],
    ready: (port) => redisPing(port),
    portInUse: (log) => /Address already in use/.test(log),
  });
  return Object.assign(Object.create(d) as Daemon, {
    get url() {
      return `redis://127.0.0.1:${d.port}`;
    },
  }) as RedisServer;
}
