import { Fields } from '../api/fields.js';
import { SYSTEM_COMPONENT, TICK_STREAM, type Tuple } from '../api/types.js';
import { ComponentError } from '../errors.js';

/** One (component, stream) as seen by receivers; shared by every tuple on that stream. */
export interface StreamRef {
  readonly component: string;
  readonly id: string;
  readonly fields: Fields;
  /** Position in the topology's sorted stream table: how the stream is named on the wire. */
  readonly index: number;
  /** A system stream (acker traffic): never refused for backpressure. */
  readonly control: boolean;
}

/** The stream of system ticks (`__tick` from `__system`): one ref, so a tick is told by identity. */
export const TICK_REF: StreamRef = Object.freeze({ component: SYSTEM_COMPONENT, id: TICK_STREAM, fields: new Fields(['tickFrequencySecs']), index: -1, control: false });

export const TUPLE_PENDING = 0;
export const TUPLE_ACKED = 1;
export const TUPLE_FAILED = 2;

/*
 * A tuple whose ack a stateful bolt holds (AckHolder.holdAck) is acked too; its state is
 * TUPLE_FAILED + the held-ack table's generation (HeldAcks.gen, never 0), so the generation needs
 * no field of its own (8 bytes less per tuple, tracked or not).
 */
/** The state of a tuple acked into the held-ack table of generation `gen` (>= 1). */
export function heldState(gen: number): number {
  return TUPLE_FAILED + gen;
}
/** The generation of the held-ack table a tuple's ack went into, from its state; 0 when none did. */
export function heldGenOf(state: number): number {
  return state > TUPLE_FAILED ? state - TUPLE_FAILED : 0;
}

const TWO_32 = 4294967296;

/**
 * A tuple as the engine carries it. This class itself is an untracked tuple (no tree: an
 * unanchored emit, a topology without ackers, control tuples, ticks): four fields, 56 bytes on a
 * Node without pointer compression. Its tree fields are constants on the prototype (`rootHi` −1,
 * the rest 0/null), so a reader needs no class check: `rootHi < 0` means untracked. A tuple of a
 * tree is a {@link TreeTuple} (ten fields, 104 bytes), of several a {@link TrackedTuple}
 * (eleven, 112 bytes). Separate classes rather than one layout
 * for all: the untracked word count allocated 249 bytes per word, 120 of them the tuple.
 */
export class TupleImpl implements Tuple {
  // Fields are `declare`d and assigned in the constructor only: with class-field (define)
  // semantics each declared field compiles to a separate initializer that first defines it as
  // undefined, a call V8 did not always inline on the emit path (1.5% of the unacked word count).
  declare readonly values: readonly unknown[];
  declare readonly stream: StreamRef;
  declare readonly sourceTask: number;
  /**
   * TUPLE_PENDING until acked or failed once; later calls are ignored. Acked into a held-ack
   * table: {@link heldState} of its generation (any state but PENDING and FAILED is acked).
   */
  declare state: number;
  /** The first tree's root, high 21 bits; -1 when untracked (the prototype's value). */
  declare readonly rootHi: number;
  /** The first tree's root, low 32 bits as an int32. */
  declare readonly rootLo: number;
  /** This tuple's edge id in the first tree. */
  declare readonly edgeHi: number;
  declare readonly edgeLo: number;
  /** The other trees, flat `[root, edgeHi, edgeLo, ...]`; null for (almost) every tuple. */
  declare readonly more: number[] | null;
  /** XOR of the edge ids of tuples emitted anchored to this one (Storm's "ack val"); written on tracked tuples only. */
  declare ackHi: number;
  declare ackLo: number;

  constructor(values: readonly unknown[], stream: StreamRef, sourceTask: number) {
    this.values = values;
    this.stream = stream;
    this.sourceTask = sourceTask;
    this.state = TUPLE_PENDING;
  }

