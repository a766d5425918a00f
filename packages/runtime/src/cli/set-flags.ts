import { ParamSet } from '../api/params.js';
import { didYouMean } from '../config/did-you-mean.js';
import {
  TOPOLOGY_CONFIG_DEFAULTS, TOPOLOGY_CONFIG_KEYS, coerceConfigString, isTopologyConfigKey, parseTopologyConfig, type TopologyConfig,
} from '../config/topology-config.js';
import { CliUsageError, helpHint } from './usage-error.js';

/** `--set` entries split into config overrides (typed, validated) and topology parameters (text). */
export interface SetFlags {
  readonly config: Partial<TopologyConfig>;
  readonly params: Readonly<Record<string, string>>;
}

/** Where `--set` config values come from, for error messages. */
export const SET_ORIGIN = ' (from --set)';

/**
 * Splits `key=value` entries (first `=` separates; the last of a repeated key wins). Keys that
 * are config keys are coerced and range-checked now (ConfigError naming the key); the rest are
 * parameters for the topology function. `command` names the command in the hint line.
 */
export function parseSetFlags(entries: readonly string[], command = 'local'): SetFlags {
  // No prototype: a key such as "__proto__" is just a key.
  const config = Object.create(null) as Record<string, unknown>;
  const params = Object.create(null) as Record<string, string>;
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq < 0) {
      throw new CliUsageError('GALE_ERR_BAD_SET', `--set ${JSON.stringify(entry)} is not key=value`, helpHint(command));
    }
    const key = entry.slice(0, eq).trim();
    const value = entry.slice(eq + 1);
    if (key.length === 0) {
      throw new CliUsageError('GALE_ERR_BAD_SET', `--set ${JSON.stringify(entry)} has an empty key; use key=value`, helpHint(command));
    }
    if (isTopologyConfigKey(key)) config[key] = coerceConfigString(key, value);
    else params[key] = value;
  }
  // Range checks now, before the topology file is even compiled.
  parseTopologyConfig(config, TOPOLOGY_CONFIG_DEFAULTS, SET_ORIGIN);
  return { config: { ...config } as Partial<TopologyConfig>, params };
}

/** The {@link ParamSet} handed to a topology function (it records the keys asked for). */
export class CliParamSet extends ParamSet {}

/**
 * Fails on the first `--set` parameter the topology never read.
 * @param exportsFunction false when the file's default export is a ready topology (it reads no parameters)
 */
export function checkUnusedParams(params: CliParamSet, file: string, exportsFunction: boolean): void {
  const unused = params.unconsumed();
  if (unused.length === 0) return;
  const key = unused[0]!;
  const candidates = [...Object.keys(TOPOLOGY_CONFIG_KEYS), ...params.requested()];
  const others = unused.length > 1 ? ` (also unknown: ${unused.slice(1).map((k) => `"${k}"`).join(', ')})` : '';
  throw new CliUsageError(
    'GALE_ERR_UNKNOWN_SET_KEY',
    `unknown --set key "${key}"${didYouMean(key, candidates)}${others}`,
    exportsFunction
      ? `parameters read by ${file}: ${params.requested().join(', ') || 'none'}; config keys: ${Object.keys(TOPOLOGY_CONFIG_KEYS).join(', ')}`
      : `${file} exports a topology, not a function of params, so only config keys can be set: ${Object.keys(TOPOLOGY_CONFIG_KEYS).join(', ')}`,
  );
}
