import type { Fields } from '../api/fields.js';
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

export const TUPLE_PENDING = 0;
export const TUPLE_ACKED = 1;
export const TUPLE_FAILED = 2;

export class TupleImpl implements Tuple {
  /** XOR of the edge ids of tuples emitted anchored to this one (Storm's "ack val"). */
  ackHi = 0;
  ackLo = 0;
  /** TUPLE_PENDING until acked or failed once; later calls are ignored. */
  state = TUPLE_PENDING;

  constructor(
    readonly values: readonly unknown[],
    readonly stream: StreamRef,
    readonly sourceTask: number,
    /** Flat `[root, edgeHi, edgeLo, ...]` per tree this tuple belongs to; null when untracked. */
    readonly anchors: number[] | null,
  ) {}

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
    for (let i = 0; i < a.length; i += 3) {
      parts.push(`${a[i]}:${(a[i + 1]! >>> 0).toString(16).padStart(8, '0')}${(a[i + 2]! >>> 0).toString(16).padStart(8, '0')}`);
    }
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
