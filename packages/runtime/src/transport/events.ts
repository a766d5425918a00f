import type { Logger } from '../log.js';

/** Returned by `on()`: call it to remove the listener (idempotent). */
export type Unsubscribe = () => void;

type Listener<T> = (event: T) => void;

/**
 * A small typed event table (STYLE rule 9). `E` maps event names to payload types.
 * Listener errors are caught and logged: they never reach the transport or the code that emitted.
 */
export class TypedEmitter<E extends object> {
  private readonly listeners = new Map<keyof E, Listener<never>[]>();

  /** @param log where listener errors are reported (warn). */
  constructor(private readonly emitterLog: Logger) {}

  /** Subscribes `listener` to `event`; returns its unsubscribe function. */
  on<K extends keyof E>(event: K, listener: Listener<E[K]>): Unsubscribe {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as Listener<never>);
    this.listeners.set(event, list);
    return () => {
      const cur = this.listeners.get(event);
      if (cur === undefined) return;
      const i = cur.indexOf(listener as Listener<never>);
      // copy-on-write so an emit in progress keeps iterating the list it started with
      if (i >= 0) this.listeners.set(event, [...cur.slice(0, i), ...cur.slice(i + 1)]);
    };
  }

  /** Like {@link on}, but the listener runs at most once. */
  once<K extends keyof E>(event: K, listener: Listener<E[K]>): Unsubscribe {
    const off = this.on(event, (ev) => {
      off();
      listener(ev);
    });
    return off;
  }

  /** Number of listeners currently subscribed to `event`. */
  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  protected emit<K extends keyof E>(event: K, payload: E[K]): void {
    const list = this.listeners.get(event);
    if (list === undefined) return;
    for (const fn of list) {
      try {
        (fn as Listener<E[K]>)(payload);
      } catch (err) {
        this.emitterLog.warn({ event: String(event), err }, 'event listener threw');
      }
    }
  }

  protected removeAllListeners(): void {
    this.listeners.clear();
  }
}
