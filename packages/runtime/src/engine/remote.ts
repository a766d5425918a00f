import type { TupleImpl } from './tuple.js';

/**
 * How an engine that runs only some executors (a cluster worker) reaches the others. The
 * worker implements it over the transport; the local cluster does not need it.
 */
export interface RemoteLink {
  /**
   * Sends a tuple to a task in another worker. For a data tuple, returns false when that peer
   * cannot take more now (backpressure): the engine keeps the tuple in the sender's outbox and
   * retries after `Engine.wake`, which the link calls when the peer drains. A control tuple
   * (`tuple.stream.control`, acker traffic) must always be taken (queued per peer if need be).
   */
  sendTuple(targetTask: number, tuple: TupleImpl): boolean;
  /**
   * A run of the engine ended (it yields to I/O now): what the link batched for peers in it should
   * go out now, not after a flush timer. Nothing else that run's tuples wait for would come before
   * the next I/O; a run that filled its batches has sent them already.
   */
  endOfRun?(): void;
}

/** Which executors run in this engine; the rest are reached through the link. */
export interface Placement {
  isLocal(component: string, executorIndex: number): boolean;
  link: RemoteLink;
  /** Executors per component when a rebalance changed them (default: the topology's parallelism). */
  parallelism?: Readonly<Record<string, number>>;
}
