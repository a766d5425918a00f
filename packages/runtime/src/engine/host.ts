import type { TopologyConfig } from '../config/topology-config.js';
import type { EngineLog, Clock, Scheduler } from './ports.js';
import type { IdSource } from './ids.js';
import type { Transfer } from './transfer.js';

/** Sees every emit on a user stream (testing capture); keep it cheap. */
export type EmitListener = (component: string, streamId: string, values: readonly unknown[], sourceTask: number) => void;

/**
 * What executors and their tasks may use of the engine that runs them. Executors depend on this
 * narrow interface, never on the Engine class, so the pipeline reads one way:
 * engine → executors → tasks (collectors) → router → transfer.
 */
export interface ExecutorHost {
  /** The resolved topology config. */
  readonly config: TopologyConfig;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Uniform in [0, 1): the injected randomness (jitter), reproducible in tests. */
  readonly random: () => number;
  readonly log: EngineLog;
  readonly ids: IdSource;
  readonly transfer: Transfer;
  readonly onEmit: EmitListener | undefined;
  /** Some acker tasks exist: spout emits with a message id start tracked trees. */
  readonly tracking: boolean;
  /** Timeout rotation counter; pending spout trees are stamped with it. */
  readonly epoch: number;
  /** The current run has used its ackSliceMs while trees are pending (EngineOptions.ackSliceMs): a spout turn ends early. */
  sliceOver(): boolean;
  /** Schedules a run of the executor loop (idempotent). */
  wake(): void;
  reportError(component: string, task: number, err: unknown): void;
  /** A process-local id for trees completed at once (no ackers). */
  nextLocalRoot(): number;
}
