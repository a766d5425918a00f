import { TopologyError } from '../errors.js';

/**
 * An ordered list of field names, as declared by a component for one stream.
 * Lookup by name is O(1).
 */
export class Fields {
  readonly names: readonly string[];
  private readonly index: ReadonlyMap<string, number>;

  constructor(names: readonly string[]) {
    if (!Array.isArray(names as unknown)) {
      // A bare string (`declare('word')`) or a Storm-order grouping argument: say so, not "forEach is not a function".
      throw new TopologyError('GALE_ERR_BAD_FIELDS', `fields must be a list of field names such as ["word"], got ${typeof names === 'string' ? `the string ${JSON.stringify(names)}` : typeof names}`);
    }
    const index = new Map<string, number>();
    names.forEach((n, i) => {
      if (typeof n !== 'string' || n.length === 0) {
        throw new TopologyError('GALE_ERR_BAD_FIELDS', `field names must be non-empty strings, got ${JSON.stringify(n)}`);
      }
      if (index.has(n)) throw new TopologyError('GALE_ERR_BAD_FIELDS', `field "${n}" is declared twice in [${names.join(', ')}]`);
      index.set(n, i);
    });
    this.names = Object.freeze([...names]);
    this.index = index;
  }

  get size(): number {
    return this.names.length;
  }

  contains(name: string): boolean {
    return this.index.has(name);
  }

  /** Position of `name`, or -1. */
  fieldIndex(name: string): number {
    return this.index.get(name) ?? -1;
  }

  toString(): string {
    return `[${this.names.join(', ')}]`;
  }
}

export function toFields(f: Fields | readonly string[]): Fields {
  return f instanceof Fields ? f : new Fields(f);
}
