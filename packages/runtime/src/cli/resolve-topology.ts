import type { Topology } from '../api/builder.js';
import { parseTopologyConfig, type TopologyConfig } from '../config/topology-config.js';
import { isGaleError } from '../errors.js';
import type { Logger } from '../log.js';
import { loadTopologyModule } from './load-topology.js';
import { CliParamSet, SET_ORIGIN, checkUnusedParams, type SetFlags } from './set-flags.js';
import { topologyFromExports } from './topology-export.js';

export interface ResolvedTopologyFile {
  readonly topology: Topology;
  /** The topology's config with the `--set` overrides, validated. */
  readonly config: TopologyConfig;
  /** The `--set` parameters (all of them read by the topology function). */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Loads a topology file the way `gale local` does: compile and import it, build the topology
 * from its default export with the `--set` parameters, reject parameters it never read, and
 * resolve the config. Every mistake is a usage, topology or config error (exit code 2).
 */
export async function resolveTopologyFile(
  file: string, set: SetFlags, opts: { cwd: string; runtimeDir: string; log: Logger },
): Promise<ResolvedTopologyFile> {
  const loaded = await loadTopologyModule({ file, cwd: opts.cwd, runtimeDir: opts.runtimeDir, log: opts.log });
  const params = new CliParamSet(set.params);
  let resolved: Awaited<ReturnType<typeof topologyFromExports>>;
  try {
    resolved = await topologyFromExports(loaded.exports, file, params);
  } catch (err) {
    // `--set inptu=x` makes the function fail on the missing "input": the typo is the news.
    if (isGaleError(err) && err.code === 'GALE_ERR_MISSING_PARAM') checkUnusedParams(params, file, true);
    throw err;
  }
  checkUnusedParams(params, file, resolved.fromFunction);
  const config = parseTopologyConfig(set.config, resolved.topology.config, SET_ORIGIN);
  return { topology: resolved.topology, config, params: { ...set.params } };
}
