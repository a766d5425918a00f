/**
 * One library call on one session as a promise, with the deadline the library lacks: rejects with
 * retriable GALE_ERR_ZK_TIMEOUT after `timeoutMs` (the operation may still be applied), and is
 * registered on the session so an expiry or close rejects it instead of leaving it hanging.
 */
import type zookeeper from 'node-zookeeper-client';
import { ZkError, toZkError } from './zk-errors.js';
import { isServerAnswer } from './zk-lib.js';
import type { Session } from './zk-session.js';

/** Runs one library call; `cb` takes the library's error (or null) and the converted value. */
export type LibCall<T> = (inner: zookeeper.Client, cb: (err: unknown, value: T | undefined) => void) => void;

export function callOnSession<T>(session: Session, op: string, path: string, timeoutMs: number, run: LibCall<T>): Promise<T> {
  if (session.status === 'dead') {
    return Promise.reject(new ZkError('GALE_ERR_ZK_SESSION_EXPIRED', `${op} ${path}: ZooKeeper session expired; a new session is being created`, { path, retriable: true }));
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (err: ZkError | undefined, value?: T): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.pending.delete(abort);
      if (err) reject(err);
      else resolve(value as T);
    };
    const abort = (err: ZkError): void => finish(err);
    const timer = setTimeout(() => finish(new ZkError(
      'GALE_ERR_ZK_TIMEOUT',
      `${op} ${path}: no answer from ZooKeeper within ${timeoutMs} ms (it may still be applied)`,
      { path, retriable: true },
    )), timeoutMs);
    session.pending.add(abort);
    try {
      run(session.inner, (err, value) => {
        if (isServerAnswer(err)) session.lastHeardAt = performance.now();
        finish(err ? toZkError(err, op, path) : undefined, value);
      });
    } catch (err) {
      finish(toZkError(err, op, path));
    }
  });
}
