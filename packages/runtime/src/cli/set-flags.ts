import { ParamSet } from '../api/params.js';
import { didYouMean } from '../config/did-you-mean.js';
import {
  STORM_CONFIG_MAPPINGS, coercePassThroughString, isDottedKey, splitStormKeys,
} from '../config/storm-config.js';
import {
  TOPOLOGY_CONFIG_DEFAULTS, TOPOLOGY_CONFIG_KEYS, coerceConfigString, isTopologyConfigKey, parseTopologyConfig, type TopologyConfig,
  type TopologyConfigKey,
} from '../config/topology-config.js';
import { ConfigError } from '../errors.js';
import { CliUsageError, helpHint } from './usage-error.js';

/** `--set` entries split into config overrides (typed, validated) and topology parameters (text). */
export interface SetFlags {
  readonly config: Partial<TopologyConfig>;
  readonly params: Readonly<Record<string, string>>;
}

/** Where `--set` config values come from, for error messages. */
export const SET_ORIGIN = ' (from --set)';
/** Where `-c` config values come from, for error messages. */
export const CONF_ORIGIN = ' (from -c)';

/**
 * Splits `key=value` entries (first `=` separates; the last of a repeated key wins). Keys that
 * are config keys are coerced and range-checked now (ConfigError naming the key); the rest are
 * parameters for the topology function. `command` names the command in the hint line.
 */
export function parseSetFlags(entries: readonly string[], command = 'local', confEntries: readonly string[] = []): SetFlags {
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
  const conf = parseConfFlags(confEntries, command);
  // `-c` is the more specific flag: it wins over a --set of the same key. Pass-through keys merge.
  const merged = { ...config, ...conf } as Partial<TopologyConfig>;
  return { config: merged, params };
}

/**
 * `-c key=value` entries (as `storm jar ... -c`): gale keys are typed like `--set`, Storm's
 * dotted names are converted to the gale key, other dotted keys pass through to the components
 * (their value read as JSON when it parses). Anything else is a usage error with did-you-mean.
 */
export function parseConfFlags(entries: readonly string[], command = 'local'): Partial<TopologyConfig> {
  const raw = Object.create(null) as Record<string, unknown>;
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? '' : entry.slice(0, eq).trim();
    if (key.length === 0) {
      throw new CliUsageError('GALE_ERR_BAD_CONF', `-c ${JSON.stringify(entry)} is not key=value`, helpHint(command));
    }
    const text = entry.slice(eq + 1);
    const mapped = STORM_CONFIG_MAPPINGS[key];
    if (isTopologyConfigKey(key)) raw[key] = coerceConf(key, key, text);
    else if (mapped !== undefined) raw[key] = coerceConf(key, mapped.gale, text);
    else if (key === 'topology.enable.message.timeouts') raw[key] = coerceBoolean(key, text);
    else if (isDottedKey(key)) raw[key] = coercePassThroughString(text);
    else {
      const known = [...Object.keys(TOPOLOGY_CONFIG_KEYS), ...Object.keys(STORM_CONFIG_MAPPINGS)];
      throw new CliUsageError(
        'GALE_ERR_UNKNOWN_CONF_KEY',
        `unknown -c key "${key}"${didYouMean(key, known)}`,
        `-c takes a gale config key (${Object.keys(TOPOLOGY_CONFIG_KEYS).join(', ')}) or a dotted Storm-style key`,
      );
    }
  }
  parseTopologyConfig(raw, TOPOLOGY_CONFIG_DEFAULTS, CONF_ORIGIN);
  const split = splitStormKeys(raw, CONF_ORIGIN);
  const out = { ...split.gale } as Record<string, unknown>;
  if (Object.keys(split.passThrough).length > 0) out.componentConfig = split.passThrough;
  return out as Partial<TopologyConfig>;
}

/**
 * The {@link ParamSet} handed to a topology function by the CLI. A required parameter that is
 * not given reads as a stand-in value (1, false, a string) instead of throwing, so the function
 * reads on and one run names every missing parameter; the loader then fails with
 * {@link missingParamsError} whatever the function did with the stand-ins. The string stand-in
 * starts with a NUL byte, which every file call (`mkdirSync`, `open`) and URL parser refuses: a
 * function that prepares a directory or connects from a parameter fails at once instead of acting
 * on a made-up `./<key>` or host.
 */
export class CliParamSet extends ParamSet {
  protected override onMissing(key: string, kind: string): string {
    return kind === 'number' ? '1' : kind === 'string' ? `${STAND_IN_PREFIX}${key}` : 'false';
  }
}

/** The string stand-in's prefix (see {@link CliParamSet}). */
const STAND_IN_PREFIX = '\u0000unset --set ';

/**
 * Fails on the first `--set` parameter the topology never read.
 * @param exportsFunction false when the file's default export is a ready topology (it reads no parameters)
 * @param stopped true when the topology function threw (its list of parameters read may end early)
 */
export function checkUnusedParams(params: CliParamSet, file: string, exportsFunction: boolean, stopped = false): void {
  const unused = params.unconsumed();
  if (unused.length === 0) return;
  const key = unused[0]!;
  const candidates = [...Object.keys(TOPOLOGY_CONFIG_KEYS), ...params.requested()];
  const others = unused.length > 1 ? ` (also unknown: ${unused.slice(1).map((k) => `"${k}"`).join(', ')})` : '';
  throw new CliUsageError(
    'GALE_ERR_UNKNOWN_SET_KEY',
    `unknown --set key "${key}"${didYouMean(key, candidates)}${others}`,
    exportsFunction
      ? `${readList(params, file, stopped)}; config keys: ${Object.keys(TOPOLOGY_CONFIG_KEYS).join(', ')}`
      : `${file} exports a topology, not a function of params, so only config keys can be set: ${Object.keys(TOPOLOGY_CONFIG_KEYS).join(', ')}`,
  );
}

/**
 * The parameters the topology function read, and those of them not given. When it threw, the
 * list may end there: say so, or the user takes it for every parameter the file has.
 */
function readList(params: CliParamSet, file: string, stopped: boolean): string {
  const read = params.requested().join(', ') || 'none';
  const missing = params.missingParams().map((m) => m.key);
  const notSet = missing.length === 0 ? '' : ` (not set: ${missing.join(', ')})`;
  if (!stopped) return `parameters read by ${file}: ${read}${notSet}`;
  return `parameters read by ${file} before it stopped: ${read}${notSet} (set ${missing.length === 0 ? 'them' : missing.map((k) => `"${k}"`).join(', ')} to see the rest)`;
}

/** `coerceConfigString` with the message naming `-c` and the key as typed. */
function coerceConf(typed: string, key: TopologyConfigKey, text: string): unknown {
  try {
    return coerceConfigString(key, text);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const must = err.message.slice(err.message.indexOf(' must be '));
    throw new ConfigError(err.code, `-c ${typed}=${text}: "${typed}"${typed === key ? '' : ` (gale's "${key}")`}${must}`);
  }
}

function coerceBoolean(key: string, text: string): boolean {
  if (text === 'true' || text === 'false') return text === 'true';
  throw new ConfigError('GALE_ERR_CONFIG_VALUE', `-c ${key}=${text}: "${key}" must be true or false`);
}
