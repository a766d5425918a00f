import type { Logger, LevelWithSilent } from 'pino';

// A pino logger that is only made when something is logged at an enabled level (or the logger is
// used in any other way): until then it answers `level`, `levelVal`, `isLevelEnabled`, disabled
// log calls and `child()` itself. pino and what it requires of Node (`worker_threads`, `assert`,
// `stream`) were ~7% of `gale local`'s start-up, and a local run at the CLI's default level logs
// nothing (issue 9).

/** pino's numeric levels (its defaults; gale defines no custom levels). */
const LEVEL_VALUES: Readonly<Record<LevelWithSilent, number>> = {
  trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity,
};

function isKnownLevel(v: unknown): v is LevelWithSilent {
  return typeof v === 'string' && Object.prototype.hasOwnProperty.call(LEVEL_VALUES, v);
}

const noop = (): void => {};

interface LazyState {
  real: Logger | undefined;
  level: LevelWithSilent;
  /** Makes the real logger at `level` (a root pino, or the real parent's child). */
  readonly make: (level: LevelWithSilent) => Logger;
  /** Bound methods of `real`, reused while the property still holds the same function. */
  readonly bound: Map<PropertyKey, { fn: (...a: unknown[]) => unknown; bound: (...a: unknown[]) => unknown }>;
  /** Functions assigned from outside (a test's spy): read back as they were given. */
  readonly assigned: WeakSet<object>;
}

function realOf(s: LazyState): Logger {
  if (s.real === undefined) s.real = s.make(s.level);
  return s.real;
}

/** Until `s.real` exists: the answer for `prop`, or `undefined` when the real logger is needed. */
function lazyGet(s: LazyState, prop: PropertyKey): { value: unknown } | undefined {
  switch (prop) {
    case 'level': return { value: s.level };
    case 'levelVal': return { value: LEVEL_VALUES[s.level] };
    case 'isLevelEnabled': return { value: (l: string) => isKnownLevel(l) && l !== 'silent' && LEVEL_VALUES[l] >= LEVEL_VALUES[s.level] };
    case 'child': return { value: (bindings: unknown, options?: unknown) => lazyChild(s, bindings, options) };
    case 'trace': case 'debug': case 'info': case 'warn': case 'error': case 'fatal':
      return LEVEL_VALUES[prop] < LEVEL_VALUES[s.level] ? { value: noop } : undefined;
    default: return undefined;
  }
}

/** A child made before its parent is real: it keeps the level the parent has now, like pino's. */
function lazyChild(parent: LazyState, bindings: unknown, options: unknown): Logger {
  // Anything but plain bindings (pino's own checks and errors, child options): the real thing.
  if (options !== undefined || typeof bindings !== 'object' || bindings === null) {
    return realOf(parent).child(bindings as Record<string, unknown>, options as undefined);
  }
  return lazyLogger((level) => {
    const child = realOf(parent).child(bindings as Record<string, unknown>);
    if (child.level !== level) child.level = level;
    return child;
  }, parent.level);
}

/**
 * A logger that behaves as the one `make(level)` returns, calling `make` only on first real use.
 * Once made, every property, method and assignment is the real logger's (its methods bound to
 * it, so that pino's children are made from the real logger, not from the proxy).
 */
export function lazyLogger(make: (level: LevelWithSilent) => Logger, level: LevelWithSilent): Logger {
  const s: LazyState = { real: undefined, level, make, bound: new Map(), assigned: new WeakSet() };
  return new Proxy({} as Logger, {
    get(_t, prop) {
      if (s.real === undefined) {
        const lazy = lazyGet(s, prop);
        if (lazy !== undefined) return lazy.value;
      }
      const real = realOf(s);
      const v: unknown = Reflect.get(real, prop, real);
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => unknown;
      if (s.assigned.has(fn)) return fn;
      const hit = s.bound.get(prop);
      if (hit !== undefined && hit.fn === fn) return hit.bound;
      const bound = fn.bind(real);
      s.bound.set(prop, { fn, bound });
      return bound;
    },
    set(_t, prop, value) {
      // An unknown level goes to pino, which throws its own error for it.
      if (s.real === undefined && prop === 'level' && isKnownLevel(value)) {
        s.level = value;
        return true;
      }
      if (typeof value === 'function') s.assigned.add(value as object);
      const real = realOf(s);
      return Reflect.set(real, prop, value, real);
    },
    has: (_t, prop) => Reflect.has(realOf(s), prop),
    deleteProperty: (_t, prop) => Reflect.deleteProperty(realOf(s), prop),
    ownKeys: () => Reflect.ownKeys(realOf(s)),
    getOwnPropertyDescriptor(_t, prop) {
      const d = Reflect.getOwnPropertyDescriptor(realOf(s), prop);
      // The proxy's target has none of these: a proxy may only report them as configurable.
      return d === undefined ? undefined : { ...d, configurable: true };
    },
    defineProperty: (_t, prop, d) => Reflect.defineProperty(realOf(s), prop, d),
    getPrototypeOf: () => Reflect.getPrototypeOf(realOf(s)),
  });
}
