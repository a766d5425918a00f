/** A component instance (copied per task, like Storm serializes it), a factory, or a class with a no-arg constructor. */
export type ComponentSource<T> = T | (() => T) | (new () => T);

function isClass(f: unknown): f is new () => unknown {
  return typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));
}

/** Deep copy keeping prototypes; functions are shared. Mirrors Storm's per-task deserialization. */
export function cloneComponent<T>(value: T, seen = new Map<unknown, unknown>()): T {
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return seen.get(value) as T;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const v of value) out.push(cloneComponent(v, seen));
    return out as T;
  }
  if (value instanceof Map) {
    const out = new Map();
    seen.set(value, out);
    for (const [k, v] of value) out.set(cloneComponent(k, seen), cloneComponent(v, seen));
    return out as T;
  }
  if (value instanceof Set) {
    const out = new Set();
    seen.set(value, out);
    for (const v of value) out.add(cloneComponent(v, seen));
    return out as T;
  }
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value instanceof RegExp) return new RegExp(value.source, value.flags) as T;
  if (ArrayBuffer.isView(value)) return (value as unknown as { slice(): T }).slice();
  if (value instanceof Promise || value instanceof WeakMap || value instanceof WeakSet) return value;
  const out = Object.create(Object.getPrototypeOf(value) as object) as Record<string | symbol, unknown>;
  seen.set(value, out);
  for (const key of Reflect.ownKeys(value)) {
    const desc = Object.getOwnPropertyDescriptor(value, key)!;
    if ('value' in desc) desc.value = cloneComponent<unknown>(desc.value, seen);
    Object.defineProperty(out, key, desc);
  }
  return out as T;
}

/** The per-task factory of a component source: instances are deep-copied, factories called, classes constructed. */
export function factoryOf<T>(source: ComponentSource<T>): () => T {
  if (isClass(source)) return () => new source();
  if (typeof source === 'function') return source as () => T;
  return () => cloneComponent(source);
}

