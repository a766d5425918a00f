import { StderrTail } from './stderr-tail.js';

/**
 * How a worker's death reads in `gale status` and `gale deploy` (`errors/<topology>/__worker`):
 * who, how (exit code or signal, and why the supervisor killed it if it did), when it restarts,
 * and its last stderr lines — where Node prints an uncaught exception's stack before exiting.
 */
export interface WorkerExit {
  supervisor: string;
  port: number;
  code: number | null;
  signal: string | null;
  /** Why the supervisor ended it itself (e.g. `heartbeat missing`). */
  cause?: { message: string };
  restartInMs: number;
  stderr: readonly string[];
  /**
   * How long its next launch records what it executes after a death without an exit handler
   * (engine/crash-journal.ts watchWindowMs of its topology's config; 0: crashWatchMs is 0, it
   * records nothing); undefined when the topology's record could not be read.
   */
  watchMs?: number;
}

/** What a death without an exit handler (a signal) means for a poison tuple that caused it. */
function signalNote(watchMs: number | undefined): string {
  if (watchMs === undefined) return ' (no exit handler ran)';
  if (watchMs === 0) return ' (no exit handler ran; crashWatchMs is 0, so its next launch records nothing: a tuple that killed it this way is not charged)';
  return ` (no exit handler ran; its next launch records what it executes for ${watchMs} ms)`;
}

export function exitMessage(e: WorkerExit): string {
  const how = e.signal !== null ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
  // A signal death runs no 'exit' handler: nothing was charged for it (engine/crash-journal.ts).
  const why = (e.cause !== undefined ? ` (${e.cause.message})` : '') + (e.signal !== null ? signalNote(e.watchMs) : '');
  const head = `worker ${e.supervisor}:${e.port} ${how}${why}; restarting in ${e.restartInMs} ms`;
  return e.stderr.length === 0 ? `${head}; it wrote nothing to stderr` : `${head}; last stderr lines:\n${e.stderr.join('\n')}`;
}

/** The part of a forked worker whose stderr is captured. */
interface PipedChild {
  readonly stderr: NodeJS.ReadableStream | null;
}

/**
 * Per slot port, the stderr tail of the last worker forked there; turns a `worker.crashed` of a
 * worker that ran into the message recorded for it (after its stderr has been read to the end).
 */
export class WorkerExits {
  private readonly tails = new Map<number, { tail: StderrTail; ended: Promise<void> }>();

  constructor(private readonly supervisor: string, private readonly echo: (chunk: string) => void) {}

  /** Reads the worker's stderr: to `echo` (the supervisor's own stderr) and into the port's tail. */
  attach(port: number, child: PipedChild): void {
    const tail = new StderrTail();
    const ended = new Promise<void>((resolve) => {
      const err = child.stderr;
      if (err === null) return resolve();
      err.setEncoding('utf8');
      err.on('data', (d: string) => {
        tail.push(d);
        this.echo(d);
      });
      err.once('close', () => resolve());
      err.once('error', () => resolve());
    });
    this.tails.set(port, { tail, ended });
  }

  /**
   * The message for a worker that died (exit code or signal), once its stderr ended (at most 1 s
   * after: the exit can come before the pipe has given up everything the worker wrote).
   */
  async message(e: Omit<WorkerExit, 'supervisor' | 'stderr'>): Promise<string> {
    const t = this.tails.get(e.port);
    if (t !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([t.ended, new Promise<void>((r) => (timer = setTimeout(r, 1000)))]);
      clearTimeout(timer);
    }
    return exitMessage({ ...e, supervisor: this.supervisor, stderr: t?.tail.lines() ?? [] });
  }
}
