import type { Fields, Tuple } from '@gale/runtime';

/**
 * Reads one named field of tuples, resolving its position once per input stream instead of
 * once per tuple (a bolt sees the same few `Fields` objects over and over).
 */
export class FieldReader {
  private fields: Fields | undefined;
  private index = -1;

  constructor(readonly name: string) {}

  read(tuple: Tuple): unknown {
    if (tuple.fields !== this.fields) {
      const i = tuple.fields.fieldIndex(this.name);
      // getValueByField throws the runtime's GALE_ERR_UNKNOWN_FIELD error naming the fields.
      if (i < 0) return tuple.getValueByField(this.name);
      this.fields = tuple.fields;
      this.index = i;
    }
    return tuple.values[this.index];
  }
}
