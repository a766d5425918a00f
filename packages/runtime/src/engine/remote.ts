import type { TupleImpl } from './tuple.js';

/** Acker message kinds on the wire and between workers. */
export const ACKER_INIT = 0;
export const ACKER_ACK = 1;
export const ACKER_FAIL = 2;
export const ACKER_TOUCH = 3;

/** Spout notification kinds (tree outcomes and timeout resets) on the wire. */
export const NOTIFY_ACKED = 1;
export const NOTIFY_FAILED = 2;
export const NOTIFY_TOUCH = 4;

/**
 * How an engine that runs only some executors (a cluster worker) reaches the others. The
 * worker implements it over the transport; the local cluster does not need it.
 */
export interface RemoteLink {
  /**
   * Sends a tuple to a task in another worker. Returns false when that peer cannot take more
   * now (backpressure): the engine keeps the tuple in the sender's outbox and retries after
   * {@link Engine.wake}, which the link calls when the peer drains.
   */
  sendTuple(targetTask: number, tuple: TupleImpl): boolean;
  /** Acker traffic; never refused (bounded by the trees in flight). */
  sendAcker(ackerTask: number, kind: number, root: number, hi: number, lo: number, spoutTask: number): void;
  /** Tree outcome for a spout task in another worker. */
  sendSpoutNotify(spoutTask: number, kind: number, root: number): void;
}

/** Which executors run in this engine; the rest are reached through the link. */
export interface Placement {
  isLocal(component: string, executorIndex: number): boolean;
  link: RemoteLink;
  /** Executors per component when a rebalance changed them (default: the topology's parallelism). */
  parallelism?: Readonly<Record<string, number>>;
}