  /** Whether the tuple belongs to any tree. */
  get tracked(): boolean {
    return this.rootHi >= 0;
  }
  /** The first tree's root (meaningful when tracked). */
  get root(): number {
    return joinRoot(this.rootHi, this.rootLo);
  }
  /**
   * Flat `[root, edgeHi, edgeLo, ...]` per tree, as the wire carries it; null when untracked.
   * Allocates: for cold paths (failing a tuple's trees, sending it to another worker).
   */
  get anchors(): number[] | null {
    if (this.rootHi < 0) return null;
    const first = [this.root, this.edgeHi, this.edgeLo];
    return this.more === null ? first : first.concat(this.more);
  }
  get fields(): Fields {
    return this.stream.fields;
  }
  get sourceComponent(): string {
    return this.stream.component;
  }
  get sourceStreamId(): string {
    return this.stream.id;
  }
  get messageId(): string {
    const a = this.anchors;
    if (a === null) return '{}';
    const parts: string[] = [];
    for (let i = 0; i < a.length; i += 3) parts.push(`${a[i]}:${hex8(a[i + 1]!)}${hex8(a[i + 2]!)}`);
    return `{${parts.join(',')}}`;
  }
  getValue(i: number): unknown {
    return this.values[i];
  }
  getValueByField(name: string): unknown {
    const i = this.stream.fields.fieldIndex(name);
    if (i < 0) {
      throw new ComponentError('GALE_ERR_UNKNOWN_FIELD', `tuple from "${this.stream.component}"/"${this.stream.id}" has no field "${name}"; fields are ${this.stream.fields}`);
    }
    return this.values[i];
  }
  getStringByField(name: string): string {
    return String(this.getValueByField(name));
  }
  getNumberByField(name: string): number {
    return Number(this.getValueByField(name));
  }
  isTick(): boolean {
    return this.stream.id === TICK_STREAM && this.stream.component === SYSTEM_COMPONENT;
  }
  toString(): string {
    return `source: ${this.stream.component}:${this.sourceTask}, stream: ${this.stream.id}, id: ${this.messageId}, ${JSON.stringify(this.values)}`;
  }
}

// An untracked tuple's tree fields: read from the prototype, never written (every writer checks `rootHi` first).
Object.defineProperties(TupleImpl.prototype, {
  rootHi: { value: -1, writable: true },
  rootLo: { value: 0, writable: true },
  edgeHi: { value: 0, writable: true },
  edgeLo: { value: 0, writable: true },
  more: { value: null, writable: true },
  ackHi: { value: 0, writable: true },
  ackLo: { value: 0, writable: true },
});

/**
 * A tuple of one tree, stored inline (root split into two int32 halves, so every field stays a
 * small integer and no number is boxed): ten fields, 104 bytes without pointer compression.
 * Almost every tracked tuple is one (every delivery of a spout's tracked emit, and of a bolt's emit
 * anchored to one input); `more` reads null from the prototype. `rootHi` may still be −1 here (a
 * held window entry's view of an untracked input).
 */
export class TreeTuple extends TupleImpl {
  declare readonly rootHi: number;
  declare readonly rootLo: number;
  declare readonly edgeHi: number;
  declare readonly edgeLo: number;
  declare ackHi: number;
  declare ackLo: number;

  constructor(values: readonly unknown[], stream: StreamRef, sourceTask: number, rootHi: number, rootLo: number, edgeHi: number, edgeLo: number) {
    super(values, stream, sourceTask);
    this.rootHi = rootHi;
    this.rootLo = rootLo;
    this.edgeHi = edgeHi;
    this.edgeLo = edgeLo;
    this.ackHi = 0;
    this.ackLo = 0;
  }
}

/**
 * A tuple of one or more trees: the first inline (as a {@link TreeTuple}), the others in `more`
 * (flat `[root, edgeHi, edgeLo, ...]`; null for a tuple of one tree made on a path that may make
 * either). Eleven fields, 112 bytes; the hot emits make {@link TreeTuple}s.
 */
export class TrackedTuple extends TreeTuple {
  declare readonly more: number[] | null;

  constructor(values: readonly unknown[], stream: StreamRef, sourceTask: number, rootHi: number, rootLo: number, edgeHi: number, edgeLo: number, more: number[] | null) {
    super(values, stream, sourceTask, rootHi, rootLo, edgeHi, edgeLo);
    this.more = more;
  }
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** A tuple of no tree (control tuples, ticks, unanchored emits). */
export function untrackedTuple(values: readonly unknown[], stream: StreamRef, sourceTask: number): TupleImpl {
  return new TupleImpl(values, stream, sourceTask);
}

/** The high 21 bits of a root id (a non-negative safe integer), as TupleImpl.rootHi holds them. */
export function rootHigh(root: number): number {
  return (root / TWO_32) | 0;
}

/** The root id of its two halves ({@link rootHigh}, {@link rootLow}): TupleImpl.root, and a held window entry's record. */
export function joinRoot(hi: number, lo: number): number {
  return hi * TWO_32 + (lo >>> 0);
}

/** The low 32 bits of a root id, as an int32 (TupleImpl.rootLo). */
export function rootLow(root: number): number {
  return root | 0;
}

/** A tuple from its wire form: flat `[root, edgeHi, edgeLo, ...]` per tree, or null (untracked). */
export function tupleFromAnchors(values: readonly unknown[], stream: StreamRef, sourceTask: number, anchors: readonly number[] | null): TupleImpl {
  if (anchors === null || anchors.length < 3) return untrackedTuple(values, stream, sourceTask);
  const root = anchors[0]!;
  if (anchors.length === 3) return new TreeTuple(values, stream, sourceTask, rootHigh(root), rootLow(root), anchors[1]!, anchors[2]!);
  return new TrackedTuple(values, stream, sourceTask, rootHigh(root), rootLow(root), anchors[1]!, anchors[2]!, anchors.slice(3));
}
