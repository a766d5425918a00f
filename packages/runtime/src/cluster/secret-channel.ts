/*
 * How a worker gets the cluster secret: over the IPC channel its supervisor forked it with, never
 * in its environment or argv, which the same OS user (and root) can read in /proc/<pid>/environ
 * and /proc/<pid>/cmdline for as long as the process lives. The worker asks when it is listening
 * (a message sent before the child has a listener would be lost), the supervisor answers once.
 */
import { WorkerError } from './bundle-loader.js';

interface SecretRequest {
  type: 'gale.secret.request';
}

interface SecretMessage {
  type: 'gale.secret';
  secret: string;
}

/** The supervisor's end: a forked child (`ChildProcess`) or a test double. */
export interface SecretChild {
  send(message: SecretMessage, callback: (err: Error | null) => void): boolean;
  on(event: 'message', listener: (m: unknown) => void): unknown;
  off(event: 'message', listener: (m: unknown) => void): unknown;
  once(event: 'exit', listener: () => void): unknown;
}

/** The worker's end: `process` of a forked child, or a test double. */
export interface SecretParent {
  send?: ((message: SecretRequest, sendHandle: undefined, options: undefined, callback: (err: Error | null) => void) => boolean) | undefined;
  readonly connected?: boolean;
  on(event: 'message', listener: (m: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  off(event: 'message', listener: (m: unknown) => void): unknown;
  off(event: 'disconnect', listener: () => void): unknown;
}

/** How long a worker waits for the secret after asking before it gives up. */
export const SECRET_WAIT_MS = 10_000;

/** Supervisor side: answers the child's first request with `secret`, then stops listening. */
export function offerSecret(child: SecretChild, secret: string): void {
  const onMessage = (m: unknown): void => {
    if ((m as Partial<SecretRequest> | null)?.type !== 'gale.secret.request') return;
    off();
    // With a callback a closed channel is reported there, not as an 'error' event that would
    // crash the supervisor: the child is gone, and its exit is handled by its slot.
    child.send({ type: 'gale.secret', secret }, () => {});
  };
  const off = (): void => void child.off('message', onMessage);
  child.on('message', onMessage);
  child.once('exit', off);
}

/**
 * Worker side: asks the supervisor for the secret and resolves with it. Rejects with a
 * `WorkerError` `GALE_ERR_WORKER_NO_SECRET` when there is no IPC channel, the channel closes, the
 * answer is not a non-empty string, or none comes within `timeoutMs`. Keeps no reference to the
 * message once it has the string.
 */
export function receiveSecret(parent: SecretParent, timeoutMs = SECRET_WAIT_MS): Promise<string> {
  const refuse = (why: string): WorkerError =>
    new WorkerError('GALE_ERR_WORKER_NO_SECRET', `no cluster secret from the supervisor (${why}); workers are started by \`gale supervisor\`, which sends it over IPC`);
  if (parent.send === undefined || parent.connected === false) return Promise.reject(refuse('no IPC channel'));
  const send = parent.send.bind(parent);
  return new Promise((resolve, reject) => {
    const done = (settle: () => void): void => {
      clearTimeout(timer);
      parent.off('message', onMessage);
      parent.off('disconnect', onDisconnect);
      settle();
    };
    const onMessage = (m: unknown): void => {
      if ((m as Partial<SecretMessage> | null)?.type !== 'gale.secret') return;
      const secret = (m as Partial<SecretMessage>).secret;
      if (typeof secret === 'string' && secret !== '') done(() => resolve(secret));
      else done(() => reject(refuse('the supervisor sent an empty secret')));
    };
    const onDisconnect = (): void => done(() => reject(refuse('the IPC channel closed')));
    const timer = setTimeout(() => done(() => reject(refuse(`none within ${timeoutMs} ms`))), timeoutMs);
    parent.on('message', onMessage);
    parent.on('disconnect', onDisconnect);
    send({ type: 'gale.secret.request' }, undefined, undefined, (err) => {
      if (err !== null) done(() => reject(refuse(`cannot ask: ${err.message}`)));
    });
  });
}
