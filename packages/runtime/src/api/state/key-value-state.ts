import type { StateSnapshot } from './state-store.js';

/**
 * The state of one stateful bolt task: a typed key-value map, checkpointed by the topology's
 * checkpoint coordinator (docs/state.md). Changes become durable at the next commit; after a
 * failure the state goes back to the last commit. Keys and values must survive `JSON.stringify`
 * (strings, numbers, booleans, null, arrays and plain objects); keys are compared by their JSON.
 */
export interface KeyValueState<K, V> extends Iterable<[K, V]> {
  get(key: K): V | undefined;
  /** The value of `key`, or `defaultValue` when it has none. */
  get(key: K, defaultValue: V): V;
  put(key: K, value: V): void;
  /** True if the key had a value. */
  delete(key: K): boolean;
  has(key: K): boolean;
  readonly size: number;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
}

interface Entry<K, V> {
  readonly key: K;
  value: V;
  /** The key's JSON, as snapshots store it: taken at put for keys that are not their own Map key, else at the first snapshot. */
  json: string | undefined;
}

/**
 * The one KeyValueState implementation, snapshotted at PREPARE. Keys are compared by their JSON,
 * but a string or finite-number key is its own Map key (no JSON per get/put, a tenth of a
 * stateful word count's CPU); see {@link mapKey}.
 */
export class InMemoryKeyValueState<K, V> implements KeyValueState<K, V> {
  private map = new Map<string | number, Entry<K, V>>();

  get(key: K): V | undefined;
  get(key: K, defaultValue: V): V;
  get(key: K, defaultValue?: V): V | undefined {
    const e = this.map.get(mapKey(key));
    return e === undefined ? defaultValue : e.value;
  }
  put(key: K, value: V): void {
    if (value === undefined) throw new TypeError('KeyValueState.put: value must not be undefined (use delete)');
    const k = mapKey(key);
    const e = this.map.get(k);
    // An object key's JSON is taken now (it is in its Map key): the caller may change the object later.
    if (e === undefined) this.map.set(k, { key, value, json: typeof k === 'string' && k.charCodeAt(0) === 0 ? k.slice(1) : undefined });
    else e.value = value;
  }
  delete(key: K): boolean {
    return this.map.delete(mapKey(key));
  }
  has(key: K): boolean {
    return this.map.has(mapKey(key));
  }
  get size(): number {
    return this.map.size;
  }
  *entries(): IterableIterator<[K, V]> {
    for (const e of this.map.values()) yield [e.key, e.value];
  }
  *keys(): IterableIterator<K> {
    for (const e of this.map.values()) yield e.key;
  }
  *values(): IterableIterator<V> {
    for (const e of this.map.values()) yield e.value;
  }
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /** @internal The entries as a store keeps them: `[key JSON, value]`. */
  snapshotEntries(): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const e of this.map.values()) out.push([e.json ??= JSON.stringify(e.key), e.value]);
    return out;
  }

  /** @internal Replaces the contents in place (the bolt keeps its reference across rollbacks). */
  restore(snapshot: StateSnapshot): void {
    const m = new Map<string | number, Entry<K, V>>();
    for (const [json, v] of snapshot.entries) {
      const key = JSON.parse(json) as K;
      m.set(mapKey(key), { key, value: v as V, json });
    }
    this.map = m;
  }
}

/**
 * The Map key of a state key: two keys are the same exactly when their JSON is. A string not
 * starting with U+0000 and a finite number are their own key (a Map tells 1 from "1"; -0 and 0
 * are one key, as their JSON is); anything else is U+0000 followed by its JSON, which no string
 * key kept as itself can equal (a string that starts with U+0000 takes this form too).
 * Non-finite numbers become `null`, as in JSON.
 */
function mapKey(key: unknown): string | number {
  if (typeof key === 'string') return key.charCodeAt(0) === 0 ? `\u0000${JSON.stringify(key)}` : key;
  if (typeof key === 'number' && Number.isFinite(key)) return key;
  const k = JSON.stringify(key);
  if (k === undefined) throw new TypeError(`KeyValueState: key ${String(key)} cannot be serialized as JSON`);
  return `\u0000${k}`;
}
