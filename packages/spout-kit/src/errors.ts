import { isAbsolute } from 'node:path';
import { GaleError, TopologyError, type GaleErrorOptions, type TopologyContext } from '@gale/runtime';

/** The input file of a spout does not exist. Code `GALE_ERR_FILE_NOT_FOUND`. */
export class FileNotFoundError extends GaleError {
  /** The path as given to the spout. */
  readonly path: string;
  constructor(path: string, options: GaleErrorOptions = {}) {
    super('GALE_ERR_FILE_NOT_FOUND', `input file not found: ${path}${notFoundHint(path)}`, options);
    this.path = path;
  }
}

/** Where a relative path was looked for, and the fix. */
function notFoundHint(path: string): string {
  const where = isAbsolute(path) ? '' : ` (looked for in ${process.cwd()}: a relative path is resolved from the directory gale runs in)`;
  return `${where}; give the spout the path of an existing file`;
}

/**
 * The input file exists but could not be opened or read (permissions, a directory, I/O error).
 * Code `GALE_ERR_FILE_READ`. Thrown by `open()`; reported while running when a read fails
 * (`retriable`; after 3 in a row at one position the spout gives up on the rest of the file),
 * when a failed line cannot be replayed because the file was truncated under it (the line is
 * dropped), and when a replay read fails (`retriable`, retried after a backoff; after 8 failed
 * reads of one line the spout gives up and drops the line). A give-up is reported non-retriable.
 */
export class FileReadError extends GaleError {
  /** The path as given to the spout. */
  readonly path: string;
  constructor(path: string, message: string, options: GaleErrorOptions = {}) {
    super('GALE_ERR_FILE_READ', message, options);
    this.path = path;
  }
}

// Spouts that own a single external cursor (a file offset) would emit everything once per
// task; refusing in open() beats silently doubling the output.
export function assertSingleTask(context: TopologyContext, kind: string): void {
  const tasks = context.componentTasks(context.thisComponentId).length;
  if (tasks > 1) {
    throw new TopologyError(
      'GALE_ERR_SINGLE_TASK_ONLY',
      `${kind} "${context.thisComponentId}" has ${tasks} tasks but must run as exactly one (parallelism 1, numTasks 1): each task would read the whole input`,
    );
  }
}
