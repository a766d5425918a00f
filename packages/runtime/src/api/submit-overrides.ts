import type { TopologyConfig } from '../config/topology-config.js';

/*
 * The config overrides the CLI will submit with (`--set` / `-c`), visible to build() while the
 * CLI runs the topology function, so build()'s checks that depend on config (the window's
 * messageTimeoutMs and pending bounds) judge the config the topology will run with: an override
 * can both break and fix them. On globalThis because the topology file may import its own
 * instance of this module (the CLI bundle and the runtime's dist are separate module graphs).
 */

/** Overrides and how error messages name where they came from. */
export interface SubmitOverrides {
  readonly config: Partial<TopologyConfig>;
  /** Appended to a key's value in messages, e.g. `, from --set`. */
  readonly origin: string;
}

const SLOT = Symbol.for('gale.submitOverrides');
type Slot = { [SLOT]?: SubmitOverrides };

/** Runs `fn` with `overrides` visible to build(); restores the previous value after it settles. */
export async function withSubmitOverrides<T>(overrides: SubmitOverrides, fn: () => Promise<T>): Promise<T> {
  const g = globalThis as Slot;
  const before = g[SLOT];
  g[SLOT] = overrides;
  try {
    return await fn();
  } finally {
    g[SLOT] = before;
  }
}

/** The overrides of the CLI run in progress, if any. */
export function submitOverrides(): SubmitOverrides | undefined {
  return (globalThis as Slot)[SLOT];
}
