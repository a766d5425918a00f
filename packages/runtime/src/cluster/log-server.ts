import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GaleError } from '../errors.js';
import { LogEndpoint, type LogEndpointOptions } from './log-endpoint.js';

/** The log endpoint could not listen (GALE_ERR_PORT_IN_USE: `--logs-port` taken). */
export class LogServerError extends GaleError {}

/**
 * The supervisor's small HTTP server for `gale logs` (log-endpoint.ts; every request signed with
 * the cluster secret). Port 0 takes a free port; the supervisor advertises it in ZooKeeper.
 */
export class LogServer {
  private closing: Promise<void> | undefined;

  private constructor(private readonly server: Server, private readonly endpoint: LogEndpoint) {}

  static async start(host: string, port: number, opts: LogEndpointOptions): Promise<LogServer> {
    const endpoint = new LogEndpoint(opts);
    const server = createServer((req, res) => {
      if (!endpoint.handle(req, res)) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(err.code === 'EADDRINUSE' ? new LogServerError('GALE_ERR_PORT_IN_USE', `--logs-port ${port} on ${host} is already in use; choose another`) : err);
      });
      server.listen(port, host, () => {
        server.removeAllListeners('error');
        resolve();
      });
    });
    return new LogServer(server, endpoint);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Ends follow streams and stops listening. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.endpoint.close();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }
}
