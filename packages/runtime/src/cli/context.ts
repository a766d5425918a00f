import type { Logger } from '../log.js';

/** Signals that stop a running topology (a second one forces exit). */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Everything a command touches outside itself, so run() can wire it to the real process. */
export interface CliContext {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly cwd: string;
  /** Directory of the @gale/runtime package the CLI runs from (computed by bin/gale.js). */
  readonly runtimeDir: string;
  /** Version of that @gale/runtime package. */
  readonly version: string;
  /** Environment variables (`GALE_ZK`, `GALE_CLUSTER_SECRET`, ...). */
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
  /** Subscribes to SIGINT/SIGTERM; returns the unsubscribe. */
  onSignal(listener: (signal: StopSignal) => void): () => void;
  /** Ends the process now (second Ctrl-C). */
  forceExit(code: number): never;
}

/** Writes and waits until the stream accepted the text (so an exit right after loses nothing). */
export function writeText(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

/** One status line on stderr. Sync on files, pipes and TTYs on Linux; ordering is what matters. */
export function statusLine(ctx: Pick<CliContext, 'stderr'>, line: string): void {
  ctx.stderr.write(`${line}\n`);
}
