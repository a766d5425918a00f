import { ConfigError } from '../errors.js';
import { didYouMean } from './did-you-mean.js';

/**
 * Storm's dotted config names (`topology.message.timeout.secs`) in a gale topology config.
 *
 * Teams moving from Storm bring configs full of them. The ones gale has an equivalent for are
 * mapped to the gale key (with unit conversion) and a one-time notice says so; the ones gale
 * knows but has no use for are passed through with a notice saying they have no effect; every
 * other dotted key is passed through to the components untouched (Storm hands its whole conf
 * map to `open`/`prepare`), in `context.config.componentConfig`.
 */

/** A value a component may read from `componentConfig`: anything JSON can carry. */
export type ConfigJson = string | number | boolean | null | readonly ConfigJson[] | { readonly [key: string]: ConfigJson };

/** A Storm key gale maps onto one of its own keys. */
interface MappedStormKey {
  readonly gale: 'workers' | 'ackers' | 'messageTimeoutMs' | 'maxSpoutPending' | 'tickFrequencySecs' | 'spoutWaitMs' | 'queueCapacity';
  /** Storm value → gale value (unit conversion); values it cannot convert are returned as they are, for the range check. */
  readonly convert: (v: unknown) => unknown;
  readonly note: string;
}

const same = (v: unknown): unknown => v;
const secsToMs = (v: unknown): unknown => (typeof v === 'number' ? Math.round(v * 1000) : v);

/** Storm keys with a gale equivalent. docs/migrating-from-storm.md has the same table. */
export const STORM_CONFIG_MAPPINGS: Readonly<Record<string, MappedStormKey>> = Object.freeze({
  'topology.workers': { gale: 'workers', convert: same, note: 'workers' },
  'topology.acker.executors': { gale: 'ackers', convert: same, note: 'ackers' },
  'topology.message.timeout.secs': { gale: 'messageTimeoutMs', convert: secsToMs, note: 'messageTimeoutMs (seconds × 1000)' },
  'topology.max.spout.pending': { gale: 'maxSpoutPending', convert: same, note: 'maxSpoutPending' },
  'topology.tick.tuple.freq.secs': { gale: 'tickFrequencySecs', convert: same, note: 'tickFrequencySecs' },
  'topology.sleep.spout.wait.strategy.time.ms': { gale: 'spoutWaitMs', convert: same, note: 'spoutWaitMs' },
  'topology.executor.receive.buffer.size': { gale: 'queueCapacity', convert: same, note: 'queueCapacity' },
});

/** Storm keys gale recognises but that change nothing in gale (they still reach the components). */
export const STORM_CONFIG_NO_EFFECT: Readonly<Record<string, string>> = Object.freeze({
  'topology.debug': 'gale has no per-topology debug switch; use --log-level debug',
  'topology.backpressure.enable': 'gale always applies backpressure (bounded queues)',
  'topology.max.task.parallelism': 'gale does not cap parallelism',
  'topology.multilang.serializer': 'gale speaks JSON multilang only',
  'topology.fall.back.on.java.serialization': 'gale serialises tuples with msgpack',
  'topology.kryo.register': 'gale serialises tuples with msgpack',
  'topology.worker.childopts': 'workers are Node processes',
  'topology.stats.sample.rate': 'gale counts every tuple',
  'topology.eventlogger.executors': 'gale has no event logger',
});

/** `topology.enable.message.timeouts: false` maps to the longest timeout a Node timer honours. */
const DISABLE_TIMEOUTS_KEY = 'topology.enable.message.timeouts';
const LONGEST_TIMEOUT_MS = 2 ** 31 - 1;

/** A Storm-style key: lower-case words joined by dots (`my.app.setting`, `topology.debug`). */
export function isDottedKey(key: string): boolean {
  return key.includes('.');
}

