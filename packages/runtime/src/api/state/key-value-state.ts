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

/** The one KeyValueState implementation: a Map keyed by the key's JSON, snapshotted at PREPARE. */
export class InMemoryKeyValueState<K, V> implements KeyValueState<K, V> {
  private map = new Map<string, [K, V]>();

  get(key: K): V | undefined;
  get(key: K, defaultValue: V): V;
  get(key: K, defaultValue?: V): V | undefined {
    const e = this.map.get(keyOf(key));
    return e === undefined ? defaultValue : e[1];
  }
  put(key: K, value: V): void {
    if (value === undefined) throw new TypeError('KeyValueState.put: value must not be undefined (use delete)');
    const k = keyOf(key);
    this.map.set(k, [key, value]);
  }
  delete(key: K): boolean {
    return this.map.delete(keyOf(key));
  }
  has(key: K): boolean {
    return this.map.has(keyOf(key));
  }
  get size(): number {
    return this.map.size;
  }
  *entries(): IterableIterator<[K, V]> {
    for (const [k, v] of this.map.values()) yield [k, v];
  }
  *keys(): IterableIterator<K> {
    for (const e of this.map.values()) yield e[0];
  }
  *values(): IterableIterator<V> {
    for (const e of this.map.values()) yield e[1];
  }
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /** @internal The entries as a store keeps them: `[key JSON, value]`. */
  snapshotEntries(): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const [k, e] of this.map) out.push([k, e[1]]);
    return out;
  }

  /** @internal Replaces the contents in place (the bolt keeps its reference across rollbacks). */
  restore(snapshot: StateSnapshot): void {
    const m = new Map<string, [K, V]>();
    for (const [k, v] of snapshot.entries) m.set(k, [JSON.parse(k) as K, v as V]);
    this.map = m;
  }
}

function keyOf(key: unknown): string {
  const k = JSON.stringify(key);
  if (k === undefined) throw new TypeError(`KeyValueState: key ${String(key)} cannot be serialized as JSON`);
  return k;
}
