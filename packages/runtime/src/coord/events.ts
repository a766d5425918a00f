import type { Logger } from '../log.js';

/**
 * A small typed event table (STYLE.md rule 9): `on()` returns the unsubscribe function, and a
 * listener that throws is logged, never propagated into the emitter (ZooKeeper callbacks, elections).
 */
export class TypedEvents<E extends { [K in keyof E]: unknown }> {
  private readonly listeners = new Map<keyof E, Set<(event: never) => void>>();

  constructor(private readonly log: Logger) {}

  on<K extends keyof E>(name: K, listener: (event: E[K]) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    const fn = listener as (event: never) => void;
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  }

  emit<K extends keyof E>(name: K, event: E[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as (event: E[K]) => void)(event);
      } catch (err) {
        this.log.error({ err, event: String(name) }, 'event listener threw');
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
