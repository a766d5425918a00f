import type { BasicOutputCollector, Tuple, Values } from '../api/types.js';
import type { TupleImpl } from './tuple.js';

/** What a basic bolt's collector hands its emits to (its BoltTask). */
export interface BasicEmitter {
  emit(values: Values, anchors?: Tuple | readonly Tuple[]): void;
  emitStream(streamId: string, values: Values, anchors?: Tuple | readonly Tuple[]): void;
  emitDirect(taskId: number, values: Values, anchors?: Tuple | readonly Tuple[], streamId?: string): void;
  reportError(error: unknown): void;
}

/** Collector of a basic bolt for one input: anchors every emit to it. */
export class BasicCollector implements BasicOutputCollector {
  input: TupleImpl | undefined;
  constructor(private readonly task: BasicEmitter) {}
  emit(values: Values): void {
    this.task.emit(values, this.input);
  }
  emitStream(streamId: string, values: Values): void {
    this.task.emitStream(streamId, values, this.input);
  }
  emitDirect(taskId: number, values: Values, streamId?: string): void {
    this.task.emitDirect(taskId, values, this.input, streamId);
  }
  reportError(error: unknown): void {
    this.task.reportError(error);
  }
}
