import type { StopSignal } from './context.js';

/**
 * SIGINT and SIGTERM from the moment the `gale` process starts (bin/gale.js holds them before it
 * loads anything else) until a command takes them. Loading the CLI and a command's modules takes
 * ~0.1-0.3 s; without a listener, a signal then would kill the process with no summary (exit
 * 143), where the same signal a moment later stops `gale local` cleanly (exit 0, the summary, the
 * `--json` report). A held signal reaches the command that takes the signals as if it had come
 * then; one that no command takes is raised again once released, with Node's default action, so
 * commands that do not handle signals die of them as they always did.
 */
export interface HeldSignals {
  /**
   * Subscribes `listener` to SIGINT and SIGTERM (the `onSignal` of the CLI's context) and, the
   * first time, hands it the signals held so far, in order. Returns the unsubscribe.
   */
  take(listener: (signal: StopSignal) => void): () => void;
  /** Stops holding; a signal held and not taken is raised again (the process dies of it). Idempotent. */
  release(): void;
}

const SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM'];

/** Starts holding SIGINT and SIGTERM: call it first thing. */
export function holdSignals(): HeldSignals {
  const held: StopSignal[] = [];
  const holders = SIGNALS.map((signal) => [signal, (): void => void held.push(signal)] as const);
  for (const [signal, holder] of holders) process.on(signal, holder);
  let holding = true;
  const stopHolding = (): void => {
    if (!holding) return;
    holding = false;
    for (const [signal, holder] of holders) process.off(signal, holder);
  };
  return {
    take(listener) {
      // Subscribed before the holders go: no moment without a listener.
      const listeners = SIGNALS.map((signal) => [signal, (): void => listener(signal)] as const);
      for (const [signal, l] of listeners) process.on(signal, l);
      const early = holding ? held.splice(0) : [];
      stopHolding();
      for (const signal of early) listener(signal);
      return () => {
        for (const [signal, l] of listeners) process.off(signal, l);
      };
    },
    release() {
      const wasHolding = holding;
      stopHolding();
      const first = held.splice(0)[0];
      if (wasHolding && first !== undefined && process.listenerCount(first) === 0) process.kill(process.pid, first);
    },
  };
}
