import type { Topology } from '../api/builder.js';
import { withSubmitOverrides } from '../api/submit-overrides.js';
import { missingParamsError } from '../api/params.js';
import { parseTopologyConfig, type TopologyConfig } from '../config/topology-config.js';
import { isGaleError } from '../errors.js';
import type { Logger } from '../log.js';
import { compileCacheDir } from './compile-cache.js';
import { checkTopologyFile, loadTopologyModule } from './load-topology.js';
import { CliParamSet, SET_ORIGIN, checkUnusedParams, type SetFlags } from './set-flags.js';
import { topologyFromExports } from './topology-export.js';
import { isYamlFile, yamlEntry, type YamlEntry } from './yaml-entry.js';

export interface ResolvedTopologyFile {
  readonly topology: Topology;
  /** The topology's config with the `--set` and `-c` overrides, validated. */
  readonly config: TopologyConfig;
  /** The `--set` parameters (all of them read by the topology function or YAML file). */
  readonly params: Readonly<Record<string, string>>;
  /** For a YAML file: the generated entry module (`gale deploy` bundles it). */
  readonly entry: YamlEntry | undefined;
}

export interface TopologyFileOptions {
  readonly cwd: string;
  readonly runtimeDir: string;
  readonly log: Logger;
  /** Environment for `${VAR}` in YAML files. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * Loads a topology file the way `gale local` does. A `.ts`/`.js` file is compiled and imported
 * and its default export built with the `--set` parameters; a `.yaml` file is validated with
 * `${...}` substituted, then its generated entry module is compiled and imported. Parameters
 * nobody read are rejected. Every mistake is a usage, topology or config error (exit code 2).
 */
export async function loadTopologyFile(file: string, set: SetFlags, opts: TopologyFileOptions): Promise<{ topology: Topology; entry: YamlEntry | undefined }> {
  // build() checks the window limits against the config the run will have (submit-overrides.ts).
  return withSubmitOverrides({ config: set.config, origin: ', from --set' }, () => loadWithOverrides(file, set, opts));
}

async function loadWithOverrides(file: string, set: SetFlags, opts: TopologyFileOptions): Promise<{ topology: Topology; entry: YamlEntry | undefined }> {
  const params = new CliParamSet(set.params);
  const base = { file, cwd: opts.cwd, runtimeDir: opts.runtimeDir, log: opts.log };
  if (isYamlFile(file)) {
    const abs = checkTopologyFile(base);
    const entry = await yamlEntry(file, abs, params, opts.env);
    checkUnusedParams(params, file, true);
    const loaded = await loadTopologyModule({ ...base, entry });
    const { topology } = await topologyFromExports(loaded.exports, file, params);
    return { topology, entry };
  }
  const loaded = await loadTopologyModule({ ...base, cacheDir: compileCacheDir(opts.env) });
  opts.log.debug({ path: loaded.path }, 'topology module loaded');
  let resolved: Awaited<ReturnType<typeof topologyFromExports>>;
  try {
    resolved = await topologyFromExports(loaded.exports, file, params);
  } catch (err) {
    // A missing parameter read as a stand-in may be what made the function throw: the missing
    // parameters are the news (all of them); before them, `--set inptu=x`, a typo of one.
    if (params.missingParams().length > 0 || (isGaleError(err) && err.code === 'GALE_ERR_MISSING_PARAM')) {
      checkUnusedParams(params, file, true, true);
      if (params.missingParams().length > 0) throw missingParamsError(params.missingParams());
    }
    throw err;
  }
  checkUnusedParams(params, file, resolved.fromFunction);
  if (params.missingParams().length > 0) throw missingParamsError(params.missingParams());
  return { topology: resolved.topology, entry: undefined };
}

/** {@link loadTopologyFile}, then the config with the overrides resolved (what `gale deploy` records). */
export async function resolveTopologyFile(file: string, set: SetFlags, opts: TopologyFileOptions): Promise<ResolvedTopologyFile> {
  const { topology, entry } = await loadTopologyFile(file, set, opts);
  const config = parseTopologyConfig(set.config, topology.config, SET_ORIGIN);
  return { topology, config, params: { ...set.params }, entry };
}
