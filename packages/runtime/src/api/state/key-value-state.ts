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

/**
 * The one KeyValueState implementation, snapshotted at PREPARE. Keys are compared by their JSON,
 * but a string or finite-number key is its own Map key (no JSON per get/put, a tenth of a
 * stateful word count's CPU); see {@link mapKey}. The Map holds the values themselves, as a
 * plain count in a Map would: a get is one lookup and a put one `set`, with no entry object to
 * follow (an entry per key cost a second lookup per put and a load per get, ~20% of a get + put
 * in a micro-benchmark). The few keys that are not their own Map key keep the key itself aside.
 */
export class InMemoryKeyValueState<K, V> implements KeyValueState<K, V> {
  private map = new Map<string | number, V>();
  /** For each Map key in the JSON form (U+0000 + JSON): the key as given, for iteration. */
  private readonly objectKeys = new Map<string, K>();

  get(key: K): V | undefined;
  get(key: K, defaultValue: V): V;
  get(key: K, defaultValue?: V): V | undefined {
    const v = this.map.get(mapKey(key));
    return v === undefined ? defaultValue : v;
  }
  put(key: K, value: V): void {
    if (value === undefined) throw new TypeError('KeyValueState.put: value must not be undefined (use delete)');
    const k = mapKey(key);
    // An object key's JSON is taken now (it is its Map key): the caller may change the object later.
    if (typeof k === 'string' && k.charCodeAt(0) === 0 && !this.objectKeys.has(k)) this.objectKeys.set(k, key);
    this.map.set(k, value);
  }
  delete(key: K): boolean {
    const k = mapKey(key);
    if (typeof k === 'string' && k.charCodeAt(0) === 0) this.objectKeys.delete(k);
    return this.map.delete(k);
  }
  has(key: K): boolean {
    return this.map.has(mapKey(key));
  }
  get size(): number {
    return this.map.size;
  }
  *entries(): IterableIterator<[K, V]> {
    for (const [k, v] of this.map) yield [this.keyOf(k), v];
  }
  *keys(): IterableIterator<K> {
    for (const k of this.map.keys()) yield this.keyOf(k);
  }
  *values(): IterableIterator<V> {
    yield* this.map.values();
  }
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  private keyOf(k: string | number): K {
    return typeof k === 'string' && k.charCodeAt(0) === 0 ? this.objectKeys.get(k)! : k as K;
  }

  /** @internal The entries as a store keeps them: `[key JSON, value]`. */
  snapshotEntries(): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const [k, v] of this.map) {
      out.push([typeof k === 'number' ? String(k) : k.charCodeAt(0) === 0 ? k.slice(1) : JSON.stringify(k), v]);
    }
    return out;
  }

  /** @internal Replaces the contents in place (the bolt keeps its reference across rollbacks). */
  restore(snapshot: StateSnapshot): void {
    const m = new Map<string | number, V>();
    this.objectKeys.clear();
    for (const [json, v] of snapshot.entries) {
      const key = JSON.parse(json) as K;
      const k = mapKey(key);
      if (typeof k === 'string' && k.charCodeAt(0) === 0) this.objectKeys.set(k, key);
      m.set(k, v as V);
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
