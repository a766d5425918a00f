import type { Fields } from '../fields.js';
import type { OutputCollector, Tuple, Values } from '../types.js';

/*
 * The tuples a window holds, kept as compact entries rather than Tuple objects: per entry its
 * values and its ack record (the engine's inline tree fields: root, edge, ack value, source task,
 * state) in one typed array. A window holds every tuple for its whole length, so every held
 * object survives the young generation and is copied by the GC; the ack record in a typed array
 * is never traced or copied. An entry gets a Tuple object (a view) only when the bolt asks for one
 * (`get()`, `getNew()`, `getExpired()`); from then on that object IS the entry (acks, fails and
 * anchors go through it) until the entry is released. Entries are numbered; a released number is
 * reused. The engine's bolt task reads and writes the records ({@link TupleHolder}); this file
 * knows only their layout.
 */

/** Int32 fields per entry in {@link HeldTuples.ints}. */
export const HELD_STRIDE = 8;
/** Field offsets within an entry's record. */
export const HELD_ROOT_HI = 0;
export const HELD_ROOT_LO = 1;
export const HELD_EDGE_HI = 2;
export const HELD_EDGE_LO = 3;
export const HELD_ACK_HI = 4;
export const HELD_ACK_LO = 5;
export const HELD_SOURCE_TASK = 6;
export const HELD_STATE = 7;

export class HeldTuples {
  /** The ack records, {@link HELD_STRIDE} int32 per entry. */
  ints = new Int32Array(1024 * HELD_STRIDE);
  /** Each entry's values (the user's data: the only per-entry object a window keeps). */
  readonly values: (readonly unknown[] | undefined)[] = [];
  /** Each entry's input stream (the engine's stream ref, shared by its tuples; only its fields are read here). */
  readonly streams: ({ readonly fields: Fields } | undefined)[] = [];
  /** The entry's Tuple once one was handed out: then it, not the record, is the entry. */
  readonly views: (Tuple | undefined)[] = [];
  /** The other trees of the rare entry anchored to several (flat `[root, edgeHi, edgeLo, ...]`). */
  readonly more = new Map<number, readonly number[]>();
  private readonly free: number[] = [];
  private next = 0;

  /** Entries in use. */
  get size(): number {
    return this.next - this.free.length;
  }

  /** A new entry number (its record to be filled by the caller). */
  alloc(): number {
    const h = this.free.pop();
    if (h !== undefined) return h;
    const n = this.next++;
    if ((n + 1) * HELD_STRIDE > this.ints.length) {
      const ints = new Int32Array(this.ints.length * 2);
      ints.set(this.ints);
      this.ints = ints;
    }
    return n;
  }

  /** Forgets entry `h` (its values, view and record) and makes its number reusable. */
  release(h: number): void {
    this.values[h] = undefined;
    this.streams[h] = undefined;
    this.views[h] = undefined;
    if (this.more.size > 0) this.more.delete(h);
    this.free.push(h);
  }
}

/**
 * What the windowed-bolt executor needs of its task's collector besides the public API (the
 * engine's bolt task implements it; internal, reached by `'holdTuple' in collector`).
 */
export interface TupleHolder {
  /** Copies `tuple` (values and ack record) into a new entry of `store`; the object need not be kept. */
  holdTuple(tuple: Tuple, store: HeldTuples): number;
  /** A new Tuple object for entry `h` with its record (the caller keeps it as the entry's view). */
  viewOf(store: HeldTuples, h: number): Tuple;
  /** Acks entry `h` (through its view if it has one); its values stay until released. */
  ackEntry(store: HeldTuples, h: number): void;
  /** Fails entry `h` (through its view if it has one). */
  failEntry(store: HeldTuples, h: number): void;
  /** Emits anchored to entries `hs` (as an emit anchored to their tuples, without keeping objects for them). */
  emitEntries(streamId: string, values: Values, store: HeldTuples, hs: readonly number[]): void;
}

/**
 * The holder of a collector without {@link TupleHolder} (none in the engine; kept so the executor
 * never depends on it): every entry is its tuple from the start, so nothing is compact.
 */
export class ObjectHolder implements TupleHolder {
  constructor(private readonly collector: OutputCollector) {}
  holdTuple(tuple: Tuple, store: HeldTuples): number {
    const h = store.alloc();
    store.values[h] = tuple.values;
    store.streams[h] = { fields: tuple.fields };
    store.views[h] = tuple;
    return h;
  }
  viewOf(store: HeldTuples, h: number): Tuple {
    return store.views[h]!;
  }
  ackEntry(store: HeldTuples, h: number): void {
    this.collector.ack(store.views[h]!);
  }
  failEntry(store: HeldTuples, h: number): void {
    this.collector.fail(store.views[h]!);
  }
  emitEntries(streamId: string, values: Values, store: HeldTuples, hs: readonly number[]): void {
    this.collector.emitStream(streamId, values, hs.map((h) => store.views[h]!));
  }
}
