/*
 * How a worker hands its metrics to its supervisor for `/metrics`: the heartbeat it publishes in
 * ZooKeeper, also sent over the IPC channel it was forked with (secret-channel.ts has the same
 * channel). The supervisor keeps the last one per slot; ZooKeeper stays the source for
 * `gale status` and the REST API (any supervisor shows the whole cluster), IPC feeds only the
 * supervisor's own scrape, so a Prometheus server scrapes each supervisor for its own workers.
 */
import { validateWorkerHeartbeat } from '../coord/index.js';
import type { WorkerHeartbeat } from './model.js';

interface MetricsMessage {
  type: 'gale.metrics';
  heartbeat: WorkerHeartbeat;
}

/** The worker's end: `process` of a forked child (or a test double). */
export interface MetricsParent {
  send?: ((message: MetricsMessage, sendHandle: undefined, options: undefined, callback: (err: Error | null) => void) => boolean) | undefined;
  readonly connected?: boolean;
}

/** Worker side, best effort: a closed or busy channel drops the report (the next one follows). */
export function sendMetrics(parent: MetricsParent, heartbeat: WorkerHeartbeat): void {
  if (parent.send === undefined || parent.connected === false) return;
  try {
    parent.send({ type: 'gale.metrics', heartbeat }, undefined, undefined, () => {});
  } catch {
    // the channel closed between the check and the send
  }
}

/**
 * Supervisor side: the heartbeat in `m` if it is a metrics message from the worker of `expected`
 * (validated as the heartbeat store validates znodes), else undefined.
 */
export function readMetrics(m: unknown, expected: { topology: string; supervisor: string; port: number }): WorkerHeartbeat | undefined {
  if ((m as Partial<MetricsMessage> | null)?.type !== 'gale.metrics') return undefined;
  try {
    return validateWorkerHeartbeat('ipc:gale.metrics', (m as MetricsMessage).heartbeat, expected);
  } catch {
    return undefined;
  }
}

/** The part of a forked `ChildProcess` the supervisor listens on. */
export interface MetricsChild {
  on(event: 'message', listener: (m: unknown) => void): unknown;
  once(event: 'exit', listener: () => void): unknown;
}

/** Supervisor side: the last metrics report of each live worker, by slot port. */
export class WorkerReports {
  private readonly last = new Map<number, WorkerHeartbeat>();

  /** Keeps what `child` (the worker of `expected`) reports until it exits. */
  track(child: MetricsChild, expected: { topology: string; supervisor: string; port: number }): void {
    child.on('message', (m) => {
      const hb = readMetrics(m, expected);
      if (hb !== undefined) this.last.set(expected.port, hb);
    });
    child.once('exit', () => {
      if (this.last.get(expected.port)?.topology === expected.topology) this.last.delete(expected.port);
    });
  }

  list(): WorkerHeartbeat[] {
    return [...this.last.values()];
  }
}
