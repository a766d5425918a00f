import { GaleError, TopologyError, type GaleErrorOptions, type TopologyContext } from '@gale/runtime';

/** A sink could not write its output file. Code `GALE_ERR_FILE_WRITE`. */
export class FileWriteError extends GaleError {
  /** The output path as given to the bolt. */
  readonly path: string;
  constructor(path: string, message: string, options: GaleErrorOptions = {}) {
    super('GALE_ERR_FILE_WRITE', message, options);
    this.path = path;
  }
}

// Sinks that own one output file would overwrite each other's results with several tasks.
export function assertSingleTask(context: TopologyContext, kind: string): void {
  const tasks = context.componentTasks(context.thisComponentId).length;
  if (tasks > 1) {
    throw new TopologyError(
      'GALE_ERR_SINGLE_TASK_ONLY',
      `${kind} "${context.thisComponentId}" has ${tasks} tasks but must run as exactly one (parallelism 1, numTasks 1, subscribe with globalGrouping): every task would write the same file`,
    );
  }
}

export function badOption(message: string): TopologyError {
  return new TopologyError('GALE_ERR_BAD_OPTION', message);
}

export function isPromiseLike<T>(v: unknown): v is PromiseLike<T> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
