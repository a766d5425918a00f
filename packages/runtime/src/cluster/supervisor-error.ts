import { createServer } from 'node:net';
import { GaleError } from '../errors.js';

/** A supervisor cannot start or run (port in use or claimed, duplicate id). */
export class SupervisorError extends GaleError {}

/** Fails fast with GALE_ERR_PORT_IN_USE if a slot port cannot be bound. */
export async function checkPortFree(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const s = createServer();
    s.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE'
        ? new SupervisorError('GALE_ERR_PORT_IN_USE', `port ${port} on ${host} is already in use; choose other --ports`)
        : err);
    });
    s.listen(port, host, () => s.close(() => resolve()));
  });
}