/** The result of splitting a raw config: gale keys (Storm names converted) and pass-through keys. */
export interface SplitConfig {
  /** Gale keys, including the ones mapped from Storm names; values not yet range-checked. */
  readonly gale: Record<string, unknown>;
  /** Which Storm key each mapped gale key came from, for error messages. */
  readonly origin: Record<string, string>;
  /** Dotted keys passed through to the components. */
  readonly passThrough: Record<string, unknown>;
}

type NoticeListener = (notice: string) => void;
const listeners = new Set<NoticeListener>();
const noticed = new Set<string>();

/**
 * Subscribes to the one-time notices about Storm config names (each distinct notice is sent once
 * per process, to the listeners present then). Returns the unsubscribe. Listener errors are ignored.
 */
export function onConfigNotice(listener: NoticeListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notice(text: string): void {
  if (noticed.has(text) || listeners.size === 0) return;
  noticed.add(text);
  for (const l of listeners) {
    try {
      l(text);
    } catch {
      // A notice is advice; a failing listener must not fail the config.
    }
  }
}

/**
 * Splits dotted keys off a raw config object (own, enumerable keys; `undefined` values skipped).
 * A gale key and the Storm key mapped onto it with different values is a ConfigError.
 */
export function splitStormKeys(raw: Readonly<Record<string, unknown>>, where = ''): SplitConfig {
  const gale: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  const passThrough: Record<string, unknown> = {};
  const set = (galeKey: string, value: unknown, stormKey: string | undefined): void => {
    const prev = origin[galeKey] ?? (Object.prototype.hasOwnProperty.call(gale, galeKey) ? galeKey : undefined);
    if (prev !== undefined && prev !== (stormKey ?? galeKey) && gale[galeKey] !== value) {
      throw new ConfigError('GALE_ERR_CONFIG_CONFLICT',
        `config${where} sets both "${prev}" and "${stormKey ?? galeKey}" (gale's "${galeKey}") to different values; keep one`);
    }
    gale[galeKey] = value;
    if (stormKey !== undefined) origin[galeKey] = stormKey;
  };
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (!isDottedKey(key)) {
      set(key, value, undefined);
      continue;
    }
    const mapped = STORM_CONFIG_MAPPINGS[key];
    if (mapped !== undefined) {
      set(mapped.gale, mapped.convert(value), key);
      notice(`config key "${key}" is Storm's name for "${mapped.note}"; using it`);
    } else if (key === DISABLE_TIMEOUTS_KEY) {
      if (value === false) {
        set('messageTimeoutMs', LONGEST_TIMEOUT_MS, key);
        notice(`config key "${key}: false" maps to messageTimeoutMs ${LONGEST_TIMEOUT_MS} (about 24.8 days, the longest gale timer)`);
      }
    } else if (STORM_CONFIG_NO_EFFECT[key] !== undefined) {
      passThrough[key] = value;
      notice(`config key "${key}" has no effect in gale (${STORM_CONFIG_NO_EFFECT[key]}); passed through to the components`);
    } else {
      passThrough[key] = value;
      if (key.startsWith('topology.')) {
        const hint = didYouMean(key, [...Object.keys(STORM_CONFIG_MAPPINGS), DISABLE_TIMEOUTS_KEY]);
        if (hint !== '') notice(`config key "${key}" is not one gale maps; passed through to the components${hint}`);
      }
    }
  }
  return { gale, origin, passThrough };
}

/** Checks that a pass-through value is plain JSON (it crosses processes and ZooKeeper). */
export function isConfigJson(v: unknown, depth = 0): v is ConfigJson {
  if (depth > 32) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isConfigJson(x, depth + 1));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.values(v as object).every((x) => isConfigJson(x, depth + 1));
  }
  return false;
}

/**
 * Text of a `-c key=value` for a pass-through key, typed as Storm's `-c` does (the value is
 * read as JSON when it parses, else kept as text): `3` → 3, `true` → true, `[1,2]` → [1, 2].
 */
export function coercePassThroughString(text: string): ConfigJson {
  try {
    const v = JSON.parse(text) as unknown;
    if (isConfigJson(v)) return v;
  } catch {
    // Not JSON: plain text, as Storm keeps it.
  }
  return text;
}
